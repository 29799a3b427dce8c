package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.math.FloatKernels;
import io.sparkgrad.math.Blas;
import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.RDDInfo;
import org.junit.jupiter.api.Test;

/** Stacked blocks: complete, compact, and laid out by the seed alone. */
class BlockedDataTest {
  private static final LabeledImages IMAGES = SyntheticImages.make(1000, 5, 4, 3, 9);

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  }

  private static List<ExampleBlock> blocks(
      LabeledImages images, ExampleSelection selection, int partitions, long seed) {
    try (BlockedData data =
        BlockedData.of(jsc(), images, selection, partitions, seed, 64, "test")) {
      assertEquals(partitions, data.rdd().getNumPartitions());
      assertEquals(selection.size(), data.count());
      return data.rdd().collect();
    }
  }

  @Test
  void trainingAndValidationSidesHoldEachExampleOnceWithItsPixelsAndLabel() {
    ExampleSelection training = ExampleSelection.training(IMAGES.count(), 300, 5);
    ExampleSelection validation = ExampleSelection.validation(IMAGES.count(), 300, 5);
    int[] exampleOfTraining = new int[700];
    int[] exampleOfValidation = new int[300];
    Arrays.fill(exampleOfTraining, -1);
    Arrays.fill(exampleOfValidation, -1);
    for (int e = 0; e < IMAGES.count(); e++) {
      int t = training.indexOf(e);
      int v = validation.indexOf(e);
      assertTrue((t >= 0) != (v >= 0), "example " + e + " on exactly one side: " + t + ", " + v);
      if (t >= 0) {
        assertEquals(-1, exampleOfTraining[t], "training index " + t + " twice");
        exampleOfTraining[t] = e;
      } else {
        assertEquals(-1, exampleOfValidation[v], "validation index " + v + " twice");
        exampleOfValidation[v] = e;
      }
    }
    checkBlocks(blocks(IMAGES, training, 3, 5), exampleOfTraining, 3);
    checkBlocks(blocks(IMAGES, validation, 2, 5), exampleOfValidation, 2);
  }

  private static void checkBlocks(List<ExampleBlock> blocks, int[] exampleOf, int partitions) {
    boolean[] seen = new boolean[exampleOf.length];
    FloatKernels kernels = new FloatKernels(Blas.best());
    for (ExampleBlock block : blocks) {
      assertTrue(block.rows() <= 64 && block.rows() > 0);
      assertEquals(block.rows() * 20, block.pixels().length);
      float[] scaled = new float[block.rows() * 20];
      block.scaleRows(kernels, scaled, 0, 0, block.rows());
      for (int r = 0; r < block.rows(); r++) {
        int index = block.indices()[r];
        assertFalse(seen[index], "index " + index + " twice");
        seen[index] = true;
        int example = exampleOf[index];
        assertEquals(IMAGES.label(example), block.labels()[r]);
        for (int p = 0; p < 20; p++) {
          byte stored = IMAGES.pixels()[example * 20 + p];
          assertEquals(stored, block.pixels()[r * 20 + p]);
          assertEquals((stored & 0xFF) / 255.0f, scaled[r * 20 + p], 0f);
        }
      }
    }
    for (int i = 0; i < seen.length; i++) {
      assertTrue(seen[i], "index " + i + " missing");
    }
  }

  @Test
  void layoutIsAFunctionOfTheSeedWithEqualShares() {
    ExampleSelection all = ExampleSelection.all(IMAGES.count());
    try (BlockedData data = BlockedData.of(jsc(), IMAGES, all, 4, 21, 64, "shares")) {
      List<Integer> shares = data.rdd()
          .mapPartitions(it -> {
            int rows = 0;
            while (it.hasNext()) {
              rows += it.next().rows();
            }
            return List.of(rows).iterator();
          })
          .collect();
      assertEquals(List.of(250, 250, 250, 250), shares);
    }
    List<ExampleBlock> first = blocks(IMAGES, all, 4, 21);
    List<ExampleBlock> again = blocks(IMAGES, all, 4, 21);
    List<ExampleBlock> otherSeed = blocks(IMAGES, all, 4, 22);
    assertEquals(first.size(), again.size());
    for (int i = 0; i < first.size(); i++) {
      assertArrayEquals(first.get(i).indices(), again.get(i).indices());
      assertArrayEquals(first.get(i).pixels(), again.get(i).pixels());
    }
    assertFalse(Arrays.equals(first.get(0).indices(), otherSeed.get(0).indices()));
  }

  /**
   * Spark's own storage figures: the cached blocks of 20,000 MNIST-sized images take at most
   * 1.05 times their pixel and label bytes (float32 blocks took 4 times the pixels).
   */
  @Test
  void cachedBlocksTakeAtMostAFewPercentMoreThanTheRawBytes() {
    LabeledImages images = SyntheticImages.make(20_000, 28, 28, 10, 3);
    long raw = (long) images.pixels().length + images.labels().length;
    try (BlockedData data = BlockedData.of(
        jsc(), images, ExampleSelection.all(images.count()), 2, 7, 4096, "storage-test")) {
      int id = data.rdd().id();
      RDDInfo info = Arrays.stream(jsc().sc().getRDDStorageInfo())
          .filter(i -> i.id() == id)
          .findFirst()
          .orElseThrow(() -> new AssertionError("the blocks are not in Spark's storage"));
      assertEquals(2, info.numCachedPartitions());
      double ratio = (double) info.memSize() / raw;
      System.out.printf("cached blocks: %,d bytes in memory for %,d raw bytes (%.4f×)%n",
          info.memSize(), raw, ratio);
      assertTrue(ratio <= 1.05, "cached " + info.memSize() + " bytes for " + raw
          + " raw bytes: " + ratio + "×, expected at most 1.05×");
      assertTrue(ratio >= 1.0, "the estimate counts every pixel: " + ratio + "×");
    }
  }

  /**
   * Data larger than the executors' storage memory stops before anything is read, with a message
   * naming its size, the memory and the setting to raise (the real memory of this session).
   */
  @Test
  void dataLargerThanTheStorageMemoryIsRefusedNamingSizesAndSetting() {
    int count = 100_000_000; // × 792 bytes: 79 GB of blocks
    org.apache.spark.api.java.JavaRDD<Example> nothing = jsc().emptyRDD();
    boolean[] released = {false};
    DataDoesNotFitException e = org.junit.jupiter.api.Assertions.assertThrows(
        DataDoesNotFitException.class, () -> BlockedData.build(
            nothing, ExampleSelection.all(count), 784, 2, 1, 4096, "huge-train",
            () -> released[0] = true));
    String message = e.getMessage();
    System.out.println(message);
    assertTrue(message.startsWith("huge-train: the data does not fit the memory given:"
        + " 100,000,000 examples × (784 pixels + 8) bytes = 79200.0 MB of cached blocks"),
        message);
    assertTrue(message.contains("MB free of") && message.contains("SPARKGRAD_DRIVER_MEMORY"),
        message);
    assertTrue(released[0], "the source is released");
  }
}
