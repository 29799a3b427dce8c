package io.sparkgrad.data;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.spark.Partitioner;
import scala.Tuple2;

/**
 * How {@link BlockedData} moves examples to their partitions: packed in chunks of a few hundred
 * rows, never one shuffle record (and one heap object) per example, and without a sort.
 *
 * <p>Map side ({@link Packer}): each task appends its examples to one buffer per target
 * partition and emits a full buffer as one {@link Chunk}; buffers grow as they fill, at most a
 * chunk's size each and a task's buffer bound in all (then every buffer is emitted; {@link
 * Sizes}).
 *
 * <p>The shuffle: keyed by the target alone ({@link TargetPartitioner}), no ordering and no
 * map-side combine, so Spark writes each task's output straight to its partition files (the
 * bypass-merge writer, up to 200 partitions).
 *
 * <p>Reduce side ({@link Placer}): which indices a partition holds is a function of the seed
 * (the share partitioner's inverse), so the task makes its blocks before the first chunk arrives
 * and copies every row of every chunk straight to the place its index's rank gives: blocks of
 * exactly {@code blockRows} in index order, what a sort of the whole partition by index gives,
 * whatever order the examples come in (sources deliver them in any order, e.g. a validation
 * selection or a DataFrame's own index) and the chunks arrive in. A chunk is let go once copied:
 * a reduce task holds its blocks (its share of the cache) and one chunk. Holding every chunk
 * until the partition was complete (the stacker this replaced) kept the partition twice, and
 * the collector copied the held chunks to its old generation only to drop them there.
 *
 * <p>Chunks travel with Spark's configured serializer (Java serialization by default, which
 * writes their arrays in bulk); Kryo as configured by Spark cannot create the project's records
 * (e.g. {@code IdxSplit.Slice}) without registered serializers.
 */
final class ChunkedShuffle {
  /**
   * The bounds: a chunk's largest size and what a map task buffers in all before it emits every
   * buffer. Small ones in tests exercise many chunks on little data.
   */
  record Sizes(long chunkBytes, long taskBufferBytes) implements Serializable {
    /** Chunks under G1's humongous threshold (half a region) on any heap. */
    static final Sizes DEFAULT = new Sizes(256 << 10, 16L << 20);

    Sizes {
      if (chunkBytes < 1 || taskBufferBytes < 1) {
        throw new IllegalArgumentException("chunk and buffer bytes: expected at least 1; found "
            + chunkBytes + ", " + taskBufferBytes);
      }
    }

    /** Rows of one chunk. */
    int chunkRows(int inputs) {
      return (int) Math.max(1, Math.min(Integer.MAX_VALUE, chunkBytes / chunkRowBytes(inputs)));
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
   * (its own and Spark's writer's per partition). The reduce side holds beyond its blocks one
   * chunk (and Spark's reader's buffers), and, before the first chunk, its share's indices once
   * more while they are sorted (the blocks' own indices: 4 bytes a row) and then a bit a row.
   */
  static long taskBytes(Sizes sizes, int inputs, int partitions, int blockRows) {
    long map = 2 * sizes.taskBufferBytes() + sizes.chunkBytes()
        + Math.min(partitions, BYPASS_MERGE_THRESHOLD) * WRITER_BYTES_PER_PARTITION;
    long reduce = 2 * sizes.chunkBytes() + WRITER_BYTES_PER_PARTITION;
    return Math.max(map, reduce);
  }

  /**
   * A task that runs out of heap while building the blocks fails with the data's size and the
   * setting to raise ({@link DataDoesNotFitException}, exit 8), not as Spark's fatal error that
   * ends the process: the chunks it held are let go with it.
   */
  record OutOfHeap(String name, long count, int inputs, int partitions, String setting)
      implements Serializable {
    /** {@code where}: the build's step that ran out, e.g. "map side of the shuffle". */
    DataDoesNotFitException explain(String where, OutOfMemoryError e) {
      return new DataDoesNotFitException(String.format(Locale.ROOT,
          "%s: out of memory while building the cached blocks (%s, a heap"
              + " of %.1f GB): %,d examples × (%d pixels + 8) bytes = %.1f MB of blocks in %d"
              + " partitions. Raise %s, or give --partitions more partitions, or train on less"
              + " data", name, where, Runtime.getRuntime().maxMemory() / 1e9, count, inputs,
          BlockedData.cachedBytes(count, inputs) / 1e6, partitions, setting), e);
    }
  }

  /** Examples of one target of one map task, packed; arrays exactly {@code rows} long. */
  record Chunk(int rows, byte[] pixels, byte[] labels, int[] indices)
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
    private final int chunkRows;
    private final long taskBufferBytes;
    private final OutOfHeap outOfHeap;
    /** Indexed by target. */
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
      this.chunkRows = sizes.chunkRows(inputs);
      this.taskBufferBytes = sizes.taskBufferBytes();
      this.buffers = new Buffer[targets.numPartitions()];
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
        throw outOfHeap.explain("map side of the shuffle", e);
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
      int key = targets.getPartition(index);
      Buffer buffer = buffers[key];
      if (buffer == null) {
        buffer = new Buffer(key, filledBefore[key]);
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
     * One target's rows so far; its arrays double from 16 rows up to a chunk, or start
     * at a chunk's size for a key that filled one before (a source that reads its examples in
     * index order fills a few keys at a time, and the doubling copied each row twice more).
     */
    private final class Buffer {
      final int target;
      int rows;
      int capacity;
      byte[] pixels;
      byte[] labels;
      int[] indices;

      Buffer(int target, boolean whole) {
        this.target = target;
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
          return new Chunk(rows, pixels, labels, indices);
        }
        return new Chunk(rows, Arrays.copyOf(pixels, rows * inputs),
            Arrays.copyOf(labels, rows), Arrays.copyOf(indices, rows));
      }
    }
  }

