package io.sparkgrad.data;

import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import java.util.ArrayList;
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
 * <p>Which example lands in which partition is a function of the seed, the split's size and the
 * partition count alone: the split's examples in runs of consecutive ones, each run to the
 * partition its seeded position gives ({@link SharePartitioner}; MNIST-sized splits have runs of
 * one example). Within a partition the examples are stacked in index order, blocks of {@code
 * blockRows}, pixels kept as bytes. Where the split's records can be read at their positions (raw
 * IDX), each partition's task reads its own runs straight from storage ({@link BlockReader});
 * otherwise (gzip, Parquet, a DataFrame) the examples are read in order and Spark's shuffle moves
 * them, packed in chunks, without a sort, each straight to its place in its block ({@link
 * ChunkedShuffle}). Either way the blocks are the same, nothing of the data set's size is built
 * on the driver, and a task holds, beyond the blocks it caches, a few tens of MiB ({@link
 * #buildBytesPerTask}).
 *
 * <p>Recovery is by lineage: a lost block is rebuilt from storage (its runs read again), or from
 * the shuffle's output or the source the examples came from.
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
   * Blocks of {@code examples} (the {@code selection}'s, each with its index; {@code inputs}
   * pixels each), moved to their partitions through Spark's shuffle ({@link ChunkedShuffle}),
   * persisted in memory and materialized.
   *
   * @param release run by {@link #close()}: frees what the source holds (may be a no-op)
   */
  public static BlockedData build(
      JavaRDD<Example> examples, ExampleSelection selection, int inputs, int partitions,
      long seed, int blockRows, String name, Runnable release) {
    return build(examples, selection, inputs, partitions, seed, blockRows, name, release,
        ChunkedShuffle.Sizes.DEFAULT);
  }

  /** As {@link #build}, with the chunked shuffle's bounds given (tests: many small chunks). */
  static BlockedData build(
      JavaRDD<Example> examples, ExampleSelection selection, int inputs, int partitions,
      long seed, int blockRows, String name, Runnable release, ChunkedShuffle.Sizes sizes) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(examples.context());
    int count = selection.size();
    Plan plan = plan(jsc, name, count, inputs, partitions, release);
    SharePartitioner partitioner = new SharePartitioner(selection, partitions, seed);
    ChunkedShuffle.OutOfHeap outOfHeap = plan.outOfHeap();
    JavaRDD<ExampleBlock> blocks =
        examples
            .mapPartitionsToPair(split -> new ChunkedShuffle.Packer(split, partitioner, count,
                inputs, sizes, outOfHeap))
            // Chunks of a few hundred examples cross the shuffle, unsorted: one record (and one
            // heap object) per chunk, not per example.
            .partitionBy(new ChunkedShuffle.TargetPartitioner(partitions))
            .values()
            .mapPartitionsWithIndex((partition, chunks) -> new ChunkedShuffle.Placer(chunks,
                partition, partitioner, inputs, blockRows, outOfHeap), false);
    return cache(jsc, blocks, count, name, release, plan.explanation());
  }

  /**
   * Blocks of the {@code selection} of a split whose records tasks read at their positions:
   * each partition's task reads its own runs straight into its blocks ({@link BlockReader}), no
   * shuffle; the same blocks as {@link #build} makes of the same examples.
   */
  static BlockedData read(
      JavaSparkContext jsc, PositionedRecords records, ExampleSelection selection,
      int partitions, long seed, int blockRows, String name) {
    int count = selection.size();
    int inputs = records.features();
    Runnable nothing = () -> { };
    Plan plan = plan(jsc, name, count, inputs, partitions, nothing);
    SharePartitioner partitioner = new SharePartitioner(selection, partitions, seed);
    ChunkedShuffle.OutOfHeap outOfHeap = plan.outOfHeap();
    List<Integer> numbers = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      numbers.add(p);
    }
    JavaRDD<ExampleBlock> blocks = jsc.parallelize(numbers, partitions)
        .mapPartitionsWithIndex((partition, ignored) -> new BlockReader(records, partition,
            partitioner, blockRows, outOfHeap), true);
    return cache(jsc, blocks, count, name, nothing, plan.explanation());
  }

  /**
   * What a build knows of the memory before it starts: the plan's explanation (for a refusal
   * after caching) and how a task that runs out of heap says so.
   */
  private record Plan(String explanation, ChunkedShuffle.OutOfHeap outOfHeap) {}

  /**
   * Refuses, before anything is read, data that Spark's storage memory cannot hold with what
   * caching it briefly needs beyond; else the plan, from one look at the storage memory.
   */
  private static Plan plan(JavaSparkContext jsc, String name, int count, int inputs,
      int partitions, Runnable release) {
    long needed = cachedBytes(count, inputs);
    int atOnce = Math.min(partitions, jsc.defaultParallelism());
    long unrolling = unrollingBytes(needed, partitions, atOnce);
    StorageMemory memory = StorageMemory.of(jsc);
    String explanation = memory.explain(name, count, inputs, needed, unrolling, atOnce);
    if (needed + unrolling > memory.free()) {
      release.run();
      throw new DataDoesNotFitException(explanation);
    }
    return new Plan(explanation, new ChunkedShuffle.OutOfHeap(name, count, inputs, partitions,
        memory.setting()));
  }

  /**
   * Persists {@code blocks} in memory and materializes them, checking that they hold the {@code
   * count} examples and that Spark cached every partition that holds any.
   */
  private static BlockedData cache(JavaSparkContext jsc, JavaRDD<ExampleBlock> blocks,
      int count, String name, Runnable release, String plan) {
    blocks.setName(name).persist(StorageLevel.MEMORY_ONLY());
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
          plan + " (only " + cached + " of " + nonEmpty + " partitions were cached)");
    }
    return new BlockedData(blocks, count, release);
  }

  /**
   * Blocks of the {@code selection} of {@code split}'s examples, read by the executors: each task
   * reads its own runs where the split's records can be read at their positions (raw IDX), else
   * the examples are read in order and shuffled to their partitions.
   */
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
    PositionedRecords records = split.positioned();
    if (records != null) {
      return read(jsc, records, selection, partitions, seed, blockRows, name);
    }
    LabeledSplit.Examples examples = split.examples(jsc, selection);
    return build(examples.rdd(), selection, split.features(), partitions, seed, blockRows,
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
   * Which partition each example goes to. The split's examples (by their place in the split, not
   * their index in a selection) are cut into runs of {@link #runRows} consecutive ones, and run j
   * goes to partition ⌊π(j)·P / R⌋, π the seeded permutation of the R runs: shares of ⌊R/P⌋ or
   * ⌈R/P⌉ runs, a function of the seed and the split's size alone. A task reads a run of a raw
   * file with one read ({@link BlockReader}).
   *
   * <p>The run length depends on the split's size, never on P: replica r of R' (partitions
   * [⌊rP/R'⌋, ⌊(r+1)P/R'⌋)) then holds the runs with ⌊π(j)·R'/R⌋ = r whatever P, so the model
   * does not depend on the partition count. A split of at most 2·{@link #MIN_RUNS} − 1 examples
   * (MNIST's 60,000) has runs of one example: each example is placed on its own.
   */
  public static final class SharePartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    /**
     * The fewest runs a large split is cut into: 32,768, so that a thousand partitions still get
     * 32 runs each (shares within 3% of each other) while a run of mnist8m's 8.1 million examples
     * is 247 of them (190 KB, one read).
     */
    static final int MIN_RUNS = 1 << 15;

    private final ExampleSelection selection;
    private final int runRows;
    private final IndexPermutation runs;
    private final int partitions;
    private final long seed;

    /** Every one of {@code count} examples. */
    public SharePartitioner(int count, int partitions, long seed) {
      this(ExampleSelection.all(count), partitions, seed);
    }

    public SharePartitioner(ExampleSelection selection, int partitions, long seed) {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions: expected at least 1; found " + partitions);
      }
      this.selection = selection;
      this.runRows = runRows(selection.splitCount());
      int runCount = (int) ((selection.splitCount() + (long) runRows - 1) / runRows);
      this.runs = new IndexPermutation(runCount, seed, Seeds.Stream.PARTITION_ASSIGNMENT, 0);
      this.partitions = partitions;
      this.seed = seed;
    }

    /** Examples of a run of a split of {@code splitCount}: ⌊splitCount / MIN_RUNS⌋, at least 1. */
    static int runRows(int splitCount) {
      return Math.max(1, splitCount / MIN_RUNS);
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    /** The partition of the example with index {@code key} in the selection. */
    @Override
    public int getPartition(Object key) {
      return partitionOfExample(selection.exampleOf((Integer) key));
    }

    /** The partition of the split's example {@code example}, selected or not. */
    int partitionOfExample(int example) {
      return (int) ((long) runs.apply(example / runRows) * partitions / runs.size());
    }

    ExampleSelection selection() {
      return selection;
    }

    int runRows() {
      return runRows;
    }

    /**
     * The runs partition {@code partition} holds, in ascending order: those whose image under π
     * is in [⌈p·R/P⌉, ⌈(p+1)·R/P⌉), found through π's inverse in time and memory of the
     * partition's share.
     */
    int[] runs(int partition) {
      if (partition < 0 || partition >= partitions) {
        throw new IllegalArgumentException("partition: expected 0.." + (partitions - 1)
            + "; found " + partition);
      }
      long count = runs.size();
      int from = (int) ((partition * count + partitions - 1) / partitions);
      int to = (int) (((partition + 1) * count + partitions - 1) / partitions);
      int[] held = new int[to - from];
      for (int v = from; v < to; v++) {
        held[v - from] = runs.inverse(v);
      }
      Arrays.sort(held);
      return held;
    }

    /** The selection's indices partition {@code partition} holds, in ascending order. */
    int[] members(int partition) {
      int[] held = runs(partition);
      int splitCount = selection.splitCount();
      int[] members = new int[(int) Math.min((long) held.length * runRows, splitCount)];
      int m = 0;
      for (int run : held) {
        int end = (int) Math.min((long) (run + 1) * runRows, splitCount);
        for (int example = run * runRows; example < end; example++) {
          int index = selection.indexOf(example);
          if (index >= 0) {
            members[m++] = index;
          }
        }
      }
      members = m == members.length ? members : Arrays.copyOf(members, m);
      if (!selection.isAll()) {
        Arrays.sort(members);
      }
      return members;
    }
  }
}
