package io.sparkgrad.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.ExampleBlock;
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
 * The cost model's opt-in timing of a replica task's phases: phases are measured between
 * marks, an unmarked phase counts 0, a thread without a started clock records nothing, and a
 * timed replica computes the same bits as an untimed one.
 */
class PhaseClockTest {
  private static final int INPUTS = 12;
  private static final int COUNT = 300;
  private static final NetworkSpec SPEC = new NetworkSpec(new ParameterLayout(INPUTS, 9, 3),
      Activation.RELU, OutputFunction.SOFTMAX, LossFunction.CROSS_ENTROPY);

  @Test
  void phasesRunFromMarkToMarkAndAnUnmarkedPhaseCountsZero() throws Exception {
    PhaseClock.start();
    Thread.sleep(20);
    PhaseClock.mark(PhaseClock.Phase.BLOCKS);
    // READ_WEIGHTS and CREATE not marked: CREATE's time goes to the next marked phase.
    Thread.sleep(30);
    PhaseClock.mark(PhaseClock.Phase.ORDER);
    long[] nanos = PhaseClock.stop();
    assertEquals(PhaseClock.Phase.values().length + 2, nanos.length);
    // Sleeping takes no CPU of this thread; the JVM's CPU is at least the thread's.
    assertTrue(nanos[PhaseClock.THREAD_CPU] < 20_000_000L, "thread CPU " + nanos[PhaseClock.THREAD_CPU]);
    assertTrue(nanos[PhaseClock.PROCESS_CPU] >= 0, "process CPU " + nanos[PhaseClock.PROCESS_CPU]);
    assertTrue(nanos[PhaseClock.Phase.BLOCKS.ordinal()] >= 20_000_000L,
        "blocks: " + nanos[PhaseClock.Phase.BLOCKS.ordinal()]);
    assertEquals(0, nanos[PhaseClock.Phase.READ_WEIGHTS.ordinal()]);
    assertEquals(0, nanos[PhaseClock.Phase.CREATE.ordinal()]);
    assertTrue(nanos[PhaseClock.Phase.ORDER.ordinal()] >= 30_000_000L,
        "order: " + nanos[PhaseClock.Phase.ORDER.ordinal()]);
    assertEquals(0, nanos[PhaseClock.Phase.STEPS.ordinal()]);
  }

  @Test
  void withoutAStartedClockMarksRecordNothing() {
    PhaseClock.mark(PhaseClock.Phase.STEPS); // off: no effect, no error
    IllegalStateException e = assertThrows(IllegalStateException.class, PhaseClock::stop);
    assertTrue(e.getMessage().contains("expected a started clock"), e.getMessage());
  }

  @Test
  void aTimedReplicaComputesTheSameBitsAndMarksItsPhases() {
    StepPlan plan = new StepPlan(SPEC, Precision.FLOAT32, BlasChoice.JAVA,
        SyncMode.LOCAL_STEPS, OptimizerKind.ADAM, 1e-3, ExampleNoise.NONE, 3, 4, 77, COUNT, 100,
        3, 0, new double[] {0.01, 0.01, 0.005}, 1);
    double[] params = new SplittableRandom(4).doubles(SPEC.layout().size(), -0.5, 0.5).toArray();
    double[] state = OptimizerKind.ADAM.create(SPEC.layout(), 1e-3).state();
    List<ExampleBlock> blocks = blocks();
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

  /** COUNT synthetic examples in blocks of at most 4 rows. */
  private static List<ExampleBlock> blocks() {
    SplittableRandom random = new SplittableRandom(2);
    List<ExampleBlock> blocks = new ArrayList<>();
    for (int from = 0; from < COUNT; from += 4) {
      int rows = Math.min(4, COUNT - from);
      byte[] x = new byte[rows * INPUTS];
      int[] y = new int[rows];
      int[] indices = new int[rows];
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < INPUTS; j++) {
          x[r * INPUTS + j] = (byte) random.nextInt(256);
        }
        y[r] = random.nextInt(3);
        indices[r] = from + r;
      }
      blocks.add(new ExampleBlock(x, y, indices, rows, INPUTS));
    }
    return blocks;
  }
}
