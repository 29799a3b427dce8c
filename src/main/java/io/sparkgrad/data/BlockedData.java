package io.sparkgrad.data;

import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Turns examples into a cached RDD of {@link ExampleBlock}s, the form the trainer and the
 * evaluator compute on.
 *
 * <p>Which example lands in which partition is a function of the seed and the partition count
 * alone: with the seeded permutation π of the {@code count} indices, index i goes to partition
 * ⌊π(i)·P / count⌋ (shares of ⌊count/P⌋ or ⌈count/P⌉ examples). Spark's shuffle moves each
 * example there ({@link SharePartitioner}); nothing of the data set's size is built on the driver
 * or in a task. Within a partition the examples are stacked in index order, blocks of
 * {@code blockRows}, pixels kept as bytes.
 *
 * <p>Recovery is by lineage: a lost block is rebuilt from the shuffle's output, or from the
 * source the examples came from.
 */
public final class BlockedData implements AutoCloseable {
  private final JavaRDD<ExampleBlock> blocks;
  private final long count;
  private final Runnable release;

  private BlockedData(JavaRDD<ExampleBlock> blocks, long count, Runnable release) {
    this.blocks = blocks;
    this.count = count;
    this.release = release;
  }

  /** The cached blocks. */
  public JavaRDD<ExampleBlock> rdd() {
    return blocks;
  }

  /** How many examples the blocks hold. */
  public long count() {
    return count;
  }

