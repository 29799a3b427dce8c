package io.sparkgrad.training;

import io.sparkgrad.config.DivergencePolicy;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.math.Seeds;
import io.sparkgrad.worker.JobResult;
import io.sparkgrad.worker.PartitionWorker;
import io.sparkgrad.worker.StepPlan;
import io.sparkgrad.worker.SyncMode;
import io.sparkgrad.data.BlockedData;
import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.data.ExampleSelection;
import io.sparkgrad.evaluation.SparkEvaluator;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.ExactSum;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.Optimizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Data-parallel training on Spark. The training examples are cached as blocks; each job
 * broadcasts the current weights (and, for local steps, the optimizer state) as one array, every
 * partition works on its share of the job's mini-batches ({@link PartitionWorker}), tree
 * aggregation brings the exact sums to the driver, and the driver updates the weights. The
 * broadcast is destroyed as soon as its job is done.
 */
public final class SparkTrainer {
  private final JavaSparkContext jsc;
  private final TrainingListener listener;

  public SparkTrainer(JavaSparkContext jsc, TrainingListener listener) {
    this.jsc = jsc;
    this.listener = listener;
  }

  /** Trains without checkpoints. */
  public TrainingResult train(TrainingSetup setup, DataSet data) {
    return train(setup, LabeledData.of(data), null);
  }

  /** Trains on data the driver holds, writing checkpoints as {@link #train(TrainingSetup, LabeledData, Checkpoints)}. */
  public TrainingResult train(TrainingSetup setup, DataSet data, Checkpoints checkpoints) {
    return train(setup, LabeledData.of(data), checkpoints);
  }

  /**
   * Trains on examples the executors read, writing a checkpoint every {@code checkpoint-every}
   * epochs to {@code checkpoints} (none when null) and, with {@code resume}, starting from the
   * newest one there.
   */
  public TrainingResult train(TrainingSetup setup, LabeledData data, Checkpoints checkpoints) {
    TrainingConfig config = setup.config();
    NetworkSpec spec = setup.spec();
    int partitions = config.partitions() > 0 ? config.partitions() : jsc.defaultParallelism();
    SparkEvaluator evaluator =
        new SparkEvaluator(jsc, spec, config.precision(), config.blas());
    TrainingState state = initialState(setup, data, checkpoints);
    try (BlockedData train = BlockedData.of(jsc, data.train(), setup.trainSelection(),
            partitions, config.seed(), config.blockRows(), "sparkgrad-train");
        BlockedData test = BlockedData.of(jsc, data.test(),
            ExampleSelection.all(data.test().count()), partitions, config.seed(),
            config.blockRows(), "sparkgrad-test");
        BlockedData validation = setup.validationCount() == 0
            ? null
            : BlockedData.of(jsc, data.train(), setup.validationSelection(), partitions,
                config.seed(), config.blockRows(), "sparkgrad-validation")) {
      Epochs epochs = new Epochs(setup, train.rdd(), test.rdd(),
          validation == null ? null : validation.rdd(), evaluator, data.train().imageRows(),
          data.train().imageCols());
      if (Double.isNaN(state.initialLoss)) {
        // The yardstick of the divergence guard: the test loss of the initial weights.
        state.initialLoss = evaluator.evaluate(test.rdd(), state.params).meanLoss();
      }
      EvaluationSums lastTest = null;
      while (state.epochsDone < config.epochs() && !state.stoppedEarly) {
        TrainingState before = state.copy();
        try {
          lastTest = epochs.run(state);
        } catch (DivergenceException e) {
          if (config.onDivergence() != DivergencePolicy.BACKOFF
              || before.backoffs >= config.maxBackoffs()) {
            throw e;
          }
          state = before;
          state.backoffs++;
          state.learningRateScale *= 0.5;
          listener.backingOff(e, state.learningRateScale, state.backoffs, config.maxBackoffs());
          continue;
        }
        if (checkpoints != null && config.checkpointEvery() > 0
            && (state.epochsDone % config.checkpointEvery() == 0
                || state.epochsDone == config.epochs() || state.stoppedEarly)) {
          checkpoints.write(state, config.toMap(), data.sha256());
          listener.checkpointWritten(state.epochsDone, checkpoints.folder().toString());
        }
      }
      // The kept weights are usually the last epoch's, already evaluated on the test set.
      EvaluationSums keptTest = lastTest != null && state.keptEpoch == state.epochsDone
          ? lastTest : evaluator.evaluate(test.rdd(), state.kept);
      return new TrainingResult(spec, state.kept.clone(), List.copyOf(state.history),
          state.keptEpoch, state.stoppedEarly, keptTest, partitions,
          Blas.get(config.blas()).implementationName(), state.trainingSeconds,
          state.epochReachingTarget, state.secondsToTarget);
    }
  }

