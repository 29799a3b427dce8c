package io.sparkgrad.config;

import static io.sparkgrad.config.TrainingKeys.CHECKPOINT_EVERY;
import static io.sparkgrad.config.TrainingKeys.LEARNING_RATE;
import static io.sparkgrad.config.TrainingKeys.LOSS;
import static io.sparkgrad.config.TrainingKeys.OPTIMIZER;
import static io.sparkgrad.config.TrainingKeys.OUTPUT;
import static io.sparkgrad.config.TrainingKeys.PATIENCE;
import static io.sparkgrad.config.TrainingKeys.RESUME;
import static io.sparkgrad.config.TrainingKeys.VALIDATION_FRACTION;

import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * The one immutable, validated configuration of a training run: the values of the keys of
 * {@link TrainingKeys}, read through typed groups ({@link #network}, {@link #optimization},
 * {@link #regularization}, {@link #distribution}, {@link #run}). It is built from the defaults,
 * a configuration file and the command line ({@link TrainingOptions}); it is printed at start
 * and stored with the model ({@link #toMap}). Each key's own check runs when it is read; the
 * checks that involve several keys are here, in one place. {@code auto} values that follow
 * from other keys (the output function, the learning rate) are resolved here, so the stored
 * form shows what was used.
 */
public record TrainingConfig(Values values) implements Serializable {
  private static final long serialVersionUID = 1L;

  public TrainingConfig {
    Objects.requireNonNull(values, "values");
    for (Key<?> key : TrainingKeys.TABLE.keys()) {
      values.get(key); // every training key has a value (or an explicit auto)
    }
    values = resolveAuto(values);
    checkCombinations(values);
  }

  private static Values resolveAuto(Values values) {
    if (values.get(OUTPUT) == null) {
      values = values.with(OUTPUT, values.get(LOSS).defaultOutput());
    }
    if (values.get(LEARNING_RATE) == null) {
      values = values.with(LEARNING_RATE, values.get(OPTIMIZER).defaultLearningRate());
    }
    return values;
  }

  /** The checks that involve more than one key. */
  private static void checkCombinations(Values values) {
    OutputFunction output = values.get(OUTPUT);
    if (values.get(LOSS) == LossFunction.CROSS_ENTROPY && output != OutputFunction.SOFTMAX) {
      throw new ConfigException(
          "output: cross-entropy needs the softmax output; found '" + output.label() + "'");
    }
    int patience = values.get(PATIENCE);
    if (patience > 0 && values.get(VALIDATION_FRACTION) == 0) {
      throw new ConfigException(
          "patience: early stopping needs a validation split; set validation-fraction above 0"
              + " (found patience " + patience + " with validation-fraction 0)");
    }
    if (values.get(RESUME) && values.get(CHECKPOINT_EVERY) == 0) {
      throw new ConfigException(
          "resume: needs checkpoints; found checkpoint-every 0 (set it to 1 or more)");
    }
  }

  /** The value of one key (the groups below name them; this serves code that has the key). */
  public <T> T get(Key<T> key) {
    return values.get(key);
  }

  public Network network() {
    return new Network(values);
  }

  public Optimization optimization() {
    return new Optimization(values);
  }

  public Regularization regularization() {
    return new Regularization(values);
  }

  public Distribution distribution() {
    return new Distribution(values);
  }

  public Run run() {
    return new Run(values);
  }

  /** This configuration with one key changed (e.g. the master Spark actually runs on). */
  public <T> TrainingConfig with(Key<T> key, T value) {
    return new TrainingConfig(values.with(key, value));
  }

  /** Every key with its effective value, in table order: printed at start, stored as metadata. */
  public Map<String, String> toMap() {
    return TrainingKeys.TABLE.toMap(values);
  }

  /** Builds a configuration from texts (key name to text); a key missing takes its default. */
  public static TrainingConfig fromMap(Map<String, String> texts) {
    return new TrainingConfig(TrainingKeys.TABLE.resolve(texts));
  }
}
