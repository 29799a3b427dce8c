package io.sparkgrad.data;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.spark.Partitioner;
import scala.Tuple2;

/**
 * How {@link BlockedData} moves examples to their partitions: packed in chunks of a few hundred
 * rows, never one shuffle record (and one heap object) per example, and without a sort.
 *
 * <p>Map side ({@link Packer}): each task appends its examples to one buffer per (target
 * partition, index bucket) and emits a full buffer as one {@link Chunk}; buffers grow as they
 * fill, at most a chunk's size each and a task's buffer bound in all (then every buffer is
 * emitted; {@link Sizes}). Bucket b of every target covers the indices [b·W, (b+1)·W), W =
 * {@code bucketRows}·P, so a bucket holds about {@code bucketRows} examples of each target.
 *
 * <p>The shuffle: keyed by the target alone ({@link TargetPartitioner}), no ordering and no
 * map-side combine, so Spark writes each task's output straight to its partition files (the
 * bypass-merge writer, up to 200 partitions).
 *
 * <p>Reduce side ({@link Stacker}): the chunks of a partition, grouped by bucket; bucket after
 * bucket the rows are ordered by index (a sort of one bucket's keys: sources deliver examples in
 * any order, e.g. a validation selection or a DataFrame's own index) and stacked into blocks of
 * exactly {@code blockRows}, and the bucket's chunks are let go. The result is what a sort of the
 * whole partition by index gives. A reduce task holds its partition once (the chunks not yet
 * stacked, the blocks made so far), plus one bucket's rows twice while they are stacked and the
 * block being filled.
 *
 * <p>Chunks travel with Spark's configured serializer (Java serialization by default, which
 * writes their arrays in bulk); Kryo as configured by Spark cannot create the project's records
 * (e.g. {@code IdxSplit.Slice}) without registered serializers.
 */
final class ChunkedShuffle {
  /**
   * The bounds: a chunk's largest size, what a map task buffers in all before it emits every
   * buffer, and the rows of one target a bucket holds (in bytes of blocks: the reduce side's
   * working set). Small ones in tests exercise many chunks and buckets on little data.
   */
  record Sizes(long chunkBytes, long taskBufferBytes, long bucketBytes) implements Serializable {
    /** Chunks under G1's humongous threshold (half a region) on any heap. */
    static final Sizes DEFAULT = new Sizes(256 << 10, 16L << 20, 16L << 20);

    Sizes {
      if (chunkBytes < 1 || taskBufferBytes < 1 || bucketBytes < 1) {
        throw new IllegalArgumentException("chunk, buffer and bucket bytes: expected at least 1;"
            + " found " + chunkBytes + ", " + taskBufferBytes + ", " + bucketBytes);
      }
    }

    /** Rows of one chunk. */
    int chunkRows(int inputs) {
      return (int) Math.max(1, Math.min(Integer.MAX_VALUE, chunkBytes / chunkRowBytes(inputs)));
    }

    /** Rows of one target in a bucket. */
    int bucketRows(int inputs) {
      return (int) Math.max(1,
          Math.min(Integer.MAX_VALUE, bucketBytes / BlockedData.cachedBytes(1, inputs)));
    }

    /** The width W of a bucket in index space for {@code partitions} targets. */
    long bucketWidth(int inputs, int partitions) {
      return (long) bucketRows(inputs) * partitions;
    }

    /** Buckets covering {@code count} indices. */
    int buckets(int count, int inputs, int partitions) {
      long width = bucketWidth(inputs, partitions);
      return (int) Math.max(1, (count + width - 1) / width);
    }
  }

  /** Spark's shuffle writer per target partition: file buffer, compression and stream buffers. */
  static final long WRITER_BYTES_PER_PARTITION = 96L << 10;
  /** Above this many partitions Spark's writer sorts its records (and spills) instead. */
  static final int BYPASS_MERGE_THRESHOLD = 200;

  private ChunkedShuffle() {}