  private TrainingState initialState(
      TrainingSetup setup, LabeledData data, Checkpoints checkpoints) {
    TrainingConfig config = setup.config();
    NetworkSpec spec = setup.spec();
    Optimizer optimizer = config.optimizer().create(spec.layout(), config.weightDecay());
    if (config.resume() && checkpoints != null) {
      Optional<TrainingState> resumed = checkpoints.latest(config.toMap(), data.sha256(),
          spec.layout().size(), optimizer.stateSize());
      if (resumed.isPresent()) {
        listener.resumed(resumed.get().epochsDone, checkpoints.folder().toString());
        return resumed.get();
      }
      listener.resumed(0, checkpoints.folder().toString());
    }
    double[] params = config.init().initialize(
        spec, Seeds.derive(config.seed(), Seeds.Stream.INITIAL_WEIGHTS, 0));
    return new TrainingState(params, optimizer.state());
  }

  /** Runs whole epochs on the cached data: training jobs, then evaluation and bookkeeping. */
  private final class Epochs {
    private final TrainingSetup setup;
    private final TrainingConfig config;
    private final JavaRDD<ExampleBlock> train;
    private final JavaRDD<ExampleBlock> test;
    private final JavaRDD<ExampleBlock> validation;
    private final SparkEvaluator evaluator;
    private final int imageRows;
    private final int imageCols;

    Epochs(TrainingSetup setup, JavaRDD<ExampleBlock> train, JavaRDD<ExampleBlock> test,
        JavaRDD<ExampleBlock> validation, SparkEvaluator evaluator, int imageRows,
        int imageCols) {
      this.setup = setup;
      this.imageRows = imageRows;
      this.imageCols = imageCols;
      this.config = setup.config();
      this.train = train;
      this.test = test;
      this.validation = validation;
      this.evaluator = evaluator;
    }

    /**
     * One epoch: advances {@code state} by one epoch and returns the test evaluation of its
     * weights, or throws DivergenceException.
     */
    EvaluationSums run(TrainingState state) {
      NetworkSpec spec = setup.spec();
      int epoch = state.epochsDone;
      int n = setup.trainCount();
      int stepsPerEpoch = setup.stepsPerEpoch();
      int stepsPerJob = config.stepsPerJob(stepsPerEpoch);
      long totalSteps = (long) stepsPerEpoch * config.epochs();
      long warmupSteps = Math.round(config.warmupEpochs() * stepsPerEpoch);
      Optimizer optimizer = config.optimizer().create(spec.layout(), config.weightDecay());
      optimizer.setState(state.optimizerState);
      double[] params = state.params;

      long epochStart = System.nanoTime();
      double lossSum = 0;
      long correct = 0;
      long seen = 0;
      double lastRate = 0;
      for (int firstStep = 0; firstStep < stepsPerEpoch; firstStep += stepsPerJob) {
        int steps = Math.min(stepsPerJob, stepsPerEpoch - firstStep);
        double[] rates = new double[steps];
        for (int s = 0; s < steps; s++) {
          long globalStep = (long) epoch * stepsPerEpoch + firstStep + s;
          rates[s] = state.learningRateScale * config.schedule().rate(config.learningRate(),
              epoch, globalStep, totalSteps, warmupSteps, config.decayFactor(),
              config.decayEpochs());
        }
        lastRate = rates[steps - 1];
        StepPlan plan = new StepPlan(spec, config.precision(), config.blas(), config.syncMode(),
            config.optimizer(), config.weightDecay(), config.noise(), imageRows, imageCols,
            config.seed(), n, config.batchSize(),
            epoch, firstStep, rates);
        JobResult result = runJob(train, plan, params, optimizer);
        checkNotExploded(epoch, firstStep + steps, "the training loss",
            result.trainLossSum() / Math.max(1, result.examples()), state.initialLoss);
        apply(plan, result, params, optimizer);
        lossSum += result.trainLossSum();
        correct += result.trainCorrect();
        seen += result.examples();
        listener.progress(epoch + 1, firstStep + steps, stepsPerEpoch,
            (System.nanoTime() - epochStart) / 1e9);
      }
      checkFinite(epoch, stepsPerEpoch, "the training loss", lossSum);
      for (double value : params) {
        checkFinite(epoch, stepsPerEpoch, "a weight", value);
      }
      double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
      EvaluationSums validationSums =
          validation == null ? null : evaluator.evaluate(validation, params);
      EvaluationSums testSums = evaluator.evaluate(test, params);
      double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
      checkNotExploded(epoch, stepsPerEpoch, "the test loss", testSums.meanLoss(),
          state.initialLoss);

      state.epochsDone = epoch + 1;
      state.optimizerState = optimizer.state();
      state.trainingSeconds += epochSeconds;
      EpochMetrics metrics = new EpochMetrics(
          epoch + 1, lossSum / seen, (double) correct / seen,
          validationSums == null ? Double.NaN : validationSums.meanLoss(),
          validationSums == null ? Double.NaN : validationSums.accuracy(),
          testSums.meanLoss(), testSums.accuracy(), epochSeconds, seen / trainSeconds, lastRate,
          state.trainingSeconds);
      state.history.add(metrics);
      listener.epochFinished(metrics, config.epochs());
      if (state.epochReachingTarget == 0 && testSums.accuracy() >= config.targetAccuracy()) {
        state.epochReachingTarget = epoch + 1;
        state.secondsToTarget = state.trainingSeconds;
      }
      if (validationSums == null) {
        state.kept = params.clone();
        state.keptEpoch = epoch + 1;
      } else if (validationSums.meanLoss() < state.bestValidationLoss) {
        state.bestValidationLoss = validationSums.meanLoss();
        state.kept = params.clone();
        state.keptEpoch = epoch + 1;
        state.epochsWithoutImprovement = 0;
      } else if (config.patience() > 0
          && ++state.epochsWithoutImprovement >= config.patience()) {
        state.stoppedEarly = epoch + 1 < config.epochs();
      }
      return testSums;
    }
  }

