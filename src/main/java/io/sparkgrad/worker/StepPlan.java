package io.sparkgrad.worker;

import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.OptimizerKind;
import java.io.Serializable;

/**
 * What one Spark job of training does, sent to every partition with the task: the steps
 * {@code firstStep .. firstStep+learningRates.length-1} of {@code epoch}. Step t's global
 * mini-batch is positions {@code [t·batchSize, (t+1)·batchSize)} of the epoch's order of the
 * {@code trainCount} training examples; each replica handles the examples of it that it holds,
 * on up to {@code threads} threads (0: as many as the JVM has processors), which changes only the
 * speed.
 */
public record StepPlan(
    NetworkSpec spec,
    Precision precision,
    BlasChoice blas,
    SyncMode mode,
    OptimizerKind optimizer,
    double weightDecay,
    ExampleNoise noise,
    int imageRows,
    int imageCols,
    long seed,
    int trainCount,
    int batchSize,
    int epoch,
    int firstStep,
    double[] learningRates,
    int threads)
    implements Serializable {

  public int stepCount() {
    return learningRates.length;
  }

  /** Steps in one epoch: ⌈trainCount / batchSize⌉. */
  public static int stepsPerEpoch(int trainCount, int batchSize) {
    return (trainCount + batchSize - 1) / batchSize;
  }
}
