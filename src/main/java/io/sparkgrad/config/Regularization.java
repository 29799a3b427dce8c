package io.sparkgrad.config;

import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.worker.ExampleNoise;
import java.util.Objects;

/** What keeps the network from overfitting: weight decay, augmentation, dropout, early stopping. */
public record Regularization(Values values) {
  public Regularization {
    Objects.requireNonNull(values, "values");
  }

  public double weightDecay() {
    return values.get(TrainingKeys.WEIGHT_DECAY);
  }

  public AugmentationSpec augment() {
    return values.get(TrainingKeys.AUGMENT);
  }

  public double inputDropout() {
    return values.get(TrainingKeys.INPUT_DROPOUT);
  }

  public double hiddenDropout() {
    return values.get(TrainingKeys.DROPOUT);
  }

  public double validationFraction() {
    return values.get(TrainingKeys.VALIDATION_FRACTION);
  }

  /** Early stopping after this many epochs without improvement; 0 = off. */
  public int patience() {
    return values.get(TrainingKeys.PATIENCE);
  }

  /** The per-example random perturbations of training (augmentation, dropout). */
  public ExampleNoise noise() {
    return new ExampleNoise(augment(), inputDropout(), hiddenDropout());
  }
}
