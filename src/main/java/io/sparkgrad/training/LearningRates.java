package io.sparkgrad.training;

import io.sparkgrad.config.TrainingConfig;

/** The configured schedule, step by step: the learning rate of each step of a job. */
final class LearningRates {
  private final TrainingConfig config;
  private final int stepsPerEpoch;
  private final long totalSteps;
  private final long warmupSteps;

  LearningRates(TrainingConfig config, int stepsPerEpoch) {
    this.config = config;
    this.stepsPerEpoch = stepsPerEpoch;
    this.totalSteps = (long) stepsPerEpoch * config.optimization().epochs();
    this.warmupSteps = Math.round(config.optimization().warmupEpochs() * stepsPerEpoch);
  }

  /** The rates of {@code steps} steps from {@code firstStep} of {@code epoch}, × {@code scale}. */
  double[] forJob(int epoch, int firstStep, int steps, double scale) {
    double[] rates = new double[steps];
    for (int s = 0; s < steps; s++) {
      long globalStep = (long) epoch * stepsPerEpoch + firstStep + s;
      rates[s] = scale * config.optimization().lrSchedule().rate(config.optimization().learningRate(), epoch, globalStep,
          totalSteps, warmupSteps, config.optimization().lrDecayFactor(), config.optimization().lrDecayEpochs());
    }
    return rates;
  }
}
