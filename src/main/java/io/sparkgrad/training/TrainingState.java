package io.sparkgrad.training;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a run carries from one epoch to the next, and so everything a checkpoint holds. The
 * random streams need no position of their own: each derives from (seed, epoch), so
 * {@link #epochsDone} is their position.
 */
public final class TrainingState {
  int epochsDone;
  double[] params;
  double[] optimizerState;
  final List<EpochMetrics> history = new ArrayList<>();
  /** The parameters that will be written as the model (the best by validation loss, or the last). */
  double[] kept;
  int keptEpoch;
  double bestValidationLoss = Double.POSITIVE_INFINITY;
  int epochsWithoutImprovement;
  boolean stoppedEarly;
  /** Multiplies the scheduled learning rate; halved by each divergence back-off. */
  double learningRateScale = 1.0;
  int backoffs;
  double trainingSeconds;
  int epochReachingTarget;
  double secondsToTarget = Double.NaN;
  /** Test loss of the initial weights: the divergence guard's yardstick. */
  double initialLoss = Double.NaN;

  TrainingState(double[] params, double[] optimizerState) {
    this.params = params;
    this.optimizerState = optimizerState;
    this.kept = params.clone();
  }

  /** An independent copy (arrays and history copied). */
  TrainingState copy() {
    TrainingState copy = new TrainingState(params.clone(), optimizerState.clone());
    copy.epochsDone = epochsDone;
    copy.history.addAll(history);
    copy.kept = kept.clone();
    copy.keptEpoch = keptEpoch;
    copy.bestValidationLoss = bestValidationLoss;
    copy.epochsWithoutImprovement = epochsWithoutImprovement;
    copy.stoppedEarly = stoppedEarly;
    copy.learningRateScale = learningRateScale;
    copy.backoffs = backoffs;
    copy.trainingSeconds = trainingSeconds;
    copy.epochReachingTarget = epochReachingTarget;
    copy.secondsToTarget = secondsToTarget;
    copy.initialLoss = initialLoss;
    return copy;
  }

  public int epochsDone() {
    return epochsDone;
  }

  public double[] params() {
    return params.clone();
  }

  public List<EpochMetrics> history() {
    return List.copyOf(history);
  }
}
