package io.sparkgrad.training;

import io.sparkgrad.evaluation.EvaluationSums;

/**
 * Which weights a run keeps and when it stops early: without a validation split, the last
 * epoch's; with one, the epoch of lowest validation loss, stopping after {@code patience} epochs
 * without improvement (0: never).
 */
final class KeptWeights {
  private KeptWeights() {}

  /** Updates the kept weights and the early-stopping counters after epoch {@code epochsDone}. */
  static void update(TrainingState state, double[] params, EvaluationSums validation,
      int patience, int epochs) {
    int epochsDone = state.epochsDone;
    if (validation == null) {
      state.kept = params.clone();
      state.keptEpoch = epochsDone;
    } else if (validation.meanLoss() < state.bestValidationLoss) {
      state.bestValidationLoss = validation.meanLoss();
      state.kept = params.clone();
      state.keptEpoch = epochsDone;
      state.epochsWithoutImprovement = 0;
    } else if (patience > 0 && ++state.epochsWithoutImprovement >= patience) {
      state.stoppedEarly = epochsDone < epochs;
    }
  }
}
