package io.sparkgrad.config;

import io.sparkgrad.network.LearningRateSchedule;
import io.sparkgrad.network.OptimizerKind;
import java.util.Objects;

/** How the weights move: epochs, optimizer, learning rate and its schedule, batch size. */
public record Optimization(Values values) {
  public Optimization {
    Objects.requireNonNull(values, "values");
  }

  public int epochs() {
    return values.get(TrainingKeys.EPOCHS);
  }

  public OptimizerKind optimizer() {
    return values.get(TrainingKeys.OPTIMIZER);
  }

  /** The base rate ("auto" resolved to the optimizer's usual rate). */
  public double learningRate() {
    return values.get(TrainingKeys.LEARNING_RATE);
  }

  public LearningRateSchedule schedule() {
    return values.get(TrainingKeys.LR_SCHEDULE);
  }

  public double decayFactor() {
    return values.get(TrainingKeys.LR_DECAY_FACTOR);
  }

  public int decayEpochs() {
    return values.get(TrainingKeys.LR_DECAY_EPOCHS);
  }

  public double warmupEpochs() {
    return values.get(TrainingKeys.WARMUP_EPOCHS);
  }

  public int batchSize() {
    return values.get(TrainingKeys.BATCH_SIZE);
  }
}
