package io.sparkgrad.config;

import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.LearningRateSchedule;
import io.sparkgrad.network.OptimizerKind;
import io.sparkgrad.network.WeightInit;

/**
 * The keys of a training run: one row per key, in the order they are printed at start, stored
 * with the model and listed by {@code train --help}. This is the only list of them: the
 * command line, {@code conf/sparkgrad-defaults.conf} (checked against it by a test), the
 * README's configuration reference (likewise), {@link TrainingConfig#toMap} and the resume rules
 * ({@link Key#resumable}) all come from here. Adding a key is one row here plus its use.
 */
public final class TrainingKeys {
  private TrainingKeys() {}

  private static final KeyTable.Builder T = KeyTable.builder("");

  // Data and output
  public static final Key<String> DATA = T.key("data",
      "training data: an IDX folder or a Parquet table from 'prepare' (any Hadoop path)")
      .resumable().text().required();
  public static final Key<String> MODEL = T.key("model",
      "output model folder (must not exist unless --overwrite)")
      .resumable().text().required();

  // Network, optimization and regularization, in the historical order of the stored form
  public static final Key<Integer> EPOCHS = T.key("epochs", "passes over the training data")
      .integerAtLeast(1).defaultValue("8");
  public static final Key<Integer> HIDDEN = T.key("hidden", "hidden units")
      .integerAtLeast(1).defaultValue("256");
  public static final Key<Activation> ACTIVATION = T.key("activation",
      "hidden activation: relu | sigmoid (step cannot be trained)")
      .parsedBy(TrainingKeys::trainableActivation, Activation::label).defaultValue("relu");
  public static final Key<LossFunction> LOSS = T.key("loss", "cross-entropy | sum-of-squares")
      .parsedBy(LossFunction::parse, LossFunction::label).defaultValue("cross-entropy");
  public static final Key<OutputFunction> OUTPUT = T.key("output",
      "auto | softmax | identity (auto: softmax for cross-entropy, identity for sum-of-squares)")
      .parsedBy(OutputFunction::parse, OutputFunction::label).orAuto().defaultValue("auto");
  public static final Key<OptimizerKind> OPTIMIZER = T.key("optimizer",
      "sgd | momentum | adagrad | adam")
      .parsedBy(OptimizerKind::parse, OptimizerKind::label).defaultValue("adam");
  public static final Key<Double> LEARNING_RATE = T.key("learning-rate",
      "base learning rate, or auto for the optimizer's usual one")
      // A common deliberate change on resume, after which the run no longer equals an
      // uninterrupted one.
      .resumable()
      .number().check(r -> r > 0 && Double.isFinite(r), "a finite number > 0").orAuto()
      .defaultValue("0.003");
  public static final Key<LearningRateSchedule> LR_SCHEDULE = T.key("lr-schedule",
      "constant | step | cosine")
      .parsedBy(LearningRateSchedule::parse, LearningRateSchedule::label).defaultValue("cosine");
  public static final Key<Double> LR_DECAY_FACTOR = T.key("lr-decay-factor",
      "step schedule: multiply the rate by this ...")
      .number().check(f -> f > 0 && f <= 1, "a value in (0, 1]").defaultValue("0.5");
  public static final Key<Integer> LR_DECAY_EPOCHS = T.key("lr-decay-epochs",
      "step schedule: ... every this many epochs")
      .integerAtLeast(1).defaultValue("5");
  public static final Key<Double> WARMUP_EPOCHS = T.key("warmup-epochs",
      "linear warm-up of the rate over this many epochs (fractions allowed)")
      .finiteAtLeast(0).defaultValue("0");
  public static final Key<Double> WEIGHT_DECAY = T.key("weight-decay",
      "L2 penalty λ on the weights (not the biases)")
      .finiteAtLeast(0).defaultValue("0");
  public static final Key<AugmentationSpec> AUGMENT = T.key("augment",
      "augment training images on the executors: none, or e.g."
          + " shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4")
      .parsedBy((label, text) -> AugmentationSpec.parse(text), AugmentationSpec::label)
      .defaultValue("none");
  public static final Key<Double> INPUT_DROPOUT = T.key("input-dropout",
      "probability of dropping an input pixel in training (0 = off)")
      .dropProbability().defaultValue("0");
  public static final Key<Double> DROPOUT = T.key("dropout",
      "probability of dropping a hidden unit in training (inverted dropout; 0 = off)")
      .dropProbability().defaultValue("0");
  public static final Key<Integer> BATCH_SIZE = T.key("batch-size",
      "examples per mini-batch step (across all partitions)")
      .integerAtLeast(1).defaultValue("128");
  /** 0 = one aggregation per epoch ("epoch"). */
  public static final Key<Integer> SYNC_PERIOD = T.key("sync-period",
      "steps between aggregations: 1 (exact synchronous SGD), K, or epoch")
      .countOr("epoch").defaultValue("epoch");
  /** 0 = the task slots ("auto"). Where the data lives, not what is computed: resumable. */
  public static final Key<Integer> PARTITIONS = T.key("partitions",
      "data partitions, or auto for the task slots (a local master's cores, a cluster's)")
      .resumable().countOr("auto").defaultValue("auto");
  /** 0 = one on a local master, one per executor on a cluster ("auto"). */
  public static final Key<Integer> REPLICAS = T.key("replicas",
      "model replicas taking steps, or auto (1 on a local master, 1 per executor on a cluster)")
      .countOr("auto").defaultValue("auto");
  public static final Key<Long> SEED = T.key("seed",
      "seed of every random stream (initialization, split, shuffles)")
      .longInteger().defaultValue("42");
  public static final Key<Double> VALIDATION_FRACTION = T.key("validation-fraction",
      "part of the training set held out for validation (0 = none)")
      .number().check(f -> f >= 0 && f < 1, "a value in [0, 1)").defaultValue("0");
  public static final Key<Integer> PATIENCE = T.key("patience",
      "early stopping: epochs without validation improvement (0 = off)")
      .integerAtLeast(0).defaultValue("0");

