package io.sparkgrad.config;

import static io.sparkgrad.config.TrainingKeys.LEARNING_RATE;
import static io.sparkgrad.config.TrainingKeys.LOSS;
import static io.sparkgrad.config.TrainingKeys.OPTIMIZER;
import static io.sparkgrad.config.TrainingKeys.OUTPUT;

import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The one immutable, validated configuration of a training run, in typed groups. It is built
 * from the keys of {@link TrainingKeys} (defaults, a configuration file and the command line:
 * {@link TrainingOptions}); each group's components are bound to the keys of their names
 * ({@link Groups}), so there is no positional list of 35 values to get wrong. It is printed at
 * start and stored with the model ({@link #toMap}). Every value passes its key's check here,
 * however the groups were made, and the checks that involve several keys are here, in one place.
 */
public record TrainingConfig(
    Network network, Optimization optimization, Regularization regularization,
    Distribution distribution, Run run) implements Serializable {

  public TrainingConfig {
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(optimization, "optimization");
    Objects.requireNonNull(regularization, "regularization");
    Objects.requireNonNull(distribution, "distribution");
    Objects.requireNonNull(run, "run");
    Map<String, Object> values =
        Groups.values(network, optimization, regularization, distribution, run);
    if (!values.keySet().equals(Set.copyOf(TrainingKeys.TABLE.names()))) {
      throw new IllegalStateException("the groups hold " + values.keySet()
          + "; expected every training key once: " + TrainingKeys.TABLE.names());
    }
    checkCombinations(network, regularization, run);
  }

  /** The checks that involve more than one key. */
  private static void checkCombinations(Network network, Regularization regularization, Run run) {
    if (network.loss() == LossFunction.CROSS_ENTROPY
        && network.output() != OutputFunction.SOFTMAX) {
      throw new ConfigException("output: cross-entropy needs the softmax output; found '"
          + network.output().label() + "'");
    }
    if (regularization.patience() > 0 && regularization.validationFraction() == 0) {
      throw new ConfigException(
          "patience: early stopping needs a validation split; set validation-fraction above 0"
              + " (found patience " + regularization.patience() + " with validation-fraction 0)");
    }
    if (run.resume() && run.checkpointEvery().never()) {
      throw new ConfigException(
          "resume: needs checkpoints; found checkpoint-every 0 (set it to a number of epochs or"
              + " a duration such as 30s)");
    }
  }

  /** The configuration of {@code values}, with the autos that follow from other keys resolved. */
  public static TrainingConfig of(Values values) {
    if (values.get(OUTPUT) == null) {
      values = values.with(OUTPUT, values.get(LOSS).defaultOutput());
    }
    if (values.get(LEARNING_RATE) == null) {
      values = values.with(LEARNING_RATE, values.get(OPTIMIZER).defaultLearningRate());
    }
    return new TrainingConfig(Groups.bind(Network.class, values),
        Groups.bind(Optimization.class, values), Groups.bind(Regularization.class, values),
        Groups.bind(Distribution.class, values), Groups.bind(Run.class, values));
  }

  /** Builds a configuration from texts (key name to text); a key missing takes its default. */
  public static TrainingConfig fromMap(Map<String, String> texts) {
    return of(TrainingKeys.TABLE.resolve(texts));
  }

  /** Every key's value, as the groups hold them. */
  public Values values() {
    return new Values(
        Groups.values(network, optimization, regularization, distribution, run), Set.of());
  }

  /** This configuration with one key changed (e.g. the master Spark actually runs on). */
  public <T> TrainingConfig with(Key<T> key, T value) {
    return of(values().with(key, value));
  }

  /** Every key with its effective value, in table order: printed at start, stored as metadata. */
  public Map<String, String> toMap() {
    return TrainingKeys.TABLE.toMap(values());
  }
}