  /** Bytes of one row in a chunk: pixels, a label byte, an int index. */
  static long chunkRowBytes(int inputs) {
    return inputs + 5L;
  }

  /**
   * The most a task holds beyond the cached blocks while building them: the map side's buffers
   * (its own and Spark's writer's per partition), or the reduce side's bucket (its rows twice
   * while they are stacked, and their sort keys) and a block being filled.
   */
  static long taskBytes(Sizes sizes, int inputs, int partitions, int blockRows) {
    long map = 2 * sizes.taskBufferBytes() + sizes.chunkBytes()
        + Math.min(partitions, BYPASS_MERGE_THRESHOLD) * WRITER_BYTES_PER_PARTITION;
    long bucket = sizes.bucketRows(inputs);
    long reduce = bucket * (chunkRowBytes(inputs) + BlockedData.cachedBytes(1, inputs) + 8)
        + BlockedData.cachedBytes(blockRows, inputs);
    return Math.max(map, reduce);
  }

  /**
   * A task that runs out of heap while building the blocks fails with the data's size and the
   * setting to raise ({@link DataDoesNotFitException}, exit 8), not as Spark's fatal error that
   * ends the process: the chunks it held are let go with it.
   */
  record OutOfHeap(String name, long count, int inputs, int partitions, String setting)
      implements Serializable {
    DataDoesNotFitException explain(String side, OutOfMemoryError e) {
      return new DataDoesNotFitException(String.format(Locale.ROOT,
          "%s: out of memory while building the cached blocks (%s side of the shuffle, a heap"
              + " of %.1f GB): %,d examples × (%d pixels + 8) bytes = %.1f MB of blocks in %d"
              + " partitions. Raise %s, or give --partitions more partitions, or train on less"
              + " data", name, side, Runtime.getRuntime().maxMemory() / 1e9, count, inputs,
          BlockedData.cachedBytes(count, inputs) / 1e6, partitions, setting), e);
    }
  }

  /** Examples of one (target, bucket) of one map task, packed; arrays exactly {@code rows} long. */
  record Chunk(int bucket, int rows, byte[] pixels, byte[] labels, int[] indices)
      implements Serializable {}

  /** The target partition is the key. */
  static final class TargetPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    TargetPartitioner(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof TargetPartitioner that && that.partitions == partitions;
    }

