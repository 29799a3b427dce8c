package io.sparkgrad.training;

import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.network.NetworkSpec;
import java.util.List;

/**
 * The outcome of a run: the parameters kept (the best by validation loss under early stopping,
 * else the last), the per-epoch figures, and the final test evaluation of the kept parameters.
 *
 * @param epochReachingTarget first epoch (1-based) whose test accuracy reached the target, or 0
 * @param secondsToTarget training-loop seconds until the end of that epoch, or NaN
 */
public record TrainingResult(
    NetworkSpec spec,
    double[] params,
    List<EpochMetrics> epochs,
    int keptEpoch,
    boolean stoppedEarly,
    EvaluationSums test,
    int partitions,
    String blasImplementation,
    double trainingSeconds,
    int epochReachingTarget,
    double secondsToTarget) {}
