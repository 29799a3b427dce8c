package io.sparkgrad.config;

import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.worker.ExampleNoise;
import java.io.Serializable;

/**
 * What keeps the network from overfitting: weight decay, augmentation, dropout (of the inputs
 * and of the hidden units), early stopping on a validation split. Each component is the value
 * of the training key of its name ({@link Groups}).
 *
 * @param patience early stopping after this many epochs without improvement; 0 = off
 */
public record Regularization(
    double weightDecay, AugmentationSpec augment, double inputDropout, double dropout,
    double validationFraction, int patience) implements Serializable {

  /** The per-example random perturbations of training (augmentation, dropout). */
  public ExampleNoise noise() {
    return new ExampleNoise(augment, inputDropout, dropout);
  }
}
