package io.sparkgrad.training;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.worker.StepPlan;
import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.data.ExampleSelection;
import io.sparkgrad.network.NetworkSpec;

/**
 * Everything about a run that follows from the configuration and the data, worked out and
 * checked before Spark starts: the network, the classes, which training examples are held out
 * for validation, and the steps per epoch.
 *
 * @param trainCount how many training examples are trained on
 * @param validationCount how many of them are held out for validation instead (0 when none)
 */
public record TrainingSetup(
    TrainingConfig config,
    NetworkSpec spec,
    int classes,
    int trainCount,
    int validationCount,
    int stepsPerEpoch) {

  /** Checks the configuration against the data; throws before any Spark work is done. */
  public static TrainingSetup of(TrainingConfig config, DataSet data) {
    return of(config, LabeledData.of(data));
  }

  /** Checks the configuration against the data's sizes and class count. */
  public static TrainingSetup of(TrainingConfig config, LabeledData data) {
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
    int trainCount = count - validationCount;
    if (config.optimization().batchSize() > trainCount) {
      throw new ConfigException(
          "batch-size: expected at most the " + trainCount + " training examples"
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
        config, spec, classes, trainCount, validationCount,
        StepPlan.stepsPerEpoch(trainCount, config.optimization().batchSize()));
  }

  /** The examples trained on, among the training split's. */
  public ExampleSelection trainSelection() {
    return ExampleSelection.training(
        trainCount + validationCount, validationCount, config.run().seed());
  }

  /** The examples held out for validation, among the training split's. */
  public ExampleSelection validationSelection() {
    return ExampleSelection.validation(
        trainCount + validationCount, validationCount, config.run().seed());
  }
}
