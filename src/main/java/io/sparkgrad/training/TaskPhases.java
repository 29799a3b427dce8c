package io.sparkgrad.training;

import io.sparkgrad.worker.PhaseClock;
import java.io.Serializable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * The cost model's opt-in timing of the training tasks' phases ({@link PhaseClock}), reported
 * through one named accumulator per phase, so a SparkListener sees each task's microseconds in
 * its task-end event. On only where the Spark configuration sets {@link #CONF} (the bench's
 * {@code ScalingRuns}); otherwise there is no instance, no accumulator and no clock.
 */
final class TaskPhases implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The Spark setting that turns the timing on. */
  static final String CONF = "spark.sparkgrad.taskPhases";

  /** Each accumulator's name: this prefix and the phase's name in lower case. */
  static final String PREFIX = "sparkgrad.taskPhase.";

  private final LongAccumulator[] micros;

  private TaskPhases(JavaSparkContext jsc) {
    PhaseClock.Phase[] phases = PhaseClock.Phase.values();
    micros = new LongAccumulator[phases.length + 2];
    for (int p = 0; p < phases.length; p++) {
      micros[p] = jsc.sc().longAccumulator(PREFIX + phases[p].name().toLowerCase());
    }
    micros[PhaseClock.PROCESS_CPU] = jsc.sc().longAccumulator(PREFIX + "process_cpu");
    micros[PhaseClock.THREAD_CPU] = jsc.sc().longAccumulator(PREFIX + "thread_cpu");
  }

  /** The timing if the configuration asks for it, else null. */
  static TaskPhases ifEnabled(JavaSparkContext jsc) {
    return jsc.getConf().getBoolean(CONF, false) ? new TaskPhases(jsc) : null;
  }

  /** Starts the clock on the task's thread. */
  void start() {
    PhaseClock.start();
  }

  /**
   * Stops the clock and adds each phase's microseconds to its accumulator, and the CPU
   * microseconds of the task's JVM and of its thread meanwhile.
   */
  void finish() {
    long[] nanos = PhaseClock.stop();
    for (int p = 0; p < nanos.length; p++) {
      micros[p].add(nanos[p] / 1000);
    }
  }
}