  // Distribution and arithmetic
  public static final Key<Precision> PRECISION = T.key("precision",
      "float32 | float64 arithmetic on the executors")
      .parsedBy(Precision::parse, Precision::label).defaultValue("float32");
  public static final Key<BlasChoice> BLAS = T.key("blas", "auto | bundled | system | native | java")
      .parsedBy((label, text) -> BlasChoice.parse(text), BlasChoice::label).defaultValue("auto");
  public static final Key<WeightInit> INIT = T.key("init", "auto | textbook | xavier | he")
      .parsedBy(WeightInit::parse, WeightInit::label).defaultValue("auto");
  public static final Key<Integer> BLOCK_ROWS = T.key("block-rows", "examples per cached block")
      .integerAtLeast(1).defaultValue("4096");
  /** 0 = one more than the largest label of either split ("auto"). */
  public static final Key<Integer> CLASSES = T.key("classes",
      "output classes, or auto (largest training label + 1)")
      .countOr("auto").check(n -> n <= 255, "auto or 2..255").defaultValue("auto");
  public static final Key<Double> TARGET_ACCURACY = T.key("target-accuracy",
      "test accuracy whose first epoch is reported")
      .number().check(a -> a > 0 && a <= 1, "a value in (0, 1]").defaultValue("0.98");
  /** Where things run, not what they compute: a resumed run may use another cluster. */
  public static final Key<String> MASTER = T.key("master",
      "Spark master when not set by spark-submit")
      .resumable().text().check(m -> !m.isBlank(), "a Spark master URL").defaultValue("local[*]");

  // Reporting, output and reliability: how failures are handled may change on resume.
  public static final Key<Boolean> OVERWRITE = T.key("overwrite",
      "replace an existing model folder")
      .resumable().flag().defaultValue("false");
  public static final Key<CheckpointSchedule> CHECKPOINT_EVERY = T.key("checkpoint-every",
      "a checkpoint in <model>.checkpoints every N epochs (0 = none), or at the end of the first"
          + " epoch a duration (30s, 10m, 1h) after the last one")
      .resumable().parsedBy(CheckpointSchedule::parse, CheckpointSchedule::label)
      .defaultValue("30s");
  public static final Key<Boolean> RESUME = T.key("resume",
      "continue from the last complete checkpoint in <model>.checkpoints")
      .resumable().flag().defaultValue("false");
  public static final Key<DivergencePolicy> ON_DIVERGENCE = T.key("on-divergence",
      "stop | backoff (roll back the epoch and halve the learning rate)")
      .resumable().parsedBy(DivergencePolicy::parse, DivergencePolicy::label)
      .defaultValue("stop");
  public static final Key<Integer> MAX_BACKOFFS = T.key("max-backoffs",
      "backoff: how many times at most")
      .resumable().integerAtLeast(0).defaultValue("3");

  /** Every training key, in declaration order. */
  public static final KeyTable TABLE = T.build();

  private static Activation trainableActivation(String label, String text) {
    Activation activation = Activation.parse(label, text);
    activation.requireTrainable(label);
    return activation;
  }
}
