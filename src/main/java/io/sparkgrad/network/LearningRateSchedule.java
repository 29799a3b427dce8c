package io.sparkgrad.network;

import io.sparkgrad.math.Enums;

/** The learning rate of each step, from the base rate and the position in training. */
public enum LearningRateSchedule {
  /** lr. */
  CONSTANT,
  /** lr · factor^⌊epoch / every⌋. */
  STEP,
  /** lr · ½(1 + cos(π · t / T)) over all T steps after warm-up. */
  COSINE;

  public static LearningRateSchedule parse(String key, String value) {
    return Enums.parse(LearningRateSchedule.class, key, value);
  }

  public String label() {
    return Enums.label(this);
  }

  /**
   * The rate at global step {@code step} (0-based over the whole run) of {@code totalSteps}, in
   * epoch {@code epoch}. During the first {@code warmupSteps} steps the rate rises linearly from
   * lr/warmupSteps to lr.
   */
  public double rate(
      double baseRate, int epoch, long step, long totalSteps, long warmupSteps,
      double decayFactor, int decayEpochs) {
    if (step < warmupSteps) {
      return baseRate * (step + 1) / warmupSteps;
    }
    switch (this) {
      case STEP:
        return baseRate * Math.pow(decayFactor, epoch / decayEpochs);
      case COSINE:
        double span = Math.max(1, totalSteps - warmupSteps);
        double progress = (step - warmupSteps) / span;
        return baseRate * 0.5 * (1 + Math.cos(Math.PI * progress));
      case CONSTANT:
      default:
        return baseRate;
    }
  }
}