    @Override
    public int hashCode() {
      return partitions;
    }
  }

  /** A map task's examples as chunks keyed by target partition, emitted as buffers fill. */
  static final class Packer implements Iterator<Tuple2<Integer, Chunk>> {
    private final Iterator<Example> examples;
    private final BlockedData.SharePartitioner targets;
    private final int count;
    private final int inputs;
    private final long width;
    private final int buckets;
    private final int chunkRows;
    private final long taskBufferBytes;
    private final OutOfHeap outOfHeap;
    /** Indexed by target·buckets + bucket: about the cache's size / the bucket's bytes + P. */
    private final Buffer[] buffers;
    /** Whether a key's buffer has filled a whole chunk before: its next starts at that size. */
    private final boolean[] filledBefore;
    private int open;
    private final ArrayDeque<Tuple2<Integer, Chunk>> ready = new ArrayDeque<>();
    private long buffered;

    Packer(Iterator<Example> examples, BlockedData.SharePartitioner targets, int count,
        int inputs, Sizes sizes, OutOfHeap outOfHeap) {
      this.examples = examples;
      this.outOfHeap = outOfHeap;
      this.targets = targets;
      this.count = count;
      this.inputs = inputs;
      this.width = sizes.bucketWidth(inputs, targets.numPartitions());
      this.buckets = sizes.buckets(count, inputs, targets.numPartitions());
      this.chunkRows = sizes.chunkRows(inputs);
      this.taskBufferBytes = sizes.taskBufferBytes();
      this.buffers = new Buffer[Math.multiplyExact(targets.numPartitions(), buckets)];
      this.filledBefore = new boolean[buffers.length];
    }

    @Override
    public boolean hasNext() {
      try {
        while (ready.isEmpty() && examples.hasNext()) {
          add(examples.next());
        }
        if (ready.isEmpty() && open > 0) {
          emitAll();
        }
        return !ready.isEmpty();
      } catch (OutOfMemoryError e) {
        Arrays.fill(buffers, null);
        ready.clear();
        throw outOfHeap.explain("map", e);
      }
    }

    @Override
    public Tuple2<Integer, Chunk> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    private void add(Example example) {
      int index = example.index();
      if (index < 0 || index >= count) {
        throw new IllegalArgumentException("example index: expected 0.." + (count - 1)
            + "; found " + index);
      }
      if (example.pixels().length != inputs) {
        throw new IllegalArgumentException("example " + index + ": expected " + inputs
            + " pixels; found " + example.pixels().length);
      }
      if (example.label() < 0 || example.label() > 255) {
        throw new IllegalArgumentException("example " + index + ": expected a label in"
            + " 0..255; found " + example.label());
      }
      int target = targets.getPartition(index);
      int bucket = (int) (index / width);
      int key = target * buckets + bucket;
      Buffer buffer = buffers[key];
      if (buffer == null) {
        buffer = new Buffer(target, bucket, filledBefore[key]);
        buffers[key] = buffer;
        open++;
      }
      buffered += buffer.add(example);
      if (buffer.rows == chunkRows) {
        buffers[key] = null;
        filledBefore[key] = true;
        open--;
        emit(buffer);
      } else if (buffered > taskBufferBytes) {
        emitAll();
      }
    }

    private void emitAll() {
      for (int key = 0; key < buffers.length && open > 0; key++) {
        if (buffers[key] != null) {
          emit(buffers[key]);
          buffers[key] = null;
          open--;
        }
      }
    }

    private void emit(Buffer buffer) {
      buffered -= buffer.capacity * chunkRowBytes(inputs);
      ready.add(new Tuple2<>(buffer.target, buffer.toChunk()));
    }

    /**
     * One (target, bucket)'s rows so far; its arrays double from 16 rows up to a chunk, or start
     * at a chunk's size for a key that filled one before (a source that reads its examples in
     * index order fills a few keys at a time, and the doubling copied each row twice more).
     */
    private final class Buffer {
      final int target;
      final int bucket;
      int rows;
      int capacity;
      byte[] pixels;
      byte[] labels;
      int[] indices;

      Buffer(int target, int bucket, boolean whole) {
        this.target = target;
        this.bucket = bucket;
        this.capacity = whole ? chunkRows : 0;
        this.pixels = new byte[capacity * inputs];
        this.labels = new byte[capacity];
        this.indices = new int[capacity];
        buffered += (long) capacity * chunkRowBytes(inputs);
      }

      /** Appends; returns the bytes newly allocated. */
      long add(Example example) {
        long grown = 0;
        if (rows == capacity) {
          int larger = Math.min(chunkRows, Math.max(16, 2 * capacity));
          grown = (larger - capacity) * chunkRowBytes(inputs);
          pixels = Arrays.copyOf(pixels, larger * inputs);
          labels = Arrays.copyOf(labels, larger);
          indices = Arrays.copyOf(indices, larger);
          capacity = larger;
        }
        System.arraycopy(example.pixels(), 0, pixels, rows * inputs, inputs);
        labels[rows] = (byte) example.label();
        indices[rows] = example.index();
        rows++;
        return grown;
      }

      Chunk toChunk() {
        if (rows == capacity) {
          return new Chunk(bucket, rows, pixels, labels, indices);
        }
        return new Chunk(bucket, rows, Arrays.copyOf(pixels, rows * inputs),
            Arrays.copyOf(labels, rows), Arrays.copyOf(indices, rows));
      }
    }
  }

  /** One partition's chunks, stacked in index order into blocks of {@code blockRows}. */
  static final class Stacker implements Iterator<ExampleBlock> {
    private final Iterator<Chunk> chunks;
    private final int inputs;
    private final int blockRows;
    private final OutOfHeap outOfHeap;
    private List<List<Chunk>> byBucket;
    private int bucket;
    private final ArrayDeque<ExampleBlock> ready = new ArrayDeque<>();
    private byte[] pixels;
    private int[] labels;
    private int[] indices;
    private int rows;
    private int lastIndex = -1;
    private boolean received;
    private boolean done;

    Stacker(Iterator<Chunk> chunks, int buckets, int inputs, int blockRows, OutOfHeap outOfHeap) {
      this.chunks = chunks;
      this.inputs = inputs;
      this.blockRows = blockRows;
      this.outOfHeap = outOfHeap;
      this.byBucket = new ArrayList<>(buckets);
      for (int b = 0; b < buckets; b++) {
        byBucket.add(null);
      }
    }

    @Override
    public boolean hasNext() {
      try {
        return stackMore();
      } catch (OutOfMemoryError e) {
        byBucket = null;
        ready.clear();
        pixels = null;
        labels = null;
        indices = null;
        done = true;
        throw outOfHeap.explain("reduce", e);
      }
    }

    private boolean stackMore() {
      if (!received) {
        receive();
      }
      while (ready.isEmpty() && !done) {
        if (bucket < byBucket.size()) {
          stackBucket(bucket);
          byBucket.set(bucket, null);
          bucket++;
        } else {
          if (rows > 0) {
            ready.add(new ExampleBlock(Arrays.copyOf(pixels, rows * inputs),
                Arrays.copyOf(labels, rows), Arrays.copyOf(indices, rows), rows, inputs));
          }
          pixels = null;
          labels = null;
          indices = null;
          byBucket = null;
          done = true;
        }
      }
      return !ready.isEmpty();
    }

    @Override
    public ExampleBlock next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    /** Every chunk of the partition must be here before the first bucket is complete. */
    private void receive() {
      received = true;
      while (chunks.hasNext()) {
        Chunk chunk = chunks.next();
        List<Chunk> list = byBucket.get(chunk.bucket());
        if (list == null) {
          list = new ArrayList<>();
          byBucket.set(chunk.bucket(), list);
        }
        list.add(chunk);
      }
      startBlock();
    }

    private void startBlock() {
      pixels = new byte[blockRows * inputs];
      labels = new int[blockRows];
      indices = new int[blockRows];
      rows = 0;
    }

    private void stackBucket(int b) {
      List<Chunk> list = byBucket.get(b);
      if (list == null) {
        return;
      }
      int[] starts = new int[list.size() + 1];
      for (int c = 0; c < list.size(); c++) {
        starts[c + 1] = starts[c] + list.get(c).rows();
      }
      // (index, position in the bucket): sorting these orders the bucket's rows by index.
      long[] keys = new long[starts[list.size()]];
      for (int c = 0, k = 0; c < list.size(); c++) {
        int[] chunkIndices = list.get(c).indices();
        for (int r = 0; r < chunkIndices.length; r++, k++) {
          keys[k] = ((long) chunkIndices[r] << 32) | k;
        }
      }
      Arrays.sort(keys);
      for (long key : keys) {
        int index = (int) (key >>> 32);
        if (index == lastIndex) {
          throw new IllegalStateException(outOfHeap.name() + ": example index " + index
              + " twice");
        }
        lastIndex = index;
        int position = (int) key;
        int c = Arrays.binarySearch(starts, position);
        // Chunks are never empty: the starts rise strictly, the last one at or below is its own.
        c = c >= 0 ? c : -c - 2;
        Chunk chunk = list.get(c);
        int r = position - starts[c];
        System.arraycopy(chunk.pixels(), r * inputs, pixels, rows * inputs, inputs);
        labels[rows] = chunk.labels()[r] & 0xFF;
        indices[rows] = index;
        if (++rows == blockRows) {
          ready.add(new ExampleBlock(pixels, labels, indices, rows, inputs));
          startBlock();
        }
      }
    }
  }
}
