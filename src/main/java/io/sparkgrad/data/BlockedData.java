package io.sparkgrad.data;

import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import java.util.ArrayList;
import java.util.Comparator;
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
    SharePartitioner partitioner = new SharePartitioner(count, partitions, seed);
    JavaRDD<ExampleBlock> blocks =
        examples
            .mapToPair(example -> new Tuple2<>(example.index(), example))
            .partitionBy(partitioner)
            .mapPartitions(share -> stack(share, inputs, blockRows))
            .setName(name)
            .persist(StorageLevel.MEMORY_ONLY());
    long held = blocks.map(ExampleBlock::rows).fold(0, Integer::sum);
    if (held != count) {
      blocks.unpersist(false);
      release.run();
      throw new IllegalStateException(
          name + ": expected " + count + " examples in the blocks; found " + held);
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

  /** Drops the cached blocks and whatever the source holds. */
  @Override
  public void close() {
    blocks.unpersist(false);
    release.run();
  }

  /** One partition's examples, in index order, stacked into blocks of {@code blockRows}. */
  private static Iterator<ExampleBlock> stack(
      Iterator<Tuple2<Integer, Example>> share, int inputs, int blockRows) {
    List<Example> examples = new ArrayList<>();
    while (share.hasNext()) {
      Example example = share.next()._2();
      if (example.pixels().length != inputs) {
        throw new IllegalArgumentException("example " + example.index() + ": expected " + inputs
            + " pixels; found " + example.pixels().length);
      }
      examples.add(example);
    }
    // The shuffle delivers in no fixed order; the index order makes the layout reproducible.
    examples.sort(Comparator.comparingInt(Example::index));
    List<ExampleBlock> out = new ArrayList<>();
    for (int start = 0; start < examples.size(); start += blockRows) {
      int rows = Math.min(blockRows, examples.size() - start);
      byte[] pixels = new byte[rows * inputs];
      int[] labels = new int[rows];
      int[] indices = new int[rows];
      for (int r = 0; r < rows; r++) {
        Example example = examples.get(start + r);
        System.arraycopy(example.pixels(), 0, pixels, r * inputs, inputs);
        labels[r] = example.label();
        indices[r] = example.index();
        examples.set(start + r, null); // its bytes now live in the block
      }
      out.add(new ExampleBlock(pixels, labels, indices, rows, inputs));
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
