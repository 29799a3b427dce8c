package io.sparkgrad.data;

import io.sparkgrad.math.Blas;
import io.sparkgrad.math.Kernels;
import io.sparkgrad.math.Precision;
import io.sparkgrad.training.Seeds;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * Turns examples into a cached RDD of {@link ExampleBlock}s, the form the trainer and the
 * evaluator compute on.
 *
 * <p>Which example lands in which partition and block is a function of the seed, the partition
 * count and the block size alone: a seeded permutation of the examples is cut into
 * {@code partitions} contiguous shares, and each share into blocks of {@code blockRows}, in
 * permutation order. Pixels are scaled to [0, 1] here, once, while the blocks are built.
 */
public final class BlockedData {
  private BlockedData() {}

  /** The examples of one partition before scaling: raw pixel bytes, labels, indices. */
  private record Share(byte[] pixels, int[] labels, int[] indices, int inputs)
      implements Serializable {}

  /**
   * Blocks of the examples {@code members} of {@code images} (the example {@code members[i]}
   * gets index i), persisted in memory and materialized.
   */
  public static JavaRDD<ExampleBlock<?>> build(
      JavaSparkContext jsc, LabeledImages images, int[] members, int partitions, long seed,
      int blockRows, Precision precision, String name) {
    List<Share> shares = shares(images, members, partitions, seed);
    JavaRDD<ExampleBlock<?>> blocks =
        jsc.parallelize(shares, partitions)
            .mapPartitions(it -> toBlocks(it, blockRows, precision))
            .setName(name)
            .persist(StorageLevel.MEMORY_ONLY());
    blocks.count();
    return blocks;
  }

  /** All examples of {@code images}, in index order. */
  public static int[] all(LabeledImages images) {
    int[] members = new int[images.count()];
    for (int i = 0; i < members.length; i++) {
      members[i] = i;
    }
    return members;
  }

  private static List<Share> shares(
      LabeledImages images, int[] members, int partitions, long seed) {
    int n = members.length;
    int inputs = images.features();
    int[] order = Seeds.permutation(n, seed, Seeds.Stream.PARTITION_ASSIGNMENT, 0);
    List<Share> shares = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      int from = (int) ((long) p * n / partitions);
      int to = (int) ((long) (p + 1) * n / partitions);
      byte[] pixels = new byte[(to - from) * inputs];
      int[] labels = new int[to - from];
      int[] indices = new int[to - from];
      for (int j = from; j < to; j++) {
        int index = order[j];
        int example = members[index];
        System.arraycopy(images.pixels(), example * inputs, pixels, (j - from) * inputs, inputs);
        labels[j - from] = images.label(example);
        indices[j - from] = index;
      }
      shares.add(new Share(pixels, labels, indices, inputs));
    }
    return shares;
  }

  private static Iterator<ExampleBlock<?>> toBlocks(
      Iterator<Share> shares, int blockRows, Precision precision) {
    Kernels<?> kernels = precision.kernels(Blas.best());
    List<ExampleBlock<?>> blocks = new ArrayList<>();
    while (shares.hasNext()) {
      addBlocks(shares.next(), blockRows, kernels, blocks);
    }
    return blocks.isEmpty() ? Collections.emptyIterator() : blocks.iterator();
  }

  private static <A> void addBlocks(
      Share share, int blockRows, Kernels<A> k, List<ExampleBlock<?>> out) {
    int count = share.labels().length;
    int inputs = share.inputs();
    for (int from = 0; from < count; from += blockRows) {
      int rows = Math.min(blockRows, count - from);
      A features = k.allocate(rows * inputs);
      k.scalePixels(features, 0, share.pixels(), from * inputs, rows * inputs);
      int[] labels = new int[rows];
      int[] indices = new int[rows];
      System.arraycopy(share.labels(), from, labels, 0, rows);
      System.arraycopy(share.indices(), from, indices, 0, rows);
      out.add(new ExampleBlock<>(features, labels, indices, rows, inputs));
    }
  }
}
