package io.sparkgrad.training;

/** When a run first reaches its target test accuracy (time-to-accuracy, the benchmark figure). */
final class TargetAccuracy {
  private TargetAccuracy() {}

  /** Records the first epoch whose test accuracy reaches the target, and the time it took. */
  static void track(TrainingState state, double testAccuracy, double targetAccuracy) {
    if (state.epochReachingTarget == 0 && testAccuracy >= targetAccuracy) {
      state.epochReachingTarget = state.epochsDone;
      state.secondsToTarget = state.trainingSeconds;
    }
  }
}
