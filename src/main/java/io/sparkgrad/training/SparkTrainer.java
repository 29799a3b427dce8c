package io.sparkgrad.training;

import io.sparkgrad.config.CheckpointSchedule;
import io.sparkgrad.config.DivergencePolicy;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.math.Seeds;
import io.sparkgrad.worker.JobResult;
import io.sparkgrad.worker.ReplicaWorker;
import io.sparkgrad.worker.StepPlan;
import io.sparkgrad.data.BlockedData;
import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.data.ExampleSelection;
import io.sparkgrad.evaluation.SparkEvaluator;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.math.Blas;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.Optimizer;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Data-parallel training on Spark. The training examples are cached as blocks; each job
 * broadcasts the current weights (and, for local steps, the optimizer state) as one array, every
 * partition works on its share of the job's mini-batches ({@link ReplicaWorker}), tree
 * aggregation brings the exact sums to the driver, and the driver updates the weights. The
 * broadcast is destroyed as soon as its job is done.
 *
 * <p>The driver loop is here; each part of an epoch has a class of its own: the schedule
 * ({@link LearningRates}), job dispatch ({@link StepJobs}), the divergence checks
 * ({@link DivergenceGuard}), the kept weights and early stopping ({@link KeptWeights}) and the
 * target accuracy ({@link TargetAccuracy}); checkpoints walk {@link TrainingState#FIELDS}.
 */
public final class SparkTrainer {
  private final JavaSparkContext jsc;
  private final TrainingListener listener;
  /** Nanoseconds for the checkpoint schedule by time; tests give one that steps. */
  private final LongSupplier clock;

  public SparkTrainer(JavaSparkContext jsc, TrainingListener listener) {
    this(jsc, listener, System::nanoTime);
  }

  SparkTrainer(JavaSparkContext jsc, TrainingListener listener, LongSupplier clock) {
    this.jsc = jsc;
    this.listener = listener;
    this.clock = clock;
  }

  /** Trains without checkpoints. */
  public TrainingResult train(TrainingSetup setup, DataSet data) {
    return train(setup, LabeledData.of(data), null);
  }

  /**
   * Trains on data the driver holds, writing checkpoints as
   * {@link #train(TrainingSetup, LabeledData, Checkpoints)}.
   */
  public TrainingResult train(TrainingSetup setup, DataSet data, Checkpoints checkpoints) {
    return train(setup, LabeledData.of(data), checkpoints);
  }

  /**
   * Trains on examples the executors read, writing checkpoints to {@code checkpoints} (none when
   * null) as {@code checkpoint-every} schedules them and, with {@code resume}, starting from the
   * newest one there.
   */
  public TrainingResult train(TrainingSetup setup, LabeledData data, Checkpoints checkpoints) {
    TrainingConfig config = setup.config();
    NetworkSpec spec = setup.spec();
    int partitions = ReplicaLayout.partitions(config.distribution(), jsc,
        BlockedData.cachedBytes(setup.trainCount(), setup.spec().inputs()));
    SparkEvaluator evaluator =
        new SparkEvaluator(jsc, spec, config.distribution().precision(),
            config.distribution().blas());
    TrainingState state = initialState(setup, data, checkpoints);
    try (CheckpointWriter checkpointWriter = new CheckpointWriter();
        BlockedData train = BlockedData.of(jsc, data.train(), setup.trainSelection(),
            partitions, config.run().seed(), config.distribution().blockRows(), "sparkgrad-train");
        BlockedData test = BlockedData.of(jsc, data.test(),
            ExampleSelection.all(data.test().count()), partitions, config.run().seed(),
            config.distribution().blockRows(), "sparkgrad-test");
        BlockedData validation = setup.validationCount() == 0
            ? null
            : BlockedData.of(jsc, data.train(), setup.validationSelection(), partitions,
                config.run().seed(), config.distribution().blockRows(), "sparkgrad-validation")) {
      ReplicaLayout layout = ReplicaLayout.of(config.distribution(),
          config.optimization().batchSize(), setup.stepsPerEpoch(), jsc, partitions);
      listener.layout(layout.partitions(), layout.replicas(), layout.threadsPerReplica());
      // Evaluation sums are exact, so how the blocks are grouped into tasks does not matter:
      // no more tasks than slots, so that many small partitions cost no extra jobs' worth.
      JavaRDD<ExampleBlock> testBlocks = atMost(test.rdd(), layout.slots());
      JavaRDD<ExampleBlock> validationBlocks =
          validation == null ? null : atMost(validation.rdd(), layout.slots());
      Epochs epochs = new Epochs(setup, layout, layout.perReplica(train.rdd()), testBlocks,
          validationBlocks, evaluator, data.train().imageRows(), data.train().imageCols());
      if (Double.isNaN(state.initialLoss)) {
        // The yardstick of the divergence guard: the test loss of the initial weights.
        state.initialLoss = evaluator.evaluate(testBlocks, state.params).meanLoss();
      }
      EvaluationSums lastTest = null;
      CheckpointSchedule schedule = config.run().checkpointEvery();
      long lastCheckpoint = clock.getAsLong();
      while (state.epochsDone < config.optimization().epochs() && !state.stoppedEarly) {
        // Only a run that backs off on divergence returns to the epoch's start: copying the
        // state (weights, kept weights, optimizer state) for every epoch of every other run
        // would only feed the garbage collector.
        boolean backOff = config.run().onDivergence() == DivergencePolicy.BACKOFF;
        TrainingState before = backOff ? state.copy() : null;
        try {
          lastTest = epochs.run(state);
        } catch (DivergenceException e) {
          if (!backOff || before.backoffs >= config.run().maxBackoffs()) {
            throw e;
          }
          state = before;
          state.backoffs++;
          state.learningRateScale *= 0.5;
          listener.backingOff(e, state.learningRateScale, state.backoffs,
              config.run().maxBackoffs());
          continue;
        }
        // The write begun after the last epoch (if any) ran beside this one: a failure stops here.
        checkpointWriter.finish();
        long now = clock.getAsLong();
        if (checkpoints != null && schedule.due(state.epochsDone,
            state.epochsDone == config.optimization().epochs() || state.stoppedEarly,
            (now - lastCheckpoint) / 1e9)) {
          lastCheckpoint = now;
          TrainingState snapshot = state.copy();
          checkpointWriter.submit(() -> {
            checkpoints.write(snapshot, config.toMap(), data.sha256());
            listener.checkpointWritten(snapshot.epochsDone, checkpoints.folder().toString());
          });
        }
      }
      checkpointWriter.finish();
      // The kept weights are usually the last epoch's, already evaluated on the test set.
      EvaluationSums keptTest = lastTest != null && state.keptEpoch == state.epochsDone
          ? lastTest : evaluator.evaluate(testBlocks, state.kept);
      return new TrainingResult(spec, state.kept.clone(), List.copyOf(state.history),
          state.keptEpoch, state.stoppedEarly, keptTest, partitions, layout.replicas(),
          layout.threadsPerReplica(),
          Blas.get(config.distribution().blas()).implementationName(), state.trainingSeconds,
          state.epochReachingTarget, state.secondsToTarget);
    }
  }

  /** {@code blocks} in at most {@code tasks} Spark partitions. */
  private static JavaRDD<ExampleBlock> atMost(JavaRDD<ExampleBlock> blocks, int tasks) {
    return blocks.getNumPartitions() > tasks ? blocks.coalesce(tasks) : blocks;
  }

  private TrainingState initialState(
      TrainingSetup setup, LabeledData data, Checkpoints checkpoints) {
    TrainingConfig config = setup.config();
    NetworkSpec spec = setup.spec();
    Optimizer optimizer = config.optimization().optimizer().create(spec.layout(),
        config.regularization().weightDecay());
    if (config.run().resume() && checkpoints != null) {
      Optional<TrainingState> resumed = checkpoints.latest(config.toMap(), data.sha256(),
          spec.layout().size(), optimizer.stateSize());
      if (resumed.isPresent()) {
        listener.resumed(resumed.get().epochsDone, checkpoints.folder().toString());
        return resumed.get();
      }
      listener.resumed(0, checkpoints.folder().toString());
    }
    double[] params = config.network().init().initialize(
        spec, Seeds.derive(config.run().seed(), Seeds.Stream.INITIAL_WEIGHTS, 0));
    return new TrainingState(params, optimizer.state());
  }

  /**
   * Runs whole epochs on the cached data: the training jobs ({@link #train}), then the
   * evaluation ({@link #evaluate}) and the bookkeeping ({@link #record}).
   */
  private final class Epochs {
    private final TrainingSetup setup;
    private final ReplicaLayout layout;
    private final TrainingConfig config;
    private final StepJobs jobs;
    private final LearningRates rates;
    private final JavaRDD<ExampleBlock> test;
    private final JavaRDD<ExampleBlock> validation;
    private final SparkEvaluator evaluator;
    private final int imageRows;
    private final int imageCols;

    Epochs(TrainingSetup setup, ReplicaLayout layout, JavaRDD<ExampleBlock> train,
        JavaRDD<ExampleBlock> test, JavaRDD<ExampleBlock> validation, SparkEvaluator evaluator,
        int imageRows, int imageCols) {
      this.setup = setup;
      this.layout = layout;
      this.imageRows = imageRows;
      this.imageCols = imageCols;
      this.config = setup.config();
      this.jobs = new StepJobs(jsc, train);
      this.rates = new LearningRates(config, setup.stepsPerEpoch());
      this.test = test;
      this.validation = validation;
      this.evaluator = evaluator;
    }

    /**
     * One epoch: advances {@code state} by one epoch and returns the test evaluation of its
     * weights, or throws DivergenceException.
     */
    EvaluationSums run(TrainingState state) {
      Optimizer optimizer = config.optimization().optimizer().create(setup.spec().layout(),
          config.regularization().weightDecay());
      optimizer.setState(state.optimizerState);
      long epochStart = System.nanoTime();
      TrainPass pass = train(state, optimizer, epochStart);
      double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
      EvaluationSums validationSums =
          validation == null ? null : evaluator.evaluate(validation, state.params);
      EvaluationSums testSums = evaluator.evaluate(test, state.params);
      double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
      DivergenceGuard.checkNotExploded(state.epochsDone, setup.stepsPerEpoch(), "the test loss",
          testSums.meanLoss(), state.initialLoss);
      state.optimizerState = optimizer.state();
      record(state, pass, validationSums, testSums, trainSeconds, epochSeconds);
      return testSums;
    }

    /** Train loss, correct count and examples of an epoch's jobs, and its last learning rate. */
    private record TrainPass(double lossSum, long correct, long seen, double lastRate) {}

    /** The epoch's training jobs, each checked for divergence; updates {@code state.params}. */
    private TrainPass train(TrainingState state, Optimizer optimizer, long epochStart) {
      int epoch = state.epochsDone;
      int stepsPerEpoch = setup.stepsPerEpoch();
      int stepsPerJob = config.distribution().stepsPerJob(stepsPerEpoch);
      double[] params = state.params;
      double lossSum = 0;
      long correct = 0;
      long seen = 0;
      double lastRate = 0;
      for (int firstStep = 0; firstStep < stepsPerEpoch; firstStep += stepsPerJob) {
        int steps = Math.min(stepsPerJob, stepsPerEpoch - firstStep);
        double[] jobRates = rates.forJob(epoch, firstStep, steps, state.learningRateScale);
        lastRate = jobRates[steps - 1];
        StepPlan plan = new StepPlan(setup.spec(), config.distribution().precision(), config.distribution().blas(),
            config.distribution().syncMode(), config.optimization().optimizer(), config.regularization().weightDecay(), config.regularization().noise(),
            imageRows, imageCols, config.run().seed(), setup.trainCount(),
            config.optimization().batchSize(), epoch, firstStep, jobRates,
            layout.threadsPerReplica());
        JobResult result = jobs.run(plan, params, optimizer);
        DivergenceGuard.checkNotExploded(epoch, firstStep + steps, "the training loss",
            result.trainLossSum() / Math.max(1, result.examples()), state.initialLoss);
        StepJobs.apply(plan, result, params, optimizer);
        lossSum += result.trainLossSum();
        correct += result.trainCorrect();
        seen += result.examples();
        listener.progress(epoch + 1, firstStep + steps, stepsPerEpoch,
            (System.nanoTime() - epochStart) / 1e9);
      }
      DivergenceGuard.checkFinite(epoch, stepsPerEpoch, "the training loss", lossSum);
      DivergenceGuard.checkWeights(epoch, stepsPerEpoch, params);
      return new TrainPass(lossSum, correct, seen, lastRate);
    }

    /** Counts the epoch as done: history, listener, target, kept weights and early stopping. */
    private void record(TrainingState state, TrainPass pass, EvaluationSums validationSums,
        EvaluationSums testSums, double trainSeconds, double epochSeconds) {
      state.epochsDone++;
      state.trainingSeconds += epochSeconds;
      EpochMetrics metrics = new EpochMetrics(
          state.epochsDone, pass.lossSum() / pass.seen(), (double) pass.correct() / pass.seen(),
          validationSums == null ? Double.NaN : validationSums.meanLoss(),
          validationSums == null ? Double.NaN : validationSums.accuracy(),
          testSums.meanLoss(), testSums.accuracy(), epochSeconds, pass.seen() / trainSeconds,
          pass.lastRate(), state.trainingSeconds);
      state.history.add(metrics);
      listener.epochFinished(metrics, config.optimization().epochs());
      TargetAccuracy.track(state, testSums.accuracy(), config.run().targetAccuracy());
      KeptWeights.update(state, state.params, validationSums, config.regularization().patience(),
          config.optimization().epochs());
    }
  }
}
