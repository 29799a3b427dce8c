package io.sparkgrad.training;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.math.Seeds;
import io.sparkgrad.worker.StepPlan;
import io.sparkgrad.data.DataSet;
import io.sparkgrad.network.NetworkSpec;
import java.util.Arrays;

/**
 * Everything about a run that follows from the configuration and the data, worked out and
 * checked before Spark starts: the network, the classes, which training examples are held out
 * for validation, and the steps per epoch.
 *
 * @param trainMembers indices into the training images of the examples trained on, ascending
 * @param validationMembers indices held out for validation, ascending (empty when none)
 */
public record TrainingSetup(
    TrainingConfig config,
    NetworkSpec spec,
    int classes,
    int[] trainMembers,
    int[] validationMembers,
    int stepsPerEpoch) {

  /** Checks the configuration against the data; throws before any Spark work is done. */
  public static TrainingSetup of(TrainingConfig config, DataSet data) {
    // DataSet has checked that both splits share the image size and that every label is below
    // data.classes() (the configured class count, or the largest label + 1).
    int inputs = data.train().features();
    int classes = data.classes();
    if (classes < 2) {
      throw new ConfigException(
          "classes: expected at least 2 classes; the data has " + classes);
    }

    int count = data.train().count();
    int validationCount = (int) Math.round(config.regularization().validationFraction() * count);
    int[] order = Seeds.permutation(count, config.run().seed(), Seeds.Stream.VALIDATION_SPLIT, 0);
    int[] validation = Arrays.copyOfRange(order, 0, validationCount);
    int[] train = Arrays.copyOfRange(order, validationCount, count);
    Arrays.sort(validation);
    Arrays.sort(train);
    if (config.optimization().batchSize() > train.length) {
      throw new ConfigException(
          "batch-size: expected at most the " + train.length + " training examples"
              + (validationCount > 0 ? " left after the validation split" : "") + "; found "
              + config.optimization().batchSize());
    }
    if (config.regularization().validationFraction() > 0 && validationCount == 0) {
      throw new ConfigException(
          "validation-fraction: " + config.regularization().validationFraction() + " of " + count
              + " examples holds out none; raise it or set it to 0");
    }
    NetworkSpec spec = config.network().spec(inputs, classes);
    return new TrainingSetup(
        config, spec, classes, train, validation,
        StepPlan.stepsPerEpoch(train.length, config.optimization().batchSize()));
  }
}
