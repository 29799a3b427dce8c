package io.sparkgrad.data;

import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * Turns examples into a cached RDD of {@link ExampleBlock}s, the form the trainer and the
 * evaluator compute on.
 *
 * <p>Which example lands in which partition is a function of the seed and the partition count
 * alone: with the seeded permutation π of the {@code count} indices, index i goes to partition
 * ⌊π(i)·P / count⌋ (shares of ⌊count/P⌋ or ⌈count/P⌉ examples; {@link SharePartitioner}).
 * Within a partition the examples are stacked in index order, blocks of {@code blockRows}, pixels
 * kept as bytes. Spark's shuffle moves them there packed in chunks, without a sort, and each
 * lands straight in its place in its block ({@link ChunkedShuffle}); nothing of the data set's
 * size is built on the driver, and a task holds, beyond the blocks it caches, a few tens of MiB
 * ({@link #buildBytesPerTask}).
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
    return build(examples, count, inputs, partitions, seed, blockRows, name, release,
        ChunkedShuffle.Sizes.DEFAULT);
  }

  /** As {@link #build}, with the chunked shuffle's bounds given (tests: many small chunks). */
  static BlockedData build(
      JavaRDD<Example> examples, int count, int inputs, int partitions, long seed, int blockRows,
      String name, Runnable release, ChunkedShuffle.Sizes sizes) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(examples.context());
    long needed = cachedBytes(count, inputs);
    int atOnce = Math.min(partitions, jsc.defaultParallelism());
    long unrolling = unrollingBytes(needed, partitions, atOnce);
    StorageMemory memory = StorageMemory.of(jsc);
    if (needed + unrolling > memory.free()) {
      release.run();
      throw new DataDoesNotFitException(
          memory.explain(name, count, inputs, needed, unrolling, atOnce));
    }
    SharePartitioner partitioner = new SharePartitioner(count, partitions, seed);
    ChunkedShuffle.OutOfHeap outOfHeap = new ChunkedShuffle.OutOfHeap(name, count, inputs,
        partitions, memory.setting());
    JavaRDD<ExampleBlock> blocks =
        examples
            .mapPartitionsToPair(split -> new ChunkedShuffle.Packer(split, partitioner, count,
                inputs, sizes, outOfHeap))
            // Chunks of a few hundred examples cross the shuffle, unsorted: one record (and one
            // heap object) per chunk, not per example.
            .partitionBy(new ChunkedShuffle.TargetPartitioner(partitions))
            .values()
            .mapPartitionsWithIndex((partition, chunks) -> new ChunkedShuffle.Placer(chunks,
                partition, partitioner, inputs, blockRows, outOfHeap), false)
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
      throw new DataDoesNotFitException(
          memory.explain(name, count, inputs, needed, unrolling, atOnce) + " (only " + cached + " of " + nonEmpty + " partitions were cached)");
    }
    return new BlockedData(blocks, count, release);
  }

  /** Blocks of the {@code selection} of {@code split}'s examples, read by the executors. */
  public static BlockedData of(
      JavaSparkContext jsc, LabeledSplit split, ExampleSelection selection, int partitions,
      long seed, int blockRows, String name) {
    return of(jsc, split, selection, partitions, seed, blockRows, name,
        ChunkedShuffle.Sizes.DEFAULT);
  }

  /** As {@link #of}, with the chunked shuffle's bounds given (tests: many small chunks). */
  static BlockedData of(
      JavaSparkContext jsc, LabeledSplit split, ExampleSelection selection, int partitions,
      long seed, int blockRows, String name, ChunkedShuffle.Sizes sizes) {
    if (selection.splitCount() != split.count()) {
      throw new IllegalArgumentException(split.source() + ": selection of "
          + selection.splitCount() + " examples for " + split.count());
    }
    LabeledSplit.Examples examples = split.examples(jsc, selection);
    return build(examples.rdd(), selection.size(), split.features(), partitions, seed, blockRows,
        name, examples.release(), sizes);
  }

  /**
   * The most a task holds beyond the cached blocks while building them (the shuffle's buffers on
   * the map side, a chunk on the reduce side, which fills the blocks in place), for memory plans.
   * {@code partitions} 0 (not known yet: Spark's default parallelism) counts as many as Spark's
   * writer buffers at most.
   */
  public static long buildBytesPerTask(int inputs, int partitions, int blockRows) {
    return ChunkedShuffle.taskBytes(ChunkedShuffle.Sizes.DEFAULT, inputs,
        partitions > 0 ? partitions : ChunkedShuffle.BYPASS_MERGE_THRESHOLD, blockRows);
  }

  /**
   * What Spark's storage holds beyond the blocks while it caches them: a partition being cached
   * reserves up to 1.5 times what it has so far (its unroll memory grows by Spark's factor 1.5),
   * so each of the partitions cached at once ({@code slots} task slots) may briefly need half of
   * its size again. Fewer, larger partitions need more.
   */
  public static long unrollingBytes(long cacheBytes, int partitions, int slots) {
    int atOnce = Math.max(1, Math.min(partitions, slots));
    return cacheBytes / Math.max(1, partitions) * atOnce / 2;
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

    /**
     * The indices partition {@code partition} holds, in ascending order: those whose image under
     * π is in [⌈p·count/P⌉, ⌈(p+1)·count/P⌉), found through π's inverse in time and memory of
     * the partition's share.
     */
    int[] members(int partition) {
      if (partition < 0 || partition >= partitions) {
        throw new IllegalArgumentException("partition: expected 0.." + (partitions - 1)
            + "; found " + partition);
      }
      long count = permutation.size();
      int from = (int) ((partition * count + partitions - 1) / partitions);
      int to = (int) (((partition + 1) * count + partitions - 1) / partitions);
      int[] members = new int[to - from];
      for (int v = from; v < to; v++) {
        members[v - from] = permutation.inverse(v);
      }
      Arrays.sort(members);
      return members;
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