  /**
   * Blocks of {@code examples} (their indices 0..count−1, each once; {@code inputs} pixels each),
   * persisted in memory and materialized.
   *
   * @param release run by {@link #close()}: frees what the source holds (may be a no-op)
   */
  public static BlockedData build(
      JavaRDD<Example> examples, int count, int inputs, int partitions, long seed, int blockRows,
      String name, Runnable release) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(examples.context());
    long needed = cachedBytes(count, inputs);
    StorageMemory memory = StorageMemory.of(jsc);
    if (needed > memory.free()) {
      release.run();
      throw new DataDoesNotFitException(memory.explain(name, count, inputs, needed));
    }
    SharePartitioner partitioner = new SharePartitioner(count, partitions, seed);
    JavaRDD<ExampleBlock> blocks =
        examples
            // The shuffle moves plain byte arrays (the label, then the pixels): serialized in one
            // write each, far cheaper than an object per example.
            .mapToPair(example -> new Tuple2<>(example.index(), encode(example, inputs)))
            // Sorted by index within each partition by the shuffle itself, which spills to disk
            // when it must: a partition is stacked as it streams in, never held twice.
            .repartitionAndSortWithinPartitions(partitioner)
            .mapPartitions(share -> stack(share, inputs, blockRows))
            .setName(name)
            .persist(StorageLevel.MEMORY_ONLY());
    List<Integer> shares = blocks.mapPartitions(it -> {
      int rows = 0;
      while (it.hasNext()) {
        rows += it.next().rows();
      }
      return List.of(rows).iterator();
    }).collect();
    long held = shares.stream().mapToLong(Integer::longValue).sum();
    long nonEmpty = shares.stream().filter(rows -> rows > 0).count();
    if (held != count) {
      blocks.unpersist(false);
      release.run();
      throw new IllegalStateException(
          name + ": expected " + count + " examples in the blocks; found " + held);
    }
    int cached = cachedPartitions(jsc, blocks.id(), nonEmpty);
    if (cached < nonEmpty) {
      // Spark keeps going without the partitions it could not cache, re-reading them at every
      // job: far slower than the user expects, and the cause is invisible. Stop instead.
      blocks.unpersist(false);
      release.run();
      throw new DataDoesNotFitException(memory.explain(name, count, inputs, needed)
          + " (only " + cached + " of " + nonEmpty + " partitions were cached)");
    }
    return new BlockedData(blocks, count, release);
  }

  /** Blocks of the {@code selection} of {@code split}'s examples, read by the executors. */
  public static BlockedData of(
      JavaSparkContext jsc, LabeledSplit split, ExampleSelection selection, int partitions,
      long seed, int blockRows, String name) {
    if (selection.splitCount() != split.count()) {
      throw new IllegalArgumentException(split.source() + ": selection of "
          + selection.splitCount() + " examples for " + split.count());
    }
    LabeledSplit.Examples examples = split.examples(jsc, selection);
    return build(examples.rdd(), selection.size(), split.features(), partitions, seed, blockRows,
        name, examples.release());
  }

  /** The label, then the pixels, in one array; refuses pixels of the wrong count. */
  private static byte[] encode(Example example, int inputs) {
    if (example.pixels().length != inputs) {
      throw new IllegalArgumentException("example " + example.index() + ": expected " + inputs
          + " pixels; found " + example.pixels().length);
    }
    if (example.label() < 0 || example.label() > 255) {
      throw new IllegalArgumentException("example " + example.index() + ": expected a label in"
          + " 0..255; found " + example.label());
    }
    byte[] encoded = new byte[inputs + 1];
    encoded[0] = (byte) example.label();
    System.arraycopy(example.pixels(), 0, encoded, 1, inputs);
    return encoded;
  }

  /** The bytes {@code count} examples take as cached blocks: pixels, label and index (int each). */
  public static long cachedBytes(long count, int inputs) {
    return count * (inputs + 8L);
  }

  /**
   * How many partitions of the RDD Spark's storage shows cached, waiting (at most
   * {@link #STORAGE_REPORT_WAIT_MS}) for {@code expected}: the figures come from the listener
   * bus, which may trail the job that cached the blocks.
   */
  private static int cachedPartitions(JavaSparkContext jsc, int rddId, long expected) {
    long deadline = System.currentTimeMillis() + STORAGE_REPORT_WAIT_MS;
    while (true) {
      int cached = 0;
      for (org.apache.spark.storage.RDDInfo info : jsc.sc().getRDDStorageInfo()) {
        if (info.id() == rddId) {
          cached = info.numCachedPartitions();
        }
      }
      if (cached >= expected || System.currentTimeMillis() > deadline) {
        return cached;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return cached;
      }
    }
  }

  private static final long STORAGE_REPORT_WAIT_MS = 30_000;

  /** Drops the cached blocks and whatever the source holds. */
  @Override
  public void close() {
    blocks.unpersist(false);
    release.run();
  }

  /** One partition's examples, arriving in index order, stacked into blocks of {@code blockRows}. */
  private static Iterator<ExampleBlock> stack(
      Iterator<Tuple2<Integer, byte[]>> share, int inputs, int blockRows) {
    List<ExampleBlock> out = new ArrayList<>();
    byte[] pixels = new byte[blockRows * inputs];
    int[] labels = new int[blockRows];
    int[] indices = new int[blockRows];
    int rows = 0;
    while (share.hasNext()) {
      Tuple2<Integer, byte[]> example = share.next();
      byte[] encoded = example._2();
      System.arraycopy(encoded, 1, pixels, rows * inputs, inputs);
      labels[rows] = encoded[0] & 0xFF;
      indices[rows] = example._1();
      if (++rows == blockRows) {
        out.add(new ExampleBlock(pixels, labels, indices, rows, inputs));
        pixels = new byte[blockRows * inputs];
        labels = new int[blockRows];
        indices = new int[blockRows];
        rows = 0;
      }
    }
    if (rows > 0) {
      out.add(new ExampleBlock(Arrays.copyOf(pixels, rows * inputs), Arrays.copyOf(labels, rows),
          Arrays.copyOf(indices, rows), rows, inputs));
    }
    return out.iterator();
  }

  /**
   * Index i of {@code count} goes to partition ⌊π(i)·P / count⌋, π the seeded permutation of the
   * partition assignment: equal shares, a function of the seed alone.
   */
  public static final class SharePartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final IndexPermutation permutation;
    private final int partitions;
    private final long seed;

    public SharePartitioner(int count, int partitions, long seed) {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions: expected at least 1; found " + partitions);
      }
      this.permutation = new IndexPermutation(count, seed, Seeds.Stream.PARTITION_ASSIGNMENT, 0);
      this.partitions = partitions;
      this.seed = seed;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return (int) ((long) permutation.apply((Integer) key) * partitions / permutation.size());
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof SharePartitioner that && that.partitions == partitions
          && that.seed == seed && that.permutation.size() == permutation.size();
    }

    @Override
    public int hashCode() {
      return Long.hashCode(seed) * 31 + partitions * 17 + permutation.size();
    }
  }
}
