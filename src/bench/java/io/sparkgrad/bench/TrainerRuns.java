package io.sparkgrad.bench;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.math.Blas;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.training.EpochMetrics;
import io.sparkgrad.training.SparkTrainer;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.training.TrainingListener;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.training.TrainingSetup;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * sparkgrad's {@link SparkTrainer} run in process, one SparkSession for all the runs on a master
 * (so that Spark's start-up is paid once), with the default configuration except what a scenario
 * changes. Two kinds of run:
 *
 * <ul>
 *   <li><b>epoch time</b>: a few epochs; the first is discarded (JIT warm-up, first use of the
 *       cached blocks) and the median of the rest is reported. Training-only seconds (the
 *       epoch's jobs; the trainer's examples per second) and the whole epoch with its test
 *       evaluation are both kept.
 *   <li><b>time to target</b>: the default schedule (8 epochs, cosine), stopped by the listener
 *       at the first epoch whose test accuracy reaches 98%, or at a cap of epochs or seconds
 *       (then reported as not reached). Seconds are the trainer's own training-loop seconds
 *       (epochs with their test evaluation; not the block caching before the first epoch), as
 *       {@code seconds_to_target} in metrics.json.
 * </ul>
 *
 * The runs keep no checkpoints (the {@code train} command writes one per epoch by default; that
 * happens outside the training-loop time).
 */
final class TrainerRuns {
  private TrainerRuns() {}

  /** How a run ends. */
  record Stop(int epochs, boolean atTarget, int capEpochs, double capSeconds) {
    static Stop epochs(int epochs) {
      return new Stop(epochs, false, epochs, Double.POSITIVE_INFINITY);
    }

    static Stop atTarget(int capEpochs, double capSeconds) {
      return new Stop(0, true, capEpochs, capSeconds);
    }
  }

  /** One run: a group and name for the report, settings over the defaults, data copies. */
  record Scenario(String group, String name, Map<String, String> settings, int copies, Stop stop) {}

  /** Thrown by the listener to end a run early; the epochs seen so far are the result. */
  private static final class StopRun extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String reason;

    StopRun(String reason) {
      super(reason, null, false, false);
      this.reason = reason;
    }
  }

  static void run(Bench.Args args) throws Exception {
    boolean cluster = args.master().startsWith("local-cluster");
    List<Scenario> scenarios = new ArrayList<>(
        cluster ? clusterScenarios(args.quick()) : localScenarios(args.quick()));
    if (!args.only().isEmpty()) {
      scenarios.removeIf(s -> !args.only().contains(s.group()));
    }
    DataSet data = Bench.load(args.requireData());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("loadAverageAtStart", Bench.loadAverage());
    Map<String, String> extra = new LinkedHashMap<>();
    if (cluster) {
      // Executors are separate JVMs: they get this JVM's classpath (sparkgrad, harness, Spark).
      extra.put("spark.executor.extraClassPath", System.getProperty("java.class.path"));
      extra.put("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
      extra.put("spark.executor.memory", "1024m");
    }
    long sessionStart = System.nanoTime();
    List<Map<String, Object>> results = new ArrayList<>();
    try (SparkSession spark = Bench.spark("harness-trainer", args.master(), extra)) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      if (cluster) {
        int executors = Integer.parseInt(args.master().replaceAll("local-cluster\\[(\\d+),.*", "$1"));
        while (jsc.sc().getExecutorIds().size() < executors) {
          if (Bench.seconds(sessionStart) > 300) {
            throw new IllegalStateException("executors did not register within 300 s");
          }
          Thread.sleep(200);
        }
      }
      out.put("master", jsc.master());
      out.put("sessionStartSeconds", Bench.seconds(sessionStart));
      out.put("defaultParallelism", jsc.defaultParallelism());
      for (Scenario s : scenarios) {
        results.add(run(jsc, data, s, args.master()));
      }
    }
    out.put("runs", merge(results));
    out.put("loadAverageAtEnd", Bench.loadAverage());
    Bench.write(args.out().resolve(cluster ? "trainer-cluster.json" : "trainer-local.json"), out);
  }

  /**
   * local[2]: the default configuration to 98% (repeated), data ×1/×2/×4, hidden 100/256/800,
   * 1/2/4 partitions, sync periods 1/10/50/epoch, and the pure-Java BLAS.
   */
  static List<Scenario> localScenarios(boolean quick) {
    List<Scenario> list = new ArrayList<>();
    // Epoch-time runs: the first epoch is discarded, the median of the rest reported.
    // Six epochs, five timed: an epoch of H 100 lasts a quarter of a second, and a median of
    // three such epochs moved by a third with one burst of the shared machine's other load.
    int epochs = quick ? 2 : 6;
    Stop toTarget = Stop.atTarget(quick ? 2 : 8, Double.POSITIVE_INFINITY);
    for (int rep = 1; rep <= (quick ? 1 : 2); rep++) {
      list.add(new Scenario("default", "default, run " + rep, Map.of(), 1, toTarget));
    }
    // Two interleaved rounds (×1, ×2, ×4, ×1, ×2, ×4), so that a burst of other work on the
    // shared machine does not land on one size only; the rounds are merged (see merge).
    for (int round = 0; round < (quick ? 1 : 2); round++) {
      for (int copies : quick ? new int[] {1, 2} : new int[] {1, 2, 4}) {
        list.add(new Scenario("data", "data ×" + copies, Map.of(), copies,
            Stop.epochs(quick ? 2 : 3)));
      }
    }
    for (int hidden : quick ? new int[] {100} : new int[] {100, 800}) {
      list.add(new Scenario("hidden", "hidden " + hidden,
          Map.of("hidden", Integer.toString(hidden)), 1, Stop.epochs(epochs)));
    }
    for (int partitions : quick ? new int[] {1} : new int[] {1, 4}) {
      list.add(new Scenario("partitions", partitions + " partitions",
          Map.of("partitions", Integer.toString(partitions)), 1, Stop.epochs(epochs)));
    }
    for (String period : quick ? new String[] {"10"} : new String[] {"50", "10", "1"}) {
      // Period 1 is one Spark job per step (469 per epoch): capped.
      Stop stop = period.equals("1")
          ? Stop.atTarget(quick ? 1 : 6, quick ? 60 : 200)
          : toTarget;
      list.add(new Scenario("sync", "sync-period " + period, Map.of("sync-period", period), 1,
          stop));
    }
    list.add(new Scenario("blas", "blas java", Map.of("blas", "java"), 1,
        quick ? Stop.epochs(2) : toTarget));
    list.addAll(noiseScenarios(quick));
    return list;
  }

  /**
   * What regularization costs per epoch: the default network and the ready configurations'
   * wider one, each plain, with dropout and with the executors' data augmentation (the settings
   * of conf/best-plain.conf and conf/best-augmented.conf, read from the packaged files).
   */
  static List<Scenario> noiseScenarios(boolean quick) {
    Map<String, String> plain = TrainingOptions.readConfig("best-plain");
    Map<String, String> augmented = TrainingOptions.readConfig("best-augmented");
    String hidden = augmented.getOrDefault("hidden", plain.get("hidden"));
    Map<String, String> dropout = new LinkedHashMap<>();
    dropout.put("dropout", augmented.getOrDefault("dropout", plain.getOrDefault("dropout", "0")));
    dropout.put("input-dropout",
        augmented.getOrDefault("input-dropout", plain.getOrDefault("input-dropout", "0")));
    Map<String, String> augment = Map.of("augment", augmented.get("augment"));
    Stop stop = Stop.epochs(quick ? 2 : 3);
    List<Scenario> list = new ArrayList<>();
    list.add(new Scenario("noise", "H 256 plain", Map.of(), 1, stop));
    list.add(new Scenario("noise", "H 256 + augmentation", augment, 1, stop));
    if (quick) {
      return list;
    }
    Map<String, String> wide = Map.of("hidden", hidden);
    list.add(new Scenario("noise", "H " + hidden + " plain", wide, 1, stop));
    list.add(new Scenario("noise", "H " + hidden + " + dropout", merged(wide, dropout), 1, stop));
    list.add(new Scenario("noise", "H " + hidden + " + augmentation", merged(wide, augment), 1, stop));
    list.add(new Scenario("noise", "H " + hidden + " + dropout + augmentation",
        merged(wide, dropout, augment), 1, stop));
    return list;
  }

  @SafeVarargs
  private static Map<String, String> merged(Map<String, String>... maps) {
    Map<String, String> all = new LinkedHashMap<>();
    for (Map<String, String> map : maps) {
      all.putAll(map);
    }
    return all;
  }

  /** local-cluster[2,1,1024]: 2 executor JVMs, 2 and 4 partitions. */
  static List<Scenario> clusterScenarios(boolean quick) {
    List<Scenario> list = new ArrayList<>();
    int epochs = quick ? 2 : 4;
    for (int partitions : quick ? new int[] {2} : new int[] {2, 4}) {
      list.add(new Scenario("cluster", partitions + " partitions",
          Map.of("partitions", Integer.toString(partitions)), 1, Stop.epochs(epochs)));
    }
    return list;
  }

  private static Map<String, Object> run(
      JavaSparkContext jsc, DataSet base, Scenario s, String master) throws Exception {
    DataSet data = Bench.replicated(base, s.copies());
    Map<String, String> values = new LinkedHashMap<>();
    values.put("data", data.source());
    Path model = Files.createTempDirectory("harness-model");
    values.put("model", new File(model.toFile(), "unused").toString());
    values.put("master", master);
    if (!s.stop().atTarget()) {
      values.put("epochs", Integer.toString(s.stop().epochs()));
    }
    values.putAll(s.settings());
    TrainingConfig config = TrainingOptions.resolve(Map.of(), values);
    TrainingSetup setup = TrainingSetup.of(config, data);
    List<EpochMetrics> epochs = new ArrayList<>();
    List<Double> cpuAtEpochEnd = new ArrayList<>();
    double[] setupSeconds = {Double.NaN};
    long start = System.nanoTime();
    String load = Bench.loadAverage();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void progress(int epoch, int stepsDone, int stepsTotal, double epochSeconds) {
        if (Double.isNaN(setupSeconds[0])) {
          setupSeconds[0] = Bench.seconds(start) - epochSeconds;
        }
      }

      @Override
      public void epochFinished(EpochMetrics m, int totalEpochs) {
        epochs.add(m);
        cpuAtEpochEnd.add(processCpuSeconds());
        System.out.println(Bench.format(
            "harness: %s: epoch %d: %.2f s (train %.2f s), test accuracy %.2f%%", s.name(),
            m.epoch(), m.seconds(), trainSeconds(m, setup), 100 * m.testAccuracy()));
        if (s.stop().atTarget() && m.testAccuracy() >= config.run().targetAccuracy()) {
          throw new StopRun("target");
        }
        if (m.epoch() >= s.stop().capEpochs() && m.epoch() < totalEpochs) {
          throw new StopRun("cap: " + s.stop().capEpochs() + " epochs");
        }
        if (m.trainingSecondsSoFar() >= s.stop().capSeconds() && m.epoch() < totalEpochs) {
          throw new StopRun("cap: " + s.stop().capSeconds() + " s");
        }
      }
    };
    String stoppedBy = "completed";
    try {
      new SparkTrainer(jsc, listener).train(setup, data);
    } catch (StopRun stop) {
      stoppedBy = stop.reason;
    } finally {
      Files.deleteIfExists(model);
    }
    double wall = Bench.seconds(start);

    List<Map<String, Object>> perEpoch = new ArrayList<>();
    List<Double> steadyTrain = new ArrayList<>();
    List<Double> steadyEpoch = new ArrayList<>();
    List<Double> steadyCpu = new ArrayList<>();
    Integer epochReachingTarget = null;
    Double secondsToTarget = null;
    boolean local = !master.startsWith("local-cluster");
    for (int e = 0; e < epochs.size(); e++) {
      EpochMetrics m = epochs.get(e);
      double train = trainSeconds(m, setup);
      // The process's CPU seconds from the end of the previous epoch to the end of this one: in
      // local mode the executors are threads of this JVM, so this is the work done, whatever
      // else the shared machine ran meanwhile.
      Double cpu = e > 0 && local ? cpuAtEpochEnd.get(e) - cpuAtEpochEnd.get(e - 1) : null;
      if (cpu != null) {
        steadyCpu.add(cpu);
      }
      perEpoch.add(Bench.map("epoch", m.epoch(), "seconds", m.seconds(), "trainSeconds", train,
          "processCpuSeconds", cpu,
          "examplesPerSecond", m.examplesPerSecond(), "testAccuracy", m.testAccuracy(),
          "trainingSecondsSoFar", m.trainingSecondsSoFar()));
      if (m.epoch() > 1 || epochs.size() == 1) {
        steadyTrain.add(train);
        steadyEpoch.add(m.seconds());
      }
      if (epochReachingTarget == null && m.testAccuracy() >= config.run().targetAccuracy()) {
        epochReachingTarget = m.epoch();
        secondsToTarget = m.trainingSecondsSoFar();
      }
    }
    NetworkSpec spec = setup.spec();
    int n = setup.trainCount();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("group", s.group());
    row.put("name", s.name());
    row.put("master", jsc.master());
    row.put("hidden", config.network().hidden());
    row.put("dropout", config.regularization().dropout());
    row.put("inputDropout", config.regularization().inputDropout());
    row.put("augment", config.regularization().augment().label());
    row.put("syncPeriod", config.distribution().syncPeriod() == 0 ? "epoch"
        : Integer.toString(config.distribution().syncPeriod()));
    row.put("partitions", config.distribution().partitions() > 0
        ? config.distribution().partitions() : jsc.defaultParallelism());
    row.put("blas", config.distribution().blas().label());
    row.put("blasImplementation", Blas.get(config.distribution().blas()).implementationName());
    row.put("copies", s.copies());
    row.put("trainExamples", n);
    row.put("epochFlops", spec.trainingFlops(n));
    row.put("epochsRun", epochs.size());
    row.put("stoppedBy", stoppedBy);
    row.put("steadyEpochsCounted", steadyTrain.size());
    row.put("trainSecondsPerEpoch", Bench.median(steadyTrain));
    // The quickest steady epoch: on a shared machine, the one least slowed by other work.
    row.put("bestTrainSecondsPerEpoch",
        steadyTrain.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN));
    row.put("secondsPerEpochWithEvaluation", Bench.median(steadyEpoch));
    row.put("examplesPerSecond", n / Bench.median(steadyTrain));
    row.put("processCpuSecondsPerEpoch", steadyCpu.isEmpty() ? null : Bench.median(steadyCpu));
    row.put("epochReachingTarget", epochReachingTarget);
    row.put("secondsToTarget", secondsToTarget);
    row.put("finalTestAccuracy", epochs.isEmpty() ? null : epochs.get(epochs.size() - 1).testAccuracy());
    row.put("setupSeconds", setupSeconds[0]);
    row.put("wallSeconds", wall);
    row.put("loadAverageBefore", load);
    row.put("epochs", perEpoch);
    return row;
  }

  /**
   * Runs of the same name (rounds) as one row: the steady epochs of all rounds pooled, medians
   * and the quickest taken over the pool; the rounds themselves kept under "rounds".
   */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> merge(List<Map<String, Object>> rows) {
    Map<String, List<Map<String, Object>>> byName = new LinkedHashMap<>();
    for (Map<String, Object> row : rows) {
      byName.computeIfAbsent((String) row.get("name"), k -> new ArrayList<>()).add(row);
    }
    List<Map<String, Object>> merged = new ArrayList<>();
    for (List<Map<String, Object>> rounds : byName.values()) {
      if (rounds.size() == 1) {
        merged.add(rounds.get(0));
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>(rounds.get(0));
      List<Double> train = new ArrayList<>();
      List<Double> epoch = new ArrayList<>();
      List<Double> cpu = new ArrayList<>();
      for (Map<String, Object> round : rounds) {
        for (Map<String, Object> e : (List<Map<String, Object>>) round.get("epochs")) {
          if ((int) e.get("epoch") > 1) {
            train.add((double) e.get("trainSeconds"));
            epoch.add((double) e.get("seconds"));
            if (e.get("processCpuSeconds") != null) {
              cpu.add((double) e.get("processCpuSeconds"));
            }
          }
        }
      }
      row.remove("epochs");
      row.put("steadyEpochsCounted", train.size());
      row.put("trainSecondsPerEpoch", Bench.median(train));
      row.put("bestTrainSecondsPerEpoch",
          train.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN));
      row.put("secondsPerEpochWithEvaluation", Bench.median(epoch));
      row.put("examplesPerSecond", ((int) row.get("trainExamples")) / Bench.median(train));
      row.put("processCpuSecondsPerEpoch", cpu.isEmpty() ? null : Bench.median(cpu));
      row.put("rounds", rounds);
      merged.add(row);
    }
    return merged;
  }

  /** CPU seconds used by this JVM so far (all its threads, Spark's local executors included). */
  private static double processCpuSeconds() {
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun.getProcessCpuTime() / 1e9
        : Double.NaN;
  }

  /** The epoch's training jobs alone: its examples over the trainer's examples per second. */
  private static double trainSeconds(EpochMetrics m, TrainingSetup setup) {
    return setup.trainCount() / m.examplesPerSecond();
  }
}
