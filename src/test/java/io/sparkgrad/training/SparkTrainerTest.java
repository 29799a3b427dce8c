package io.sparkgrad.training;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingKeys;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.data.ExampleSelection;
import io.sparkgrad.io.OutputException;
import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.DoubleKernels;
import io.sparkgrad.math.Kernels;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.Optimizer;
import io.sparkgrad.network.TwoLayerNetwork;
import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hadoop.conf.Configuration;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on a real local[2] Spark, on small synthetic images. */
class SparkTrainerTest {
  private static final LabeledImages TRAIN = SyntheticImages.make(600, 8, 6, 4, 1);
  private static final LabeledImages TEST = SyntheticImages.make(200, 8, 6, 4, 2);
  private static final DataSet DATA = new DataSet("synthetic", TRAIN, TEST, 4, Map.of());

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  }

  static TrainingConfig config(String... keyValues) {
    Map<String, String> args = new HashMap<>();
    args.put("data", "synthetic");
    args.put("model", "unused");
    args.put("hidden", "16");
    args.put("epochs", "3");
    args.put("batch-size", "32");
    for (int i = 0; i < keyValues.length; i += 2) {
      args.put(keyValues[i], keyValues[i + 1]);
    }
    return TrainingOptions.resolve(Map.of(), args);
  }

  private static TrainingResult train(TrainingConfig config) {
    return new SparkTrainer(jsc(), TrainingListener.NONE).train(TrainingSetup.of(config, DATA), DATA);
  }

  @Test
  void learnsTheSyntheticClasses() {
    TrainingResult result =
        train(config("epochs", "8", "partitions", "2", "learning-rate", "0.01"));
    EpochMetrics last = result.epochs().get(result.epochs().size() - 1);
    System.out.println("synthetic: " + result.epochs());
    assertTrue(last.testAccuracy() > 0.9, "test accuracy " + last.testAccuracy());
    assertTrue(last.trainLoss() < result.epochs().get(0).trainLoss(), "loss went down");
    // The result's test figures against an evaluation of its weights outside Spark.
    assertEquals(accuracyOutsideSpark(result.params(), TrainingSetup.of(config(), DATA).spec(),
        config().distribution().precision()), result.test().accuracy(), 0.0);
    assertEquals(8, result.epochs().size());
  }

  /** Accuracy on TEST of a plain forward pass over all its images at once, in {@code precision}. */
  private static double accuracyOutsideSpark(
      double[] params, NetworkSpec spec, Precision precision) {
    return accuracyOutsideSpark(params, spec, precision.kernels(Blas.best()));
  }

  private static <A> double accuracyOutsideSpark(double[] params, NetworkSpec spec, Kernels<A> k) {
    int rows = TEST.count();
    A x = k.allocate(spec.inputs() * rows);
    k.scalePixels(x, 0, TEST.pixels(), 0, spec.inputs() * rows);
    A weights = k.allocate(params.length);
    k.copyFromDouble(weights, params, params.length);
    int[] labels = new int[rows];
    for (int i = 0; i < rows; i++) {
      labels[i] = TEST.label(i);
    }
    TwoLayerNetwork<A> network = new TwoLayerNetwork<>(spec, k, rows);
    return (double) network.evaluate(weights, x, 0, labels, 0, rows).correct() / rows;
  }

  @Test
  void sameSeedGivesBitIdenticalWeights() {
    TrainingConfig config = config("partitions", "3", "sync-period", "4");
    double[] first = train(config).params();
    double[] second = train(config).params();
    assertArrayEquals(first, second, 0.0);
    double[] otherSeed = train(config("partitions", "3", "sync-period", "4", "seed", "7")).params();
    assertFalse(java.util.Arrays.equals(first, otherSeed));
  }

  @Test
  void periodOneMatchesASingleProcessLoopForAnyPartitionCount() {
    String[] common = {"sync-period", "1", "precision", "float64", "epochs", "2",
        "lr-schedule", "cosine", "optimizer", "adam"};
    TrainingConfig base = config(common);
    double[] reference = referenceLoop(base);
    for (String partitions : new String[] {"1", "2", "4"}) {
      String[] keys = java.util.Arrays.copyOf(common, common.length + 2);
      keys[common.length] = "partitions";
      keys[common.length + 1] = partitions;
      double[] distributed = train(config(keys)).params();
      double difference = relativeDifference(distributed, reference);
      System.out.printf("period 1, %s partitions: relative difference %.3e%n", partitions, difference);
      assertTrue(difference < 1e-9, partitions + " partitions: relative difference " + difference);
    }
  }

  /**
   * Plain mini-batch training in one process over the same batches: epoch e visits the examples
   * in the seeded order of (seed, e), batchSize at a time.
   */
  private static double[] referenceLoop(TrainingConfig config) {
    TrainingSetup setup = TrainingSetup.of(config, DATA);
    NetworkSpec spec = setup.spec();
    int n = setup.trainCount();
    // The reference builds whole arrays the trainer never does: which example has each index.
    ExampleSelection selection = setup.trainSelection();
    int[] exampleOf = new int[n];
    for (int e = 0; e < selection.splitCount(); e++) {
      if (selection.indexOf(e) >= 0) {
        exampleOf[selection.indexOf(e)] = e;
      }
    }
    int inputs = spec.inputs();
    int batch = config.optimization().batchSize();
    TwoLayerNetwork<double[]> network =
        new TwoLayerNetwork<>(spec, new DoubleKernels(Blas.best()), batch);
    double[] params = config.network().init().initialize(
        spec, Seeds.derive(config.run().seed(), Seeds.Stream.INITIAL_WEIGHTS, 0));
    Optimizer optimizer = config.optimization().optimizer().create(spec.layout(),
        config.regularization().weightDecay());
    int steps = setup.stepsPerEpoch();
    long total = (long) steps * config.optimization().epochs();
    double[] x = new double[inputs * batch];
    int[] labels = new int[batch];
    for (int epoch = 0; epoch < config.optimization().epochs(); epoch++) {
      IndexPermutation order =
          new IndexPermutation(n, config.run().seed(), Seeds.Stream.EPOCH_ORDER, epoch);
      for (int t = 0; t < steps; t++) {
        int rows = 0;
        for (int j = t * batch; j < Math.min(n, (t + 1) * batch); j++, rows++) {
          int example = exampleOf[order.inverse(j)];
          for (int i = 0; i < inputs; i++) {
            x[rows * inputs + i] = (TRAIN.pixels()[example * inputs + i] & 0xFF) / 255.0;
          }
          labels[rows] = TRAIN.label(example);
        }
        double[] grad = new double[params.length];
        network.accumulateGradient(params, x, 0, labels, 0, rows, grad, 1.0 / rows);
        double rate = config.optimization().lrSchedule().rate(
            config.optimization().learningRate(), epoch, (long) epoch * steps + t, total, 0,
            config.optimization().lrDecayFactor(), config.optimization().lrDecayEpochs());
        optimizer.step(params, grad, rate);
      }
    }
    return params;
  }

  private static double relativeDifference(double[] a, double[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - b[i]) * (a[i] - b[i]);
      norm += b[i] * b[i];
    }
    return Math.sqrt(diff / norm);
  }

  @Test
  void earlyStoppingKeepsTheBestValidationEpoch() {
    TrainingResult result = train(config("epochs", "80", "validation-fraction", "0.2",
        "patience", "2", "learning-rate", "0.03", "hidden", "64", "lr-schedule", "constant"));
    System.out.println("early stopping: " + result.epochs().size() + " epochs, kept "
        + result.keptEpoch());
    assertTrue(result.stoppedEarly(), "stopped early: " + result.epochs().size() + " epochs");
    double bestLoss = result.epochs().stream().mapToDouble(EpochMetrics::validationLoss).min().orElseThrow();
    assertEquals(bestLoss, result.epochs().get(result.keptEpoch() - 1).validationLoss(), 0.0);
  }

  /** A listener that adds the epoch of every checkpoint written to {@code written}. */
  private static TrainingListener checkpointsInto(List<Integer> written) {
    return new TrainingListener() {
      @Override
      public void checkpointWritten(int epochsDone, String folder) {
        written.add(epochsDone);
      }
    };
  }

  /**
   * The schedule by time on a clock that moves 10 s at each reading (the loop's start, then each
   * epoch's end): with 25s, epoch 3 is the first 25 s after the start, and the 20 s after it
   * write nothing, not even for the last epoch. The checkpoint it wrote resumes to the same bits.
   */
  @Test
  void checkpointsByTimeFollowTheClockAndResumeToTheSameWeights(@TempDir Path dir) {
    String model = dir.resolve("m").toString();
    TrainingConfig config = config("epochs", "5", "partitions", "2", "model", model,
        "checkpoint-every", "25s");
    Checkpoints checkpoints = new Checkpoints(model, new Configuration());
    long[] now = {0};
    List<Integer> written = new CopyOnWriteArrayList<>();
    TrainingListener recorder = checkpointsInto(written);
    TrainingResult whole = new SparkTrainer(jsc(), recorder, () -> now[0] += 10_000_000_000L)
        .train(TrainingSetup.of(config, DATA), LabeledData.of(DATA), checkpoints);
    assertEquals(List.of(3), written);
    assertEquals(5, whole.epochs().size());

    List<Integer> resumedAt = new CopyOnWriteArrayList<>();
    TrainingListener resumes = new TrainingListener() {
      @Override
      public void resumed(int epochsDone, String folder) {
        resumedAt.add(epochsDone);
      }
    };
    TrainingConfig resume = config.with(TrainingKeys.RESUME, true);
    TrainingResult resumed = new SparkTrainer(jsc(), resumes, () -> 0L)
        .train(TrainingSetup.of(resume, DATA), LabeledData.of(DATA), checkpoints);
    assertEquals(List.of(3), resumedAt);
    assertArrayEquals(whole.params(), resumed.params(), 0.0);
  }

  /**
   * A checkpoint that cannot be written (a file stands where its folder goes) stops the run at
   * the end of the next epoch, not at the next checkpoint: by time (15s on a clock that moves
   * 10 s at each reading) the failed write comes at epoch 2 and the next one would be due at
   * epoch 4.
   */
  @Test
  void aFailedCheckpointStopsTheRunAtTheNextEpochsEnd(@TempDir Path dir) throws Exception {
    String model = dir.resolve("m").toString();
    Files.writeString(dir.resolve("m.checkpoints"), "not a folder");
    TrainingConfig config = config("epochs", "8", "partitions", "2", "model", model,
        "checkpoint-every", "15s");
    List<Integer> finished = new CopyOnWriteArrayList<>();
    TrainingListener recorder = new TrainingListener() {
      @Override
      public void epochFinished(EpochMetrics metrics, int totalEpochs) {
        finished.add(metrics.epoch());
      }
    };
    long[] now = {0};
    OutputException e = assertThrows(OutputException.class,
        () -> new SparkTrainer(jsc(), recorder, () -> now[0] += 10_000_000_000L)
            .train(TrainingSetup.of(config, DATA), LabeledData.of(DATA),
                new Checkpoints(model, new Configuration())));
    assertEquals(List.of(1, 2, 3), finished, "epochs finished before the failure surfaced");
    assertTrue(e.getMessage().contains("m.checkpoints"), e.getMessage());
  }

  /** By epochs: every second one and the last, whatever the clock says. */
  @Test
  void checkpointsByEpochsIgnoreTheClock(@TempDir Path dir) {
    String model = dir.resolve("m").toString();
    TrainingConfig config = config("epochs", "5", "partitions", "2", "model", model,
        "checkpoint-every", "2");
    List<Integer> written = new CopyOnWriteArrayList<>();
    TrainingListener recorder = checkpointsInto(written);
    new SparkTrainer(jsc(), recorder, () -> 0L).train(TrainingSetup.of(config, DATA),
        LabeledData.of(DATA), new Checkpoints(model, new Configuration()));
    assertEquals(List.of(2, 4, 5), written);
  }

  @Test
  void batchLargerThanTheDataIsRefusedBeforeTraining() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> TrainingSetup.of(config("batch-size", "601"), DATA));
    assertEquals("batch-size: expected at most the 600 training examples; found 601", e.getMessage());
  }
}
