package io.sparkgrad.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.BlockedData;
import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.data.ExampleSelection;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.OptimizerKind;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.testing.MnistFixture;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * What the executors feed the network under augmentation, on real Spark and real digits: each
 * example's augmented image depends on (seed, epoch, example index) alone, so 1 and 4
 * partitions (with their different blocks, batches and task threads) see the same pixels.
 */
class AugmentationPartitioningTest {
  private static final int COUNT = 300;
  private static final int SIDE = 28;
  private static final AugmentationSpec SPEC =
      AugmentationSpec.parse("shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4");
  private static LabeledImages digits;

  @BeforeAll
  static void loadDigits() throws IOException {
    LabeledImages all = MnistFixture.trainingSplit();
    digits = new LabeledImages("the first " + COUNT + " MNIST training digits", SIDE, SIDE,
        Arrays.copyOf(all.pixels(), COUNT * SIDE * SIDE), Arrays.copyOf(all.labels(), COUNT));
  }

  @Test
  void augmentedImagesAreTheSameOnOneAndFourPartitions() {
    Map<Integer, float[]> onOne = trainingImages(1, SPEC, 2);
    Map<Integer, float[]> onFour = trainingImages(4, SPEC, 2);
    Map<Integer, float[]> plain = trainingImages(4, AugmentationSpec.NONE, 2);
    Map<Integer, float[]> nextEpoch = trainingImages(4, SPEC, 3);
    assertEquals(COUNT, onOne.size(), "every example once per epoch");
    assertEquals(COUNT, onFour.size(), "every example once per epoch");
    int changedFromPlain = 0;
    int changedNextEpoch = 0;
    for (int index = 0; index < COUNT; index++) {
      assertTrue(Arrays.equals(onOne.get(index), onFour.get(index)),
          "example " + index + ": the same augmented pixels on 1 and 4 partitions");
      if (!Arrays.equals(onFour.get(index), plain.get(index))) {
        changedFromPlain++;
      }
      if (!Arrays.equals(onFour.get(index), nextEpoch.get(index))) {
        changedNextEpoch++;
      }
    }
    assertEquals(COUNT, changedFromPlain, "augmentation changes every image");
    assertEquals(COUNT, changedNextEpoch, "each epoch draws a new augmentation");
    float[] original = new float[SIDE * SIDE];
    for (int p = 0; p < original.length; p++) {
      original[p] = (digits.pixels()[p] & 0xFF) / 255f;
    }
    assertTrue(Arrays.equals(original, plain.get(0)), "without augmentation: the digit itself");
  }

  /** Every training example's pixels as the workers gather them in {@code epoch}, by index. */
  private static Map<Integer, float[]> trainingImages(
      int partitions, AugmentationSpec spec, int epoch) {
    NetworkSpec network = new NetworkSpec(new ParameterLayout(SIDE * SIDE, 8, 10),
        Activation.RELU, OutputFunction.SOFTMAX, LossFunction.CROSS_ENTROPY);
    int batch = 32;
    int steps = StepPlan.stepsPerEpoch(COUNT, batch);
    StepPlan plan = new StepPlan(network, Precision.FLOAT32, BlasChoice.AUTO, SyncMode.GRADIENT,
        OptimizerKind.SGD, 0, new ExampleNoise(spec, 0, 0), SIDE, SIDE, 42, COUNT, batch, epoch,
        0, new double[] {0.1}, 2);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    try (BlockedData data = BlockedData.of(jsc, digits,
        ExampleSelection.all(digits.count()), partitions, 7, 50, "augmentation-test")) {
      assertEquals(partitions, data.rdd().getNumPartitions());
      List<Tuple2<Integer, float[]>> seen = data.rdd().mapPartitions(blocks -> {
        List<ExampleBlock> list = new ArrayList<>();
        blocks.forEachRemaining(list::add);
        @SuppressWarnings("unchecked")
        ReplicaWorker<float[]> worker = (ReplicaWorker<float[]>) ReplicaWorker.create(plan, list);
        List<Tuple2<Integer, float[]>> out = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
          int rows = worker.gatherStep(step);
          for (int r = 0; r < rows; r++) {
            out.add(new Tuple2<>(worker.batchIndices()[r], Arrays.copyOfRange(
                worker.batchFeatures(), r * SIDE * SIDE, (r + 1) * SIDE * SIDE)));
          }
        }
        return out.iterator();
      }).collect();
      Map<Integer, float[]> byIndex = new HashMap<>();
      for (Tuple2<Integer, float[]> example : seen) {
        assertFalse(byIndex.containsKey(example._1()), "example " + example._1() + " twice");
        byIndex.put(example._1(), example._2());
      }
      return byIndex;
    }
  }
}
