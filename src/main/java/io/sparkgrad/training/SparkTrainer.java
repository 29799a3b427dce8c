package io.sparkgrad.training;

import io.sparkgrad.data.BlockedData;
import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.evaluation.SparkEvaluator;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.ExactSum;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.Optimizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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

  public TrainingResult train(TrainingSetup setup, DataSet data) {
    TrainingConfig config = setup.config();
    NetworkSpec spec = setup.spec();
    int partitions = config.partitions() > 0 ? config.partitions() : jsc.defaultParallelism();
    SparkEvaluator evaluator =
        new SparkEvaluator(jsc, spec, config.precision(), config.blas());
    try (BlockedData train = BlockedData.build(jsc, data.train(), setup.trainMembers(),
            partitions, config.seed(), config.blockRows(), config.precision(), "sparkgrad-train");
        BlockedData test = BlockedData.build(jsc, data.test(), BlockedData.all(data.test()),
            partitions, config.seed(), config.blockRows(), config.precision(), "sparkgrad-test");
        BlockedData validation = setup.validationMembers().length == 0
            ? null
            : BlockedData.build(jsc, data.train(), setup.validationMembers(), partitions,
                config.seed(), config.blockRows(), config.precision(), "sparkgrad-validation")) {
      return loop(setup, partitions, train.rdd(), test.rdd(),
          validation == null ? null : validation.rdd(), evaluator);
    }
  }

  private TrainingResult loop(
      TrainingSetup setup, int partitions, JavaRDD<ExampleBlock<?>> train,
      JavaRDD<ExampleBlock<?>> test, JavaRDD<ExampleBlock<?>> validation,
      SparkEvaluator evaluator) {
    TrainingConfig config = setup.config();
    NetworkSpec spec = setup.spec();
    int n = setup.trainMembers().length;
    int stepsPerEpoch = setup.stepsPerEpoch();
    int stepsPerJob = config.stepsPerJob(stepsPerEpoch);
    long totalSteps = (long) stepsPerEpoch * config.epochs();
    long warmupSteps = Math.round(config.warmupEpochs() * stepsPerEpoch);

    double[] params =
        config.init().initialize(spec, Seeds.derive(config.seed(), Seeds.Stream.INITIAL_WEIGHTS, 0));
    Optimizer optimizer = config.optimizer().create(spec.layout(), config.weightDecay());

    List<EpochMetrics> history = new ArrayList<>();
    double[] kept = params.clone();
    int keptEpoch = 0;
    double bestValidationLoss = Double.POSITIVE_INFINITY;
    int epochsWithoutImprovement = 0;
    boolean stoppedEarly = false;
    double trainingSeconds = 0;
    int epochReachingTarget = 0;
    double secondsToTarget = Double.NaN;
    EvaluationSums lastTest = null;

    for (int epoch = 0; epoch < config.epochs(); epoch++) {
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
          rates[s] = config.schedule().rate(config.learningRate(), epoch, globalStep,
              totalSteps, warmupSteps, config.decayFactor(), config.decayEpochs());
        }
        lastRate = rates[steps - 1];
        StepPlan plan = new StepPlan(spec, config.precision(), config.blas(), config.syncMode(),
            config.optimizer(), config.weightDecay(), config.seed(), n, config.batchSize(),
            epoch, firstStep, rates);
        JobResult result = runJob(train, plan, params, optimizer, epoch);
        apply(plan, result, params, optimizer);
        lossSum += result.trainLossSum();
        correct += result.trainCorrect();
        seen += result.examples();
        listener.progress(epoch + 1, firstStep + steps, stepsPerEpoch,
            (System.nanoTime() - epochStart) / 1e9);
      }
      if (!Double.isFinite(lossSum)) {
        throw new DivergenceException(epoch + 1, stepsPerEpoch, "the training loss is " + lossSum, null);
      }
      double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
      EvaluationSums validationSums = validation == null ? null : evaluator.evaluate(validation, params);
      lastTest = evaluator.evaluate(test, params);
      double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
      trainingSeconds += epochSeconds;
      EpochMetrics metrics = new EpochMetrics(
          epoch + 1, lossSum / seen, (double) correct / seen,
          validationSums == null ? Double.NaN : validationSums.meanLoss(),
          validationSums == null ? Double.NaN : validationSums.accuracy(),
          lastTest.meanLoss(), lastTest.accuracy(), epochSeconds, seen / trainSeconds, lastRate,
          trainingSeconds);
      history.add(metrics);
      listener.epochFinished(metrics, config.epochs());
      if (epochReachingTarget == 0 && lastTest.accuracy() >= config.targetAccuracy()) {
        epochReachingTarget = epoch + 1;
        secondsToTarget = trainingSeconds;
      }
      if (validationSums == null) {
        kept = params;
        keptEpoch = epoch + 1;
        continue;
      }
      if (validationSums.meanLoss() < bestValidationLoss) {
        bestValidationLoss = validationSums.meanLoss();
        kept = params.clone();
        keptEpoch = epoch + 1;
        epochsWithoutImprovement = 0;
      } else if (config.patience() > 0 && ++epochsWithoutImprovement >= config.patience()) {
        stoppedEarly = epoch + 1 < config.epochs();
        break;
      }
    }
    EvaluationSums keptTest =
        keptEpoch == history.size() ? lastTest : evaluator.evaluate(test, kept);
    return new TrainingResult(spec, kept.clone(), Collections.unmodifiableList(history), keptEpoch,
        stoppedEarly, keptTest, partitions, Blas.get(config.blas()).implementationName(),
        trainingSeconds, epochReachingTarget, secondsToTarget);
  }

  private JobResult runJob(
      JavaRDD<ExampleBlock<?>> train, StepPlan plan, double[] params, Optimizer optimizer,
      int epoch) {
    // Local steps start from the driver's optimizer state; a gradient job needs only weights.
    int stateSize = plan.mode() == SyncMode.LOCAL_STEPS ? optimizer.stateSize() : 0;
    double[] state = stateSize > 0 ? optimizer.state() : new double[0];
    Broadcast<double[][]> weights = jsc.broadcast(new double[][] {params, state});
    int size = params.length;
    try {
      return train
          .mapPartitions(blocks -> {
            List<ExampleBlock<?>> list = new ArrayList<>();
            blocks.forEachRemaining(list::add);
            double[][] w = weights.value();
            return Collections.singletonList(PartitionWorker.create(plan, list).run(w[0], w[1]))
                .iterator();
          })
          .treeAggregate(new JobResult(size, stateSize), JobResult::merge, JobResult::merge);
    } catch (RuntimeException e) {
      ExactSum.NonFiniteValueException cause = findCause(e);
      if (cause != null) {
        throw new DivergenceException(epoch + 1, plan.firstStep() + 1,
            "a gradient or update value is " + cause.value(), e);
      }
      throw e;
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

  private static ExactSum.NonFiniteValueException findCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ExactSum.NonFiniteValueException nonFinite) {
        return nonFinite;
      }
      String message = t.getMessage();
      if (message != null && message.contains("NonFiniteValueException")) {
        return new ExactSum.NonFiniteValueException(-1, Double.NaN);
      }
    }
    return null;
  }
}
