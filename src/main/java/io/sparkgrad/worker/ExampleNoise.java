package io.sparkgrad.worker;

import io.sparkgrad.math.Seeds;
import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.math.Dropout;
import java.io.Serializable;
import java.util.Objects;

/**
 * The random perturbations of training examples: augmentation of the image (shift, rotation,
 * scaling, elastic distortion) and dropout of input pixels and of hidden units.
 * Each example's draws in an epoch come from its own stream, {@link Seeds#random(long,
 * Seeds.Stream, long, long)} at (seed, epoch, example index), so they do not depend on how the
 * data is partitioned, on the batch it lands in, or on the element type.
 */
public record ExampleNoise(
    AugmentationSpec augmentation, double inputDropout, double hiddenDropout)
    implements Serializable {
  public static final ExampleNoise NONE = new ExampleNoise(AugmentationSpec.NONE, 0, 0);

  public ExampleNoise {
    Objects.requireNonNull(augmentation, "augmentation");
    Dropout.of("input-dropout", inputDropout);
    Dropout.of("dropout", hiddenDropout);
  }

  public Dropout input() {
    return Dropout.of("input-dropout", inputDropout);
  }

  public Dropout hidden() {
    return Dropout.of("dropout", hiddenDropout);
  }
}