  /**
   * How many times the initial weights' loss a loss may reach before training counts as
   * diverged. A working run only lowers its loss; a learning rate far too large multiplies it by
   * thousands or more without ever producing an infinity (Adam's steps are bounded by the rate).
   */
  static final double DIVERGENCE_LOSS_FACTOR = 1000;

  private static void checkNotExploded(
      int epoch, int step, String what, double loss, double initialLoss) {
    checkFinite(epoch, step, what, loss);
    if (loss > DIVERGENCE_LOSS_FACTOR * initialLoss) {
      throw new DivergenceException(epoch + 1, step, String.format(java.util.Locale.ROOT,
          "%s rose to %.4g, more than %.0f times the initial weights' %.4g", what, loss,
          DIVERGENCE_LOSS_FACTOR, initialLoss), null);
    }
  }

  private static void checkFinite(int epoch, int step, String what, double value) {
    if (!Double.isFinite(value)) {
      throw new DivergenceException(epoch + 1, step, what + " is " + value, null);
    }
  }

  private JobResult runJob(
      JavaRDD<ExampleBlock> train, StepPlan plan, double[] params, Optimizer optimizer) {
    // Local steps start from the driver's optimizer state; a gradient job needs only weights.
    int stateSize = plan.mode() == SyncMode.LOCAL_STEPS ? optimizer.stateSize() : 0;
    double[] state = stateSize > 0 ? optimizer.state() : new double[0];
    Broadcast<double[][]> weights = jsc.broadcast(new double[][] {params, state});
    int size = params.length;
    try {
      JobResult result = train
          .mapPartitions(blocks -> {
            List<ExampleBlock> list = new ArrayList<>();
            blocks.forEachRemaining(list::add);
            double[][] w = weights.value();
            FaultInjection.beforeTask(plan.epoch(), plan.firstStep());
            return Collections.singletonList(PartitionWorker.create(plan, list).run(w[0], w[1]))
                .iterator();
          })
          .treeAggregate(new JobResult(size, stateSize), JobResult::merge, JobResult::merge);
      if (result.nonFiniteValue().isPresent()) {
        throw new DivergenceException(plan.epoch() + 1, plan.firstStep() + 1,
            "a gradient or update value is " + result.nonFiniteValue().getAsDouble(), null);
      }
      return result;
    } catch (DivergenceException e) {
      throw e;
    } catch (Exception e) { // SparkException is checked in Java's eyes, though not declared
      ExactSum.NonFiniteValueException cause = findCause(e);
      if (cause != null) {
        throw new DivergenceException(plan.epoch() + 1, plan.firstStep() + 1,
            "a gradient or update value is " + cause.value(), e);
      }
      throw e instanceof RuntimeException runtime ? runtime : new SparkJobException(e);
    } finally {
      weights.destroy();
    }
  }

  private static void apply(StepPlan plan, JobResult result, double[] params, Optimizer optimizer) {
    if (result.examples() == 0) {
      return;
    }
    if (plan.mode() == SyncMode.GRADIENT) {
      double[] grad = result.vector(1.0 / result.examples());
      optimizer.step(params, grad, plan.learningRates()[0]);
    } else {
      double[] update = result.vector(1.0 / result.examples());
      for (int i = 0; i < params.length; i++) {
        params[i] += update[i];
      }
      optimizer.setState(result.state(1.0 / result.examples()));
    }
  }

  private static final java.util.regex.Pattern NON_FINITE_MESSAGE = java.util.regex.Pattern.compile(
      "NonFiniteValueException: value (-?\\d+) is (\\S+) \\(expected");

  /**
   * The non-finite value behind a failed job, if that is why it failed. Spark may hand back the
   * executor's exception itself or only its text, so both are recognised.
   */
  private static ExactSum.NonFiniteValueException findCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ExactSum.NonFiniteValueException nonFinite) {
        return nonFinite;
      }
      java.util.regex.Matcher matcher =
          NON_FINITE_MESSAGE.matcher(String.valueOf(t.getMessage()));
      if (matcher.find()) {
        return new ExactSum.NonFiniteValueException(
            Integer.parseInt(matcher.group(1)), Double.parseDouble(matcher.group(2)));
      }
    }
    return null;
  }

}
