package io.sparkgrad.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.OptimizerKind;
import io.sparkgrad.network.ParameterLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A replica's work without Spark: the per-example random perturbations of training do not depend
 * on how the examples are partitioned, a step's chunks add up to the step's gradient, and the
 * thread count changes no value.
 */
class ReplicaWorkerTest {
  private static final int INPUTS = 12;
  private static final int COUNT = 400;
  private static final NetworkSpec SPEC = new NetworkSpec(new ParameterLayout(INPUTS, 9, 3),
      Activation.RELU, OutputFunction.SOFTMAX, LossFunction.CROSS_ENTROPY);

  @Test
  void dropoutGradientIsTheSameOnOneAndOnFourPartitions() {
    ExampleNoise noise = new ExampleNoise(AugmentationSpec.NONE, 0.2, 0.5);
    double[] params = new SplittableRandom(1).doubles(SPEC.layout().size(), -0.5, 0.5).toArray();
    // Epoch 3, the step that holds positions 16..31 of the epoch's order.
    double[] onOne = gradientSum(1, noise, params, 16, 1);
    double[] onFour = gradientSum(4, noise, params, 16, 1);
    double[] without = gradientSum(1, ExampleNoise.NONE, params, 16, 1);
    double largestChange = 0;
    for (int i = 0; i < onOne.length; i++) {
      assertEquals(onOne[i], onFour[i], 1e-12, "gradient " + i);
      largestChange = Math.max(largestChange, Math.abs(onOne[i] - without[i]));
    }
    assertTrue(largestChange > 1e-3, "dropout changes the gradient; largest change " + largestChange);
  }

  @Test
  void aStepOfSeveralChunksSumsToTheSameGradientWhereverItsRowsLive() {
    // 150 rows: three chunks on one replica, single chunks of about 38 rows on four; a chunk
    // read at the wrong offset, or given another chunk's dropout mask, would show here.
    ExampleNoise noise = new ExampleNoise(AugmentationSpec.NONE, 0.2, 0.5);
    double[] params = new SplittableRandom(3).doubles(SPEC.layout().size(), -0.5, 0.5).toArray();
    double[] onOne = gradientSum(1, noise, params, 150, 2);
    double[] onFour = gradientSum(4, noise, params, 150, 1);
    for (int i = 0; i < onOne.length; i++) {
      assertEquals(onOne[i], onFour[i], 1e-12, "gradient " + i);
    }
  }

  @Test
  void theThreadCountChangesNoValueOfLocalSteps() {
    ExampleNoise noise = new ExampleNoise(AugmentationSpec.NONE, 0.1, 0.3);
    double[] params = new SplittableRandom(4).doubles(SPEC.layout().size(), -0.5, 0.5).toArray();
    List<ExampleBlock> blocks = split(1).get(0);
    JobResult reference = null;
    for (int threads : new int[] {1, 2, 3, 8}) {
      // Adam over two steps of 200 rows (four chunks each), in float32.
      StepPlan plan = new StepPlan(SPEC, Precision.FLOAT32, BlasChoice.JAVA,
          SyncMode.LOCAL_STEPS, OptimizerKind.ADAM, 1e-3, noise, 3, 4, 77, COUNT, 200, 2, 0,
          new double[] {0.01, 0.005}, threads);
      double[] state = OptimizerKind.ADAM.create(SPEC.layout(), 1e-3).state();
      JobResult result = ReplicaWorker.create(plan, blocks).run(params, state);
      assertEquals(COUNT, result.examples());
      if (reference == null) {
        reference = result;
        continue;
      }
      assertArrayEquals(reference.vector(1.0), result.vector(1.0), threads + " threads: update");
      assertArrayEquals(reference.state(1.0), result.state(1.0), threads + " threads: state");
      assertEquals(reference.trainLossSum(), result.trainLossSum(), threads + " threads: loss");
    }
  }

