package io.sparkgrad.data;

import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Kernels;
import io.sparkgrad.math.Precision;
import io.sparkgrad.math.Seeds;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

/**
 * Turns examples into a cached RDD of {@link ExampleBlock}s, the form the trainer and the
 * evaluator compute on.
 *
 * <p>Which example lands in which partition and block is a function of the seed, the partition
 * count and the block size alone: a seeded permutation of the examples is cut into
 * {@code partitions} contiguous shares, and each share into blocks of {@code blockRows}, in
 * permutation order. Pixels are scaled to [0, 1] here, once, while the blocks are built.
 *
 * <p>The raw examples travel once, as a broadcast; the RDD's own partitions are just their
 * numbers. (Parallelizing the data itself would put it inside every task of every later job,
 * because a cached RDD's partitions still reference their parents'.) The broadcast lives as long
 * as the blocks, so a lost block can be rebuilt from it.
 */
public final class BlockedData implements AutoCloseable {
  private final JavaRDD<ExampleBlock<?>> blocks;
  private final Broadcast<Source> source;

  /** The examples to block: the images and which of them (member i gets index i). */
  private record Source(LabeledImages images, int[] members) implements Serializable {}

  private BlockedData(JavaRDD<ExampleBlock<?>> blocks, Broadcast<Source> source) {
    this.blocks = blocks;
    this.source = source;
  }

  /** The cached blocks. */
  public JavaRDD<ExampleBlock<?>> rdd() {
    return blocks;
  }

  /**
   * Blocks of the examples {@code members} of {@code images} (the example {@code members[i]}
   * gets index i), persisted in memory and materialized.
   */
  public static BlockedData build(
      JavaSparkContext jsc, LabeledImages images, int[] members, int partitions, long seed,
      int blockRows, Precision precision, String name) {
    Broadcast<Source> source = jsc.broadcast(new Source(images, members));
    List<Integer> partitionNumbers = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      partitionNumbers.add(p);
    }
    JavaRDD<ExampleBlock<?>> blocks =
        jsc.parallelize(partitionNumbers, partitions)
            .mapPartitions(numbers -> {
              List<ExampleBlock<?>> out = new ArrayList<>();
              // Building blocks only allocates and scales pixels: no BLAS call. The Java instance
              // binds no native library, so the executor's first native choice stays the run's
              // own --blas (netlib binds one native library per JVM, at its first use).
              Kernels<?> kernels = precision.kernels(Blas.get(BlasChoice.JAVA));
              while (numbers.hasNext()) {
                addBlocks(source.value(), numbers.next(), partitions, seed, blockRows, kernels, out);
              }
              return out.iterator();
            })
            .setName(name)
            .persist(StorageLevel.MEMORY_ONLY());
    blocks.count();
    return new BlockedData(blocks, source);
  }

  /** Drops the cached blocks and the broadcast examples. */
  @Override
  public void close() {
    blocks.unpersist(false);
    source.destroy();
  }

  /** All examples of {@code images}, in index order. */
  public static int[] all(LabeledImages images) {
    int[] members = new int[images.count()];
    for (int i = 0; i < members.length; i++) {
      members[i] = i;
    }
    return members;
  }

  /** Partition {@code p}'s share: positions [p·n/P, (p+1)·n/P) of the seeded order. */
  private static <A> void addBlocks(
      Source source, int p, int partitions, long seed, int blockRows, Kernels<A> k,
      List<ExampleBlock<?>> out) {
    LabeledImages images = source.images();
    int[] members = source.members();
    int n = members.length;
    int inputs = images.features();
    int[] order = Seeds.permutation(n, seed, Seeds.Stream.PARTITION_ASSIGNMENT, 0);
    int from = (int) ((long) p * n / partitions);
    int to = (int) ((long) (p + 1) * n / partitions);
    for (int start = from; start < to; start += blockRows) {
      int rows = Math.min(blockRows, to - start);
      A features = k.allocate(rows * inputs);
      int[] labels = new int[rows];
      int[] indices = new int[rows];
      for (int r = 0; r < rows; r++) {
        int index = order[start + r];
        int example = members[index];
        k.scalePixels(features, r * inputs, images.pixels(), example * inputs, inputs);
        labels[r] = images.label(example);
        indices[r] = index;
      }
      out.add(new ExampleBlock<>(features, labels, indices, rows, inputs));
    }
  }
}
