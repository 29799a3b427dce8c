package io.sparkgrad.config;

import io.sparkgrad.network.LearningRateSchedule;
import io.sparkgrad.worker.ExampleNoise;
import io.sparkgrad.worker.SyncMode;
import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.OptimizerKind;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.network.WeightInit;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one immutable, validated configuration of a training run. It is built from the defaults
 * file in {@code conf/}, overridden by the command line ({@link TrainingOptions}); it is printed
 * at start and stored with the model. Every check names the key and the value it refused.
 *
 * @param syncPeriod steps per Spark job: 1 = exact synchronous mini-batch SGD; K &gt; 1 = K local
 *     steps per partition between aggregations; 0 = one aggregation per epoch
 * @param partitions 0 = Spark's default parallelism
 * @param learningRate the base rate ("auto" in the files resolves to the optimizer's usual rate)
 * @param classes 0 = one more than the largest label of either split
 */
public record TrainingConfig(
    String data,
    String model,
    int epochs,
    int hidden,
    Activation activation,
    LossFunction loss,
    OutputFunction output,
    OptimizerKind optimizer,
    double learningRate,
    LearningRateSchedule schedule,
    double decayFactor,
    int decayEpochs,
    double warmupEpochs,
    double weightDecay,
    AugmentationSpec augment,
    double inputDropout,
    double hiddenDropout,
    int batchSize,
    int syncPeriod,
    int partitions,
    long seed,
    double validationFraction,
    int patience,
    Precision precision,
    BlasChoice blas,
    WeightInit init,
    int blockRows,
    int classes,
    double targetAccuracy,
    String master,
    boolean overwrite,
    int checkpointEvery,
    boolean resume,
    DivergencePolicy onDivergence,
    int maxBackoffs)
    implements Serializable {

  public TrainingConfig {
    requireAtLeast("epochs", epochs, 1);
    requireAtLeast("hidden", hidden, 1);
    activation.requireTrainable("activation");
    if (loss == LossFunction.CROSS_ENTROPY && output != OutputFunction.SOFTMAX) {
      throw new ConfigException(
          "output: cross-entropy needs the softmax output; found '" + output.label() + "'");
    }
    requireFiniteAtLeast("learning-rate", learningRate, 0, false);
    requireFiniteAtLeast("lr-decay-factor", decayFactor, 0, false);
    if (decayFactor > 1) {
      throw new ConfigException("lr-decay-factor: expected a value in (0, 1]; found " + decayFactor);
    }
    requireAtLeast("lr-decay-epochs", decayEpochs, 1);
    requireFiniteAtLeast("warmup-epochs", warmupEpochs, 0, true);
    requireFiniteAtLeast("weight-decay", weightDecay, 0, true);
    requireProbability("input-dropout", inputDropout);
    requireProbability("dropout", hiddenDropout);
    requireAtLeast("batch-size", batchSize, 1);
    requireAtLeast("sync-period", syncPeriod, 0);
    requireAtLeast("partitions", partitions, 0);
    if (!(validationFraction >= 0 && validationFraction < 1)) {
      throw new ConfigException(
          "validation-fraction: expected a value in [0, 1); found " + validationFraction);
    }
    requireAtLeast("patience", patience, 0);
    if (patience > 0 && validationFraction == 0) {
      throw new ConfigException(
          "patience: early stopping needs a validation split; set validation-fraction above 0"
              + " (found patience " + patience + " with validation-fraction 0)");
    }
    requireAtLeast("block-rows", blockRows, 1);
    if (classes < 0 || classes > 255) {
      throw new ConfigException("classes: expected auto or 2..255; found " + classes);
    }
    if (!(targetAccuracy > 0 && targetAccuracy <= 1)) {
      throw new ConfigException("target-accuracy: expected a value in (0, 1]; found " + targetAccuracy);
    }
    requireAtLeast("checkpoint-every", checkpointEvery, 0);
    requireAtLeast("max-backoffs", maxBackoffs, 0);
    if (resume && checkpointEvery == 0) {
      throw new ConfigException(
          "resume: needs checkpoints; found checkpoint-every 0 (set it to 1 or more)");
    }
    if (master == null || master.isBlank()) {
      throw new ConfigException("master: expected a Spark master URL; found '" + master + "'");
    }
  }

  private static void requireAtLeast(String key, long value, long minimum) {
    if (value < minimum) {
      throw new ConfigException(key + ": expected an integer ≥ " + minimum + "; found " + value);
    }
  }

  private static void requireProbability(String key, double value) {
    if (!(value >= 0 && value < 1)) {
      throw new ConfigException(key + ": expected a drop probability in [0, 1); found " + value);
    }
  }

  private static void requireFiniteAtLeast(
      String key, double value, double minimum, boolean inclusive) {
    boolean ok = Double.isFinite(value) && (inclusive ? value >= minimum : value > minimum);
    if (!ok) {
      throw new ConfigException(
          key + ": expected a finite number " + (inclusive ? "≥ " : "> ") + minimum + "; found "
              + value);
    }
  }

  /** The network spec for a data set with {@code inputs} features and {@code outputs} classes. */
  public NetworkSpec networkSpec(int inputs, int outputs) {
    return new NetworkSpec(new ParameterLayout(inputs, hidden, outputs), activation, output, loss);
  }

  /** This configuration with another master (the one Spark actually runs on). */
  public TrainingConfig withMaster(String actualMaster) {
    Map<String, String> values = toMap();
    values.put("master", actualMaster);
    values.put("learning-rate", Double.toString(learningRate));
    return fromMap(values);
  }

  /** The per-example random perturbations of training (augmentation, dropout). */
  public ExampleNoise noise() {
    return new ExampleNoise(augment, inputDropout, hiddenDropout);
  }

  /** The synchronization mode implied by the period. */
  public SyncMode syncMode() {
    return syncPeriod == 1 ? SyncMode.GRADIENT : SyncMode.LOCAL_STEPS;
  }

  /** Steps per job for an epoch of {@code stepsPerEpoch} steps. */
  public int stepsPerJob(int stepsPerEpoch) {
    return syncPeriod == 0 ? stepsPerEpoch : Math.min(syncPeriod, stepsPerEpoch);
  }

  /** Every key with its effective value, in the order of {@link TrainingOptions#ALL}. */
  public Map<String, String> toMap() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("data", data);
    values.put("model", model);
    values.put("epochs", Integer.toString(epochs));
    values.put("hidden", Integer.toString(hidden));
    values.put("activation", activation.label());
    values.put("loss", loss.label());
    values.put("output", output.label());
    values.put("optimizer", optimizer.label());
    values.put("learning-rate", Double.toString(learningRate));
    values.put("lr-schedule", schedule.label());
    values.put("lr-decay-factor", Double.toString(decayFactor));
    values.put("lr-decay-epochs", Integer.toString(decayEpochs));
    values.put("warmup-epochs", Double.toString(warmupEpochs));
    values.put("weight-decay", Double.toString(weightDecay));
    values.put("augment", augment.label());
    values.put("input-dropout", Double.toString(inputDropout));
    values.put("dropout", Double.toString(hiddenDropout));
    values.put("batch-size", Integer.toString(batchSize));
    values.put("sync-period", syncPeriod == 0 ? "epoch" : Integer.toString(syncPeriod));
    values.put("partitions", partitions == 0 ? "auto" : Integer.toString(partitions));
    values.put("seed", Long.toString(seed));
    values.put("validation-fraction", Double.toString(validationFraction));
    values.put("patience", Integer.toString(patience));
    values.put("precision", precision.label());
    values.put("blas", blas.label());
    values.put("init", init.label());
    values.put("block-rows", Integer.toString(blockRows));
    values.put("classes", classes == 0 ? "auto" : Integer.toString(classes));
    values.put("target-accuracy", Double.toString(targetAccuracy));
    values.put("master", master);
    values.put("overwrite", Boolean.toString(overwrite));
    values.put("checkpoint-every", Integer.toString(checkpointEvery));
    values.put("resume", Boolean.toString(resume));
    values.put("on-divergence", onDivergence.label());
    values.put("max-backoffs", Integer.toString(maxBackoffs));
    return values;
  }

  /** Builds a configuration from resolved string values; every key must be present. */
  public static TrainingConfig fromMap(Map<String, String> values) {
    try {
      return build(new Values(values));
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      // The word parsers (activation, loss, …) already name the key and the value.
      throw new ConfigException(e.getMessage(), e);
    }
  }

  private static TrainingConfig build(Values v) {
    return new TrainingConfig(
        v.string("data"),
        v.string("model"),
        v.integer("epochs"),
        v.integer("hidden"),
        Activation.parse("activation", v.raw("activation")),
        LossFunction.parse("loss", v.raw("loss")),
        v.raw("output").equalsIgnoreCase("auto")
            ? LossFunction.parse("loss", v.raw("loss")).defaultOutput()
            : OutputFunction.parse("output", v.raw("output")),
        OptimizerKind.parse("optimizer", v.raw("optimizer")),
        v.raw("learning-rate").equalsIgnoreCase("auto")
            ? OptimizerKind.parse("optimizer", v.raw("optimizer")).defaultLearningRate()
            : v.positiveNumber("learning-rate"),
        LearningRateSchedule.parse("lr-schedule", v.raw("lr-schedule")),
        v.number("lr-decay-factor"),
        v.integer("lr-decay-epochs"),
        v.number("warmup-epochs"),
        v.number("weight-decay"),
        AugmentationSpec.parse(v.raw("augment")),
        v.number("input-dropout"),
        v.number("dropout"),
        v.integer("batch-size"),
        v.raw("sync-period").equalsIgnoreCase("epoch") ? 0 : v.positiveInteger("sync-period"),
        v.raw("partitions").equalsIgnoreCase("auto") ? 0 : v.positiveInteger("partitions"),
        v.longInteger("seed"),
        v.number("validation-fraction"),
        v.integer("patience"),
        Precision.parse("precision", v.raw("precision")),
        BlasChoice.parse(v.raw("blas")),
        WeightInit.parse("init", v.raw("init")),
        v.integer("block-rows"),
        v.raw("classes").equalsIgnoreCase("auto") ? 0 : v.positiveInteger("classes"),
        v.number("target-accuracy"),
        v.string("master"),
        v.bool("overwrite"),
        v.integer("checkpoint-every"),
        v.bool("resume"),
        DivergencePolicy.parse("on-divergence", v.raw("on-divergence")),
        v.integer("max-backoffs"));
  }

  /** Typed reads of string values whose errors name the key and the value. */
  static final class Values {
    private final Map<String, String> values;

    Values(Map<String, String> values) {
      this.values = values;
    }

    String raw(String key) {
      String value = values.get(key);
      if (value == null) {
        throw new ConfigException(key + ": no value given and no default");
      }
      return value.trim();
    }

    String string(String key) {
      String value = raw(key);
      if (value.isEmpty()) {
        throw new ConfigException(key + ": expected a value; found nothing");
      }
      return value;
    }

    int integer(String key) {
      String value = raw(key);
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new ConfigException(key + ": expected an integer; found '" + value + "'");
      }
    }

    int positiveInteger(String key) {
      int value = integer(key);
      if (value < 1) {
        throw new ConfigException(key + ": expected an integer ≥ 1; found " + value);
      }
      return value;
    }

    long longInteger(String key) {
      String value = raw(key);
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new ConfigException(key + ": expected an integer; found '" + value + "'");
      }
    }

    double number(String key) {
      String value = raw(key);
      try {
        return Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new ConfigException(key + ": expected a number; found '" + value + "'");
      }
    }

    double positiveNumber(String key) {
      double value = number(key);
      if (!(value > 0) || !Double.isFinite(value)) {
        throw new ConfigException(key + ": expected a finite number > 0; found " + raw(key));
      }
      return value;
    }

    boolean bool(String key) {
      String value = raw(key).toLowerCase(Locale.ROOT);
      if (List.of("true", "yes", "1").contains(value)) {
        return true;
      }
      if (List.of("false", "no", "0").contains(value)) {
        return false;
      }
      throw new ConfigException(key + ": expected true or false; found '" + raw(key) + "'");
    }
  }
}