  /**
   * One partition's chunks, each row copied straight to its place in the partition's blocks as
   * its chunk arrives, in any order of arrival: the partition's indices are known before any
   * chunk ({@link BlockedData.SharePartitioner#members}), so a row's place is its index's rank
   * among them. Blocks of exactly {@code blockRows} (the last one shorter) in index order, as a
   * sort of the whole partition by index gives. A chunk is let go as soon as it is copied; the
   * task holds its blocks (its share of the cache) and a bit a row to refuse an index twice.
   */
  static final class Placer extends PartitionBlocks {
    private final Iterator<Chunk> chunks;
    private final int partition;
    private final BlockedData.SharePartitioner targets;
    private final int inputs;
    private final int blockRows;
    private final String name;

    Placer(Iterator<Chunk> chunks, int partition, BlockedData.SharePartitioner targets, int inputs,
        int blockRows, OutOfHeap outOfHeap) {
      super(outOfHeap, "reduce side of the shuffle");
      this.chunks = chunks;
      this.partition = partition;
      this.targets = targets;
      this.inputs = inputs;
      this.blockRows = blockRows;
      this.name = outOfHeap.name();
    }

    @Override
    ExampleBlock[] make() {
      int[] members = targets.members(partition);
      ExampleBlock[] blocks = PartitionBlocks.empty(members, inputs, blockRows);
      // The first index of each block: which block holds an index.
      int[] firsts = new int[blocks.length];
      for (int b = 0; b < blocks.length; b++) {
        firsts[b] = blocks[b].indices()[0];
      }
      int share = members.length;
      members = null;
      BitSet placed = new BitSet(share);
      int held = 0;
      int block = 0;
      int row = -1;
      while (chunks.hasNext()) {
        Chunk chunk = chunks.next();
        int[] indices = chunk.indices();
        for (int r = 0; r < chunk.rows(); r++) {
          int index = indices[r];
          // A chunk's rows mostly come in index order and are neighbours in the partition.
          ExampleBlock at = blocks.length > 0 ? blocks[block] : null;
          if (at != null && row + 1 < at.rows() && at.indices()[row + 1] == index) {
            row++;
          } else if (at != null && block + 1 < blocks.length && row + 1 == at.rows()
              && firsts[block + 1] == index) {
            block++;
            row = 0;
          } else {
            int found = Arrays.binarySearch(firsts, index);
            found = found >= 0 ? found : -found - 2;
            row = found < 0 ? -1 : Arrays.binarySearch(blocks[found].indices(), index);
            if (row < 0) {
              throw new IllegalStateException(name + ": example index " + index
                  + " is not one of partition " + partition + "'s");
            }
            block = found;
          }
          int rank = block * blockRows + row;
          if (placed.get(rank)) {
            throw new IllegalStateException(name + ": example index " + index + " twice");
          }
          placed.set(rank);
          held++;
          ExampleBlock target = blocks[block];
          System.arraycopy(chunk.pixels(), r * inputs, target.pixels(), row * inputs, inputs);
          target.labels()[row] = chunk.labels()[r] & 0xFF;
        }
      }
      if (held != share) {
        throw new IllegalStateException(name + ": expected " + share
            + " examples in partition " + partition + "; found " + held);
      }
      return blocks;
    }
  }
}