  @Test
  void aTimedReplicaComputesTheSameBitsAndMarksItsPhases() {
    StepPlan plan = new StepPlan(SPEC, Precision.FLOAT32, BlasChoice.JAVA,
        SyncMode.LOCAL_STEPS, OptimizerKind.ADAM, 1e-3, ExampleNoise.NONE, 3, 4, 77, COUNT, 100,
        3, 0, new double[] {0.01, 0.01, 0.005}, 1);
    double[] params = new SplittableRandom(4).doubles(SPEC.layout().size(), -0.5, 0.5).toArray();
    double[] state = OptimizerKind.ADAM.create(SPEC.layout(), 1e-3).state();
    List<ExampleBlock> blocks = split(1).get(0);
    JobResult plain = ReplicaWorker.create(plan, blocks).run(params, state);
    PhaseClock.start();
    JobResult timed = ReplicaWorker.create(plan, blocks).run(params, state);
    long[] nanos = PhaseClock.stop();
    assertArrayEquals(plain.vector(1.0), timed.vector(1.0), "update");
    assertArrayEquals(plain.state(1.0), timed.state(1.0), "state");
    assertEquals(plain.trainLossSum(), timed.trainLossSum(), "loss");
    assertTrue(nanos[PhaseClock.Phase.ORDER.ordinal()] > 0, "the worker marks its order");
    assertTrue(nanos[PhaseClock.Phase.STEPS.ordinal()] > 0, "the worker marks its steps");
    // The task (StepJobs), not the worker, marks the blocks, the read and the assembly.
    assertEquals(0, nanos[PhaseClock.Phase.ASSEMBLE.ordinal()]);
  }

  /** The summed gradient of step 1 of epoch 3 over all partitions, in float64. */
  private static double[] gradientSum(
      int partitions, ExampleNoise noise, double[] params, int batch, int threads) {
    StepPlan plan = new StepPlan(SPEC, Precision.FLOAT64, BlasChoice.JAVA, SyncMode.GRADIENT,
        OptimizerKind.SGD, 0, noise, 3, 4, 77, COUNT, batch, 3, 1, new double[] {0.1}, threads);
    double[] sum = new double[SPEC.layout().size()];
    long examples = 0;
    for (List<ExampleBlock> partition : split(partitions)) {
      JobResult result = ReplicaWorker.create(plan, partition).run(params, new double[0]);
      double[] vector = result.vector(1.0);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += vector[i];
      }
      examples += result.examples();
    }
    assertEquals(batch, examples, "the step's examples, wherever they live");
    return sum;
  }

  /** COUNT synthetic examples dealt round-robin into partitions of blocks of at most 3 rows. */
  private static List<List<ExampleBlock>> split(int partitions) {
    SplittableRandom random = new SplittableRandom(2);
    byte[][] features = new byte[COUNT][INPUTS];
    int[] labels = new int[COUNT];
    for (int i = 0; i < COUNT; i++) {
      for (int j = 0; j < INPUTS; j++) {
        features[i][j] = (byte) random.nextInt(256);
      }
      labels[i] = random.nextInt(3);
    }
    List<List<ExampleBlock>> result = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      List<Integer> members = new ArrayList<>();
      for (int i = p; i < COUNT; i += partitions) {
        members.add(i);
      }
      List<ExampleBlock> blocks = new ArrayList<>();
      for (int from = 0; from < members.size(); from += 3) {
        int rows = Math.min(3, members.size() - from);
        byte[] x = new byte[rows * INPUTS];
        int[] y = new int[rows];
        int[] indices = new int[rows];
        for (int r = 0; r < rows; r++) {
          int index = members.get(from + r);
          System.arraycopy(features[index], 0, x, r * INPUTS, INPUTS);
          y[r] = labels[index];
          indices[r] = index;
        }
        blocks.add(new ExampleBlock(x, y, indices, rows, INPUTS));
      }
      result.add(blocks);
    }
    return result;
  }
}
