package io.sparkgrad.bench;

import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.data.DataSet;
import io.sparkgrad.math.ExactSum;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.Optimizer;
import io.sparkgrad.training.EpochMetrics;
import io.sparkgrad.training.SparkTrainer;
import io.sparkgrad.training.TrainingListener;
import io.sparkgrad.training.TrainingSetup;
import java.io.File;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The constants of the epoch cost model ({@link CostModel}), its check against measured epochs,
 * and its predictions; docs/scaling.md explains the model.
 *
 * <pre>
 *   HarnessMain scaling measure --master URL --data DIR --out DIR [--quick]
 *   HarnessMain scaling report --in DIR --out DIR
 * </pre>
 *
 * <b>measure</b> (one master per JVM): the cost of a Spark job over a cached RDD of 1 … 64
 * partitions that does nothing; the same job with a fresh broadcast of 1× and 3× the default
 * network's parameters in doubles (weights; weights + Adam state), destroyed after; and with a
 * tree aggregation of one such array per task, summed exactly as the trainer sums (128-bit fixed
 * point, see {@link ExactVector}), at the trainer's task count (depth 2) and at 16 tasks (depth 1
 * and 2). Job kinds are interleaved round by round, so that a burst of the shared machine's other
 * load does not fall on one kind; medians; and a whole sync (broadcast out, results back) to
 * check the model's sum. These probes run after the trainer ({@link SparkTrainer}, default
 * configuration, replicas auto) at sync-period epoch, 10 and 1, on executor JVMs as warm as its
 * counted jobs: training seconds per epoch (epoch-sync: epochs 7-10 of 10, once the executors'
 * JIT has settled; period 10: epochs 2-3; period 1: the steady rate of jobs 100-300 of the first
 * epoch, times 469), each counted job's Spark task metrics ({@link TrainingJobTimes}) and the
 * task JVMs' JIT, GC and CPU per epoch. Writes scaling-MASTER.json.
 *
 * <p><b>report</b>: the compute constants from the limit part's limit.json ({@link ComputeLimit}:
 * forward+backward GFLOPS per core, the optimizer step and the gather per row from its step
 * breakdown, two cores' efficiency from its worker row), the Spark constants fitted per master,
 * the model's prediction of every measured epoch and its error, and the predictions for MNIST
 * and an 8.1-million-example set on 1 … 256 executors. Writes scaling.json and scaling.md.
 */
final class ScalingRuns {
  private static final int HIDDEN = 256;
  private static final int[] TASK_COUNTS = {1, 2, 4, 8, 16, 32, 64};
  private static final int TREE_TASKS = 16;
  /** Network bandwidth of the predictions: 10 Gb/s. */
  private static final double NETWORK_GBITS = 10;
  private static final int CORES_PER_EXECUTOR = 8;
  private static final int BATCH = 128;
  private static final int CHEAPER_BYTES = 10;
  private static final int[] EXECUTORS = {1, 4, 16, 64, 256};
  private static final int[] PERIODS = {1, 5, 20, 100, 0};
  /**
   * The accuracy rule (not a measurement beyond 32 replicas): per-replica batch ≥ 32 examples
   * (the trainer's replicas auto keeps to it) and replicas × steps between synchronizations ≤
   * 1900. Measured with the replica trainer on MNIST, 8 epochs, batch 128 (README): R 1 →
   * 98.27%, 2 → 98.28%, 3 → 98.20%, 4 → 98.12% (R·K = 1,876), 8 → 97.74% (epoch) and 97.92%
   * (K = 100: 16 rows a replica is too few even with R·K = 800), 32 with K = 25 → 97.10%.
   */
  static final int MIN_REPLICA_BATCH = io.sparkgrad.training.ReplicaLayout.MIN_ROWS_PER_REPLICA;
  static final int MAX_REPLICA_STEPS = io.sparkgrad.training.ReplicaLayout.MAX_REPLICA_STEPS;

  private ScalingRuns() {}

  static void run(List<String> args) throws Exception {
    if (args.isEmpty()) {
      throw new IllegalArgumentException("scaling: expected 'measure' or 'report'");
    }
    List<String> rest = args.subList(1, args.size());
    switch (args.get(0)) {
      case "measure" -> measure(Bench.Args.parse(rest));
      case "report" -> report(rest);
      default -> throw new IllegalArgumentException(
          "scaling: expected 'measure' or 'report'; found '" + args.get(0) + "'");
    }
  }

  // --- measure -------------------------------------------------------------------------------

  static String label(String master) {
    return master.replaceAll("[^A-Za-z0-9,]+", "-").replaceAll("-+$", "");
  }

  private static void measure(Bench.Args args) throws Exception {
    boolean cluster = args.master().startsWith("local-cluster");
    int executors = cluster
        ? Integer.parseInt(args.master().replaceAll("local-cluster\\[(\\d+),.*", "$1")) : 1;
    int coresPerExecutor = cluster
        ? Integer.parseInt(args.master().replaceAll("local-cluster\\[\\d+,(\\d+),.*", "$1"))
        : Integer.parseInt(args.master().replaceAll("local\\[(\\d+)]", "$1"));
    Map<String, String> extra = new LinkedHashMap<>();
    // The trainer's tasks time their phases (StepJobs, TaskPhases): the model's set-up term.
    extra.put("spark.sparkgrad.taskPhases", "true");
    if (cluster) {
      extra.put("spark.executor.extraClassPath", System.getProperty("java.class.path"));
      extra.put("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
      extra.put("spark.executor.memory", "1024m");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("master", args.master());
    out.put("executors", cluster ? executors : 0);
    out.put("coresPerExecutor", coresPerExecutor);
    out.put("physicalCores", Runtime.getRuntime().availableProcessors());
    out.put("loadAverageAtStart", Bench.loadAverage());
    long sessionStart = System.nanoTime();
    try (SparkSession spark = Bench.spark("harness-scaling", args.master(), extra)) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      while (cluster && jsc.sc().getExecutorIds().size() < executors) {
        if (Bench.seconds(sessionStart) > 300) {
          throw new IllegalStateException("executors did not register within 300 s");
        }
        Thread.sleep(200);
      }
      out.put("sessionStartSeconds", Bench.seconds(sessionStart));
      out.put("defaultParallelism", jsc.defaultParallelism());
      // The compute constants again, just before the trainer's epochs: on a shared machine the
      // other load moves from minute to minute, and the check of the model should see the
      // rates its epochs saw (the limit part's quick set, in this JVM, Spark idle).
      Path calibration = args.out().resolve("limit-" + label(args.master()));
      ComputeLimit.run(new Bench.Args(calibration, args.requireData(), args.master(), true,
          List.of()));
      out.put("computeCalibration", calibration.resolve("limit.json").toString());
      out.put("trainer", trainerEpochs(jsc, args));
      // The same rates where the replicas ran, right after their epochs (warm JVMs).
      out.put("executorCompute", executorCompute(jsc, cluster ? executors : 1,
          args.requireData(), args.quick()));
      // The probes after the trainer, on executor JVMs as warm as the trainer's counted jobs:
      // measured first, on fresh executors, they ran while the JVMs compiled (JIT) and cost
      // more than the trainer's warm jobs (executorJitSecondsPerRound shows it settle).
      out.putAll(sparkCosts(jsc, args.master(), args.quick()));
      out.put("driver", driverCosts());
    }
    out.put("loadAverageAtEnd", Bench.loadAverage());
    Bench.write(args.out().resolve("scaling-" + label(args.master()) + ".json"), out);
  }

  /**
   * The limit part's step breakdown (gather, forward+backward, Adam step at ≈64 rows, one
   * thread) run inside a task on each executor, where the trainer's replicas run, instead of the
   * driver JVM. Each task loads the data and warms up, waits until every task has (a barrier of
   * files: the executors of local-cluster share this machine), then times its steps holding a
   * file lock, so each executor is timed alone, like the driver's quick set.
   */
  private static List<Map<String, Object>> executorCompute(JavaSparkContext jsc, int tasks,
      String data, boolean quick) throws Exception {
    Path dir = Files.createTempDirectory("harness-scaling-probe");
    String where = dir.toString();
    int steps = quick ? 150 : 300;
    try {
      List<Map<String, Object>> rows = jsc.parallelize(
          IntStream.range(0, tasks).boxed().collect(Collectors.toList()), tasks)
          .mapPartitions(it -> {
            int task = it.next();
            DataSet d = Bench.load(data);
            ComputeLimit.stepBreakdown(d.train(), HIDDEN, steps); // JIT, caches
            Path folder = Paths.get(where);
            Files.createFile(folder.resolve("ready-" + task));
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (Files.list(folder).filter(f -> f.getFileName().toString()
                .startsWith("ready-")).count() < tasks && System.nanoTime() < deadline) {
              Thread.sleep(20);
            }
            Map<String, Object> row;
            try (var channel = java.nio.channels.FileChannel.open(folder.resolve("lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                var lock = channel.lock()) {
              row = new LinkedHashMap<>(ComputeLimit.stepBreakdown(d.train(), HIDDEN, steps));
              // A short job's steps on fresh arrays and a fresh replica, as a task has them.
              row.put("shortJobs", List.of(
                  ComputeLimit.shortJobs(d.train(), HIDDEN, 10, quick ? 20 : 40, steps),
                  ComputeLimit.shortJobs(d.train(), HIDDEN, 1, quick ? 40 : 80, steps)));
            }
            row.put("executor", org.apache.spark.SparkEnv.get().executorId());
            row.put("pid", ProcessHandle.current().pid());
            return Collections.singletonList(row).iterator();
          }).collect();
      System.out.println("harness: step breakdown on the executors " + rows);
      return rows;
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /** One kind of job timed round after round. */
  private record Probe(String kind, int tasks, int values, int depth, JavaRDD<Integer> rdd) {
    String key() {
      return kind + " tasks=" + tasks + (values > 0 ? " values=" + values : "")
          + (depth > 0 ? " depth=" + depth : "");
    }
  }

  private static Map<String, Object> sparkCosts(JavaSparkContext jsc, String master,
      boolean quick) {
    int parameters = ComputeLimit.spec(HIDDEN).layout().size();
    int[] sizes = {parameters, 3 * parameters};
    // The trainer's task count: one a replica, one replica a slot (replicas auto, ≤ 3 here).
    int trainerTasks = io.sparkgrad.training.ReplicaLayout.slots(jsc);
    Map<Integer, JavaRDD<Integer>> rdds = new TreeMap<>();
    for (int t : TASK_COUNTS) {
      rdds.put(t, cached(jsc, t));
    }
    rdds.computeIfAbsent(trainerTasks, t -> cached(jsc, t));
    List<Probe> probes = new ArrayList<>();
    rdds.forEach((t, rdd) -> probes.add(new Probe("job", t, 0, 0, rdd)));
    for (int n : sizes) {
      probes.add(new Probe("broadcast", trainerTasks, n, 0, rdds.get(trainerTasks)));
      probes.add(new Probe("aggregate", trainerTasks, n, 2, rdds.get(trainerTasks)));
      probes.add(new Probe("aggregate", TREE_TASKS, n, 1, rdds.get(TREE_TASKS)));
      probes.add(new Probe("aggregate", TREE_TASKS, n, 2, rdds.get(TREE_TASKS)));
      // A whole sync as the trainer's job has it: the broadcast out and the results back.
      probes.add(new Probe("sync", trainerTasks, n, 2, rdds.get(trainerTasks)));
    }
    double[][] arrays = new double[sizes.length][];
    for (int i = 0; i < sizes.length; i++) {
      arrays[i] = weights(sizes[i], i);
    }
    int rounds = quick ? 6 : 15;
    Map<String, List<Double>> samples = new LinkedHashMap<>();
    // The slowest task's read of the broadcast inside the probe's tasks, as the trainer's
    // tasks time theirs (TaskPhases): what of the broadcast's cost the probe's tasks saw.
    Map<String, List<Double>> reads = new LinkedHashMap<>();
    org.apache.spark.util.CollectionAccumulator<Long> readNanos =
        jsc.sc().collectionAccumulator("harness.broadcastRead");
    List<Double> jitPerRound = new ArrayList<>();
    for (int round = -2; round < rounds; round++) { // two rounds of warm-up
      double jitBefore = executorJvmSeconds(jsc, master)[1];
      for (Probe p : probes) {
        double[] array = p.values() == 0 ? null : arrays[p.values() == sizes[0] ? 0 : 1];
        double seconds = time(jsc, p, array, readNanos);
        if (round >= 0) {
          samples.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(seconds);
          readNanos.value().stream().mapToLong(Long::longValue).max().ifPresent(r ->
              reads.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(r / 1e9));
        }
      }
      jitPerRound.add(executorJvmSeconds(jsc, master)[1] - jitBefore);
      System.out.println(Bench.format("harness: scaling round %d/%d (executors' JIT %.2f s)",
          round + 1, rounds, jitPerRound.get(jitPerRound.size() - 1)));
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Probe p : probes) {
      List<Double> s = samples.get(p.key());
      rows.add(Bench.map("kind", p.kind(), "tasks", p.tasks(), "values", p.values(),
          "bytes", 8L * p.values(), "depth", p.depth(), "medianSeconds", Bench.median(s),
          "medianTaskReadSeconds", reads.containsKey(p.key())
              ? Bench.median(reads.get(p.key())) : null,
          "samples", s));
      System.out.println(Bench.format("harness: %s: median %.1f ms", p.key(),
          1e3 * Bench.median(s)));
    }
    rdds.values().forEach(JavaRDD::unpersist);
    return Bench.map("parameters", parameters, "trainerTasks", trainerTasks, "rounds", rounds,
        "executorJitSecondsPerRound", jitPerRound, "jobs", rows);
  }

  private static JavaRDD<Integer> cached(JavaSparkContext jsc, int tasks) {
    JavaRDD<Integer> rdd = jsc.parallelize(
        IntStream.range(0, tasks).boxed().collect(Collectors.toList()), tasks).cache();
    rdd.count();
    return rdd;
  }

  /** Weight-like doubles (random: lz4 compresses the broadcast of zeros to nothing). */
  private static double[] weights(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = 0.05 * (random.nextDouble() - 0.5);
    }
    return w;
  }

  /** A task's result: cheap to make, not all equal (as an update is). */
  private static double[] result(int n) {
    double[] r = new double[n];
    for (int i = 0; i < n; i++) {
      r[i] = (i % 1000) * 1e-6 - 5e-4;
    }
    return r;
  }

  /** Seconds of one job of the probe's kind, as the trainer pays them (broadcast made and destroyed). */
  private static double time(JavaSparkContext jsc, Probe p, double[] array,
      org.apache.spark.util.CollectionAccumulator<Long> reads) {
    reads.reset();
    long start = System.nanoTime();
    switch (p.kind()) {
      case "job" -> p.rdd().foreachPartition(it -> it.forEachRemaining(x -> { }));
      case "broadcast" -> {
        Broadcast<double[]> b = jsc.broadcast(array);
        try {
          p.rdd().foreachPartition(it -> {
            long read = System.nanoTime();
            if (b.value().length == 0) {
              throw new IllegalStateException("empty broadcast");
            }
            reads.add(System.nanoTime() - read);
          });
        } finally {
          b.destroy();
        }
      }
      case "aggregate" -> {
        int n = p.values();
        ExactVector sum = p.rdd()
            .mapPartitions(it -> Collections.singletonList(result(n)).iterator())
            .treeAggregate(new ExactVector(), ExactVector::add, ExactVector::merge, p.depth());
        if (sum.toArray().length != n) {
          throw new IllegalStateException("aggregate: expected " + n + " values");
        }
      }
      case "sync" -> {
        int n = p.values();
        Broadcast<double[]> b = jsc.broadcast(array);
        try {
          ExactVector sum = p.rdd()
              .mapPartitions(it -> {
                long read = System.nanoTime();
                int length = b.value().length;
                reads.add(System.nanoTime() - read);
                return Collections.singletonList(result(length)).iterator();
              })
              .treeAggregate(new ExactVector(), ExactVector::add, ExactVector::merge, p.depth());
          if (sum.toArray().length != n) {
            throw new IllegalStateException("sync: expected " + n + " values");
          }
        } finally {
          b.destroy();
        }
      }
      default -> throw new IllegalArgumentException(p.kind());
    }
    return Bench.seconds(start);
  }

  /**
   * An exact vector sum shaped as the trainer's task results (JobResult's sums): a task's own
   * array travels as plain doubles; where two meet they enter a 128-bit exact sum.
   */
  static final class ExactVector implements Serializable {
    private static final long serialVersionUID = 1L;
    private ExactSum exact;
    private double[] pending;

    ExactVector add(double[] values) {
      if (exact == null && pending == null) {
        pending = values;
      } else {
        settle(values.length).addAll(values);
      }
      return this;
    }

    ExactVector merge(ExactVector other) {
      if (exact == null && pending == null) {
        exact = other.exact;
        pending = other.pending;
      } else if (other.exact != null || other.pending != null) {
        int n = other.exact != null ? other.exact.size() : other.pending.length;
        ExactSum sum = settle(n);
        if (other.exact != null) {
          sum.merge(other.exact);
        }
        if (other.pending != null) {
          sum.addAll(other.pending);
        }
      }
      return this;
    }

    private ExactSum settle(int n) {
      if (exact == null) {
        exact = new ExactSum(n);
      }
      if (pending != null) {
        exact.addAll(pending);
        pending = null;
      }
      return exact;
    }

    double[] toArray() {
      if (exact == null && pending == null) {
        return new double[0];
      }
      return settle(pending != null ? pending.length : exact.size()).toArray(1.0);
    }
  }

  /**
   * The driver's work after a job, without Spark: the weights plus the averaged update, and the
   * optimizer's state set (local steps); the optimizer's float64 step (gradient mode).
   */
  private static Map<String, Object> driverCosts() {
    TrainingConfig config = ComputeLimit.config(HIDDEN);
    NetworkSpec spec = ComputeLimit.spec(HIDDEN);
    Optimizer optimizer = config.optimization().optimizer().create(spec.layout(),
        config.regularization().weightDecay());
    int n = spec.layout().size();
    double[] params = weights(n, 3);
    double[] update = weights(n, 4);
    double[] state = weights(optimizer.stateSize(), 5);
    List<Double> apply = new ArrayList<>();
    List<Double> step = new ArrayList<>();
    for (int rep = 0; rep < 60; rep++) {
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        params[i] += 1e-9 * update[i];
      }
      optimizer.setState(state);
      apply.add(Bench.seconds(start));
      start = System.nanoTime();
      optimizer.step(params, update, 1e-9);
      step.add(Bench.seconds(start));
    }
    // Drop the JIT's first calls.
    double applySeconds = Bench.median(apply.subList(20, apply.size()));
    double stepSeconds = Bench.median(step.subList(20, step.size()));
    return Bench.map("values", n + optimizer.stateSize(), "applySeconds", applySeconds,
        "secondsPerValue", applySeconds / (n + optimizer.stateSize()),
        "optimizerStepFloat64Seconds", stepSeconds);
  }

  /** Thrown by the listener to end a run once its timing is taken. */
  private static final class Enough extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Enough() {
      super("enough", null, false, false);
    }
  }

  /** Today's trainer at sync-period epoch, 10 and 1: training seconds per epoch. */
  private static List<Map<String, Object>> trainerEpochs(JavaSparkContext jsc, Bench.Args args)
      throws Exception {
    DataSet data = Bench.load(args.requireData());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String period : new String[] {"epoch", "10", "1"}) {
      rows.add(trainerEpoch(jsc, data, args.master(), period, args.quick()));
    }
    return rows;
  }

  private static Map<String, Object> trainerEpoch(JavaSparkContext jsc, DataSet data,
      String master, String period, boolean quick) throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("data", data.source());
    Path model = Files.createTempDirectory("harness-scaling-model");
    values.put("model", new File(model.toFile(), "unused").toString());
    values.put("master", master);
    values.put("sync-period", period);
    boolean window = period.equals("1");
    // Epoch-sync: 10 epochs, the last 4 counted. Fresh executor JVMs compile (JIT) about a
    // second of CPU an epoch for their first ~6 such epochs, on the cores the replicas use
    // (measured: executorJvmPerEpoch); the model predicts a warm JVM's epoch.
    int epochs = window ? 1 : period.equals("epoch") ? (quick ? 4 : 10) : (quick ? 2 : 3);
    int firstCounted = period.equals("epoch") ? epochs - (quick ? 1 : 3) : 2;
    values.put("epochs", Integer.toString(epochs));
    TrainingConfig config = TrainingOptions.resolve(Map.of(), values);
    TrainingSetup setup = TrainingSetup.of(config, data);
    int stepsPerEpoch = setup.stepsPerEpoch();
    int from = quick ? 40 : 100;
    int to = quick ? 120 : 300;
    List<Double> trainSeconds = new ArrayList<>();
    TrainingJobTimes times = new TrainingJobTimes();
    jsc.sc().addSparkListener(times);
    // Per epoch: CPU the executor JVMs spent beyond their tasks' (JIT, GC, Spark's threads).
    List<Map<String, Object>> jvmCpu = new ArrayList<>();
    double[][] before = {executorJvmSeconds(jsc, master), {times.allTasksCpuSeconds()}};
    // The trainer's layout, where it reports one (the replica trainer's layout callback); without
    // it, today's trainer: one single-threaded replica per partition.
    int[] layout = {0, 0, 0};
    double[] windowStart = {Double.NaN};
    double[] windowSeconds = {Double.NaN};
    // Each training job's seconds on the driver (broadcast, job, driver's update), in order.
    List<Double> jobSeconds = new ArrayList<>();
    double[] lastProgress = {0};
    TrainingListener listener = new TrainingListener() {
      // Overrides TrainingListener.layout where the trainer has replicas (no @Override: the
      // harness compiles against the trainer before and after them).
      public void layout(int partitions, int replicas, int threadsPerReplica) {
        layout[0] = partitions;
        layout[1] = replicas;
        layout[2] = threadsPerReplica;
      }

      @Override
      public void progress(int epoch, int stepsDone, int stepsTotal, double epochSeconds) {
        jobSeconds.add(epochSeconds - (stepsDone <= stepsPerJob(period, stepsTotal) ? 0
            : lastProgress[0]));
        lastProgress[0] = epochSeconds;
        if (!window) {
          return;
        }
        if (stepsDone == from) {
          windowStart[0] = epochSeconds;
        } else if (stepsDone == to) {
          windowSeconds[0] = epochSeconds - windowStart[0];
          throw new Enough();
        }
      }

      @Override
      public void epochFinished(EpochMetrics m, int totalEpochs) {
        double train = setup.trainCount() / m.examplesPerSecond();
        System.out.println(Bench.format("harness: sync-period %s: epoch %d: train %.2f s",
            period, m.epoch(), train));
        if (m.epoch() >= firstCounted) {
          trainSeconds.add(train);
        }
        if (!window) {
          sleepQuietly(300); // the listener bus is asynchronous
          double[] now = executorJvmSeconds(jsc, master);
          double tasks = times.allTasksCpuSeconds();
          jvmCpu.add(Bench.map("epoch", m.epoch(), "trainSeconds", train,
              "processCpuSeconds", now[0] - before[0][0], "tasksCpuSeconds", tasks - before[1][0],
              "jitSeconds", now[1] - before[0][1], "gcSeconds", now[2] - before[0][2],
              "executorsProbed", now[3]));
          System.out.println("harness: sync-period " + period + ": executor JVMs "
              + jvmCpu.get(jvmCpu.size() - 1));
          before[0] = executorJvmSeconds(jsc, master);
          before[1][0] = times.allTasksCpuSeconds();
        }
      }
    };
    try {
      new SparkTrainer(jsc, listener).train(setup, data);
    } catch (Enough done) {
      // the window is timed
    } finally {
      Files.deleteIfExists(model);
      Thread.sleep(1000); // the listener bus is asynchronous: let the last stages arrive
      jsc.sc().removeSparkListener(times);
    }
    List<Map<String, Object>> stages = times.stages();
    // The jobs the measurement counts: epochs after the first, or the window's jobs.
    int perEpoch = (stepsPerEpoch + stepsPerJob(period, stepsPerEpoch) - 1)
        / stepsPerJob(period, stepsPerEpoch);
    int first = window ? from : (firstCounted - 1) * perEpoch;
    int last = window ? to : Math.min(jobSeconds.size(), stages.size());
    Map<String, Object> breakdown = jobBreakdown(
        stages.subList(Math.min(first, stages.size()), Math.min(last, stages.size())),
        jobSeconds.subList(Math.min(first, jobSeconds.size()), Math.min(last, jobSeconds.size())));
    System.out.println("harness: sync-period " + period + ": training jobs " + breakdown);
    double seconds = window ? windowSeconds[0] / (to - from) * stepsPerEpoch
        : Bench.median(trainSeconds);
    System.out.println(Bench.format("harness: sync-period %s: %.2f s per epoch", period, seconds));
    return Bench.map("syncPeriod", period,
        "partitions", layout[0] > 0 ? layout[0] : jsc.defaultParallelism(),
        "replicas", layout[1] > 0 ? layout[1] : null,
        "threadsPerReplica", layout[2] > 0 ? layout[2] : null,
        "stepsPerEpoch", stepsPerEpoch, "trainSecondsPerEpoch", seconds,
        "how", window ? Bench.format("jobs %d-%d of epoch 1, × %d / %d", from + 1, to,
            stepsPerEpoch, to - from) : "median of epochs " + firstCounted + "-" + epochs,
        "epochSamples", trainSeconds, "jobBreakdown", breakdown, "executorJvmPerEpoch", jvmCpu,
        "loadAverage", Bench.loadAverage());
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The JVMs that run the tasks (the executors; the driver on a local master): process CPU
   * seconds, JIT compilation seconds and GC seconds, summed, and how many JVMs answered.
   */
  private static double[] executorJvmSeconds(JavaSparkContext jsc, String master) {
    if (!master.startsWith("local-cluster")) {
      double[] v = JvmSeconds.now();
      return new double[] {v[0], v[1], v[2], 1};
    }
    int executors = jsc.sc().getExecutorIds().size();
    List<double[]> answers = jsc.parallelize(IntStream.range(0, executors).boxed()
        .collect(Collectors.toList()), executors).mapPartitions(it -> {
          double[] v = JvmSeconds.now();
          double id = Double.parseDouble(org.apache.spark.SparkEnv.get().executorId());
          return Collections.singletonList(new double[] {id, v[0], v[1], v[2]}).iterator();
        }).collect();
    Map<Double, double[]> byExecutor = new TreeMap<>();
    answers.forEach(a -> byExecutor.put(a[0], a));
    double[] sum = new double[4];
    byExecutor.values().forEach(a -> {
      sum[0] += a[1];
      sum[1] += a[2];
      sum[2] += a[3];
    });
    sum[3] = byExecutor.size();
    return sum;
  }

  /** This JVM's process CPU, JIT and GC seconds. */
  static final class JvmSeconds {
    private JvmSeconds() {}

    static double[] now() {
      var os = (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      double gc = 0;
      for (var bean : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
        gc += Math.max(0, bean.getCollectionTime()) / 1e3;
      }
      return new double[] {os.getProcessCpuTime() / 1e9,
          java.lang.management.ManagementFactory.getCompilationMXBean()
              .getTotalCompilationTime() / 1e3, gc};
    }
  }

  private static int stepsPerJob(String period, int stepsPerEpoch) {
    return period.equals("epoch") ? stepsPerEpoch : Integer.parseInt(period);
  }

  /**
   * Medians over the counted training jobs of Spark's view of each (its stage's wall time, the
   * slowest task's run, deserialization, result serialization, GC) and of the driver's seconds
   * per job; the rest of a job on the driver is the broadcast, scheduling and the update.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> jobBreakdown(List<Map<String, Object>> stages,
      List<Double> driverSeconds) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("jobs", driverSeconds.size());
    out.put("stages", stages.size());
    out.put("driverSecondsPerJob", driverSeconds.isEmpty() ? null : Bench.median(driverSeconds));
    for (String key : new String[] {"wallSeconds", "maxRunSeconds", "maxDeserializeSeconds",
        "maxResultSerializationSeconds", "maxGcSeconds", "maxLaunchToFinishSeconds",
        "maxResultFetchSeconds", "cpuSecondsAllTasks"}) {
      List<Double> v = stages.stream().map(st -> num(st, key)).toList();
      out.put(key, v.isEmpty() ? null : Bench.median(v));
    }
    // The slowest task's phases (where the trainer timed them): medians over the jobs.
    List<Map<String, Object>> timed = stages.stream()
        .map(st -> (Map<String, Object>) st.get("slowestTaskPhases"))
        .filter(java.util.Objects::nonNull).toList();
    if (!timed.isEmpty()) {
      Map<String, Object> phases = new LinkedHashMap<>();
      for (String key : timed.get(0).keySet()) {
        phases.put(key, Bench.median(timed.stream().map(ph -> num(ph, key)).toList()));
      }
      out.put("slowestTaskPhases", phases);
    }
    out.put("driverSamples", driverSeconds.size() <= 8 ? driverSeconds : null);
    out.put("stageSamples", stages.size() <= 8 ? stages : null);
    return out;
  }

  // --- report --------------------------------------------------------------------------------

  private static void report(List<String> args) throws Exception {
    Path in = Paths.get("target/bench");
    Path out = null;
    Path predictionLimit = null;
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--in" -> in = Paths.get(args.get(++i));
        case "--out" -> out = Paths.get(args.get(++i));
        case "--prediction-limit" -> predictionLimit = Paths.get(args.get(++i));
        default -> throw new IllegalArgumentException("scaling report: expected --in DIR,"
            + " --out DIR or --prediction-limit FILE; found '" + args.get(i) + "'");
      }
    }
    out = out == null ? in : out;
    Map<String, Object> limit = read(in.resolve("limit.json"));
    List<Map<String, Object>> masters = new ArrayList<>();
    try (var files = Files.list(in)) {
      for (Path f : files.filter(p -> p.getFileName().toString().matches("scaling-.+\\.json"))
          .sorted(ScalingRuns::byMaster).toList()) {
        masters.add(read(f));
      }
    }
    if (masters.isEmpty()) {
      throw new IllegalArgumentException(in + ": expected scaling-MASTER.json files from"
          + " 'scaling measure'; found none");
    }
    Compute compute = Compute.of(limit);
    List<Map<String, Object>> fits = new ArrayList<>();
    List<Map<String, Object>> validation = new ArrayList<>();
    List<Map<String, Object>> calibrations = new ArrayList<>();
    // The epochs are checked with the compute rates measured just before them; the two-core
    // efficiency is the machine's (memory bandwidth), so it is the median of this run's
    // measurements of it (the limit part and every master's calibration): one measurement
    // moved 0.48-0.97 with the shared machine's other load.
    Map<String, Compute> beforeEpochs = new LinkedHashMap<>();
    List<Double> efficiencies = new ArrayList<>(List.of(compute.efficiency()));
    for (Map<String, Object> m : masters) {
      Path calibration = in.resolve("limit-" + label((String) m.get("master")))
          .resolve("limit.json");
      Compute local = Files.isRegularFile(calibration) ? Compute.of(read(calibration)) : compute;
      beforeEpochs.put((String) m.get("master"), local);
      efficiencies.add(local.efficiency());
    }
    double efficiency = Bench.median(efficiencies);
    for (Map<String, Object> m : masters) {
      CostModel.Constants c = fit(compute, m, masters);
      fits.add(constantsRow((String) m.get("master"), c));
      Compute measured = beforeEpochs.get((String) m.get("master"));
      // The rates where the replicas ran (the slowest executor's), where measured.
      Compute local = measured.onExecutors(m).withEfficiency(efficiency);
      calibrations.add(Bench.map("master", m.get("master"), "compute", local.toMap(),
          "twoCoreEfficiencyMeasuredHere", measured.efficiency()));
      validation.addAll(validate(fit(local, m, masters), m));
    }
    // The predictions: the last local-cluster master's Spark constants and the quiet compute.
    Map<String, Object> source = masters.stream()
        .filter(m -> ((String) m.get("master")).startsWith("local-cluster"))
        .reduce((a, b) -> b).orElse(masters.get(0));
    String clusterSource = (String) source.get("master");
    // A limit measured on a quiet machine (results.json's computeLimit, or a limit.json) gives
    // the predictions' compute when given; else this run's limit, its best loops.
    Compute quiet = predictionLimit == null ? compute.quiet()
        : Compute.of(limitOf(read(predictionLimit))).quiet();
    CostModel.Constants clusterConstants = fit(quiet, source, masters);
    List<Map<String, Object>> predictions = new ArrayList<>();
    List<Map<String, Object>> growingBatch = new ArrayList<>();
    // What-if: every per-byte cost of a sync ten times lower (float32 updates, merges on the
    // executors, a quiet machine), the fixed costs as measured.
    CostModel.Constants cheapBytes = perByteDividedBy(clusterConstants, CHEAPER_BYTES);
    List<Map<String, Object>> cheap = new ArrayList<>();
    List<Map<String, Object>> cheapGrowing = new ArrayList<>();
    for (long examples : new long[] {60_000, 8_100_000}) {
      for (int e : EXECUTORS) {
        predictions.add(predict(clusterConstants, examples, e, false));
        growingBatch.add(predict(clusterConstants, examples, e, true));
        cheap.add(predict(cheapBytes, examples, e, false));
        cheapGrowing.add(predict(cheapBytes, examples, e, true));
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("compute", compute.toMap());
    result.put("computeForPredictions", quiet.toMap());
    result.put("computeForPredictionsFrom",
        predictionLimit == null ? in.resolve("limit.json").toString() : predictionLimit.toString());
    result.put("constants", fits);
    result.put("computeBeforeEachMastersEpochs", calibrations);
    result.put("validation", validation);
    result.put("predictionConstants", clusterSource);
    result.put("predictionNetworkGbits", NETWORK_GBITS);
    result.put("predictionCoresPerExecutor", CORES_PER_EXECUTOR);
    result.put("accuracyRule", "per-replica batch >= " + MIN_REPLICA_BATCH
        + " and replicas x steps between syncs <= " + MAX_REPLICA_STEPS);
    result.put("predictions", predictions);
    result.put("stopsPaying", stopsPaying(predictions));
    result.put("predictionsBatchPerReplica", growingBatch);
    result.put("stopsPayingBatchPerReplica", stopsPaying(growingBatch));
    result.put("whatIfPerByteCostsDividedBy", CHEAPER_BYTES);
    result.put("whatIfPredictions", cheap);
    result.put("whatIfPredictionsBatchPerReplica", cheapGrowing);
    Bench.write(out.resolve("scaling.json"), result);
    String md = markdown(compute, quiet, (String) result.get("computeForPredictionsFrom"),
        calibrations, fits, validation, clusterSource, predictions, growingBatch, cheap,
        cheapGrowing);
    md = md.replace("\n## Predictions:", evidence(masters, validation) + "\n## Predictions:");
    Files.writeString(out.resolve("scaling.md"), md, StandardCharsets.UTF_8);
    System.out.println("harness: wrote " + out.resolve("scaling.md"));
    System.out.print(md);
  }

  /**
   * The measurements behind the model's terms, per master: where the trainer's counted jobs
   * spend their time (Spark's task metrics), the executor JVMs' JIT per epoch-sync epoch, and a
   * whole sync probe against the sum of its parts.
   */
  @SuppressWarnings("unchecked")
  private static String evidence(List<Map<String, Object>> masters,
      List<Map<String, Object>> validation) {
    StringBuilder md = new StringBuilder();
    md.append("\n## Where the trainer's counted jobs spend their time (Spark's task metrics)\n\n"
        + "Medians over the counted jobs. On the driver: from the job's dispatch (broadcast made)"
        + " to its update applied. Stage: submission to completion. Slowest task: its run"
        + " (reading the broadcast, the replica's steps), its deserialization and GC. Model:"
        + " predicted compute and per-sync cost of one job.\n\n"
        + "| master | sync-period | on the driver | stage | slowest task's run | task"
        + " deserialization | GC | driver − slowest run | model: compute + per sync |\n"
        + "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> m : masters) {
      for (Map<String, Object> t : (List<Map<String, Object>>) m.get("trainer")) {
        Map<String, Object> b = (Map<String, Object>) t.get("jobBreakdown");
        if (b == null || b.get("driverSecondsPerJob") == null || b.get("maxRunSeconds") == null) {
          continue;
        }
        Map<String, Object> v = validation.stream()
            .filter(r -> r.get("master").equals(m.get("master"))
                && r.get("syncPeriod").equals(t.get("syncPeriod"))).findFirst().orElse(null);
        String model = v == null ? "–" : Bench.format("%.1f + %.1f ms",
            1e3 * num(v, "predictedCompute") / num(v, "syncs"), 1e3 * num(v, "predictedPerSync"));
        md.append(Bench.format("| %s | %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms |"
                + " %.1f ms | %s |%n", m.get("master"), t.get("syncPeriod"),
            1e3 * num(b, "driverSecondsPerJob"), 1e3 * num(b, "wallSeconds"),
            1e3 * num(b, "maxRunSeconds"), 1e3 * num(b, "maxDeserializeSeconds"),
            1e3 * num(b, "maxGcSeconds"),
            1e3 * (num(b, "driverSecondsPerJob") - num(b, "maxRunSeconds")), model));
      }
    }
    md.append("\n## Inside the slowest task: its phases (TaskPhases), against the model\n\n"
        + "Medians over the counted jobs of the slowest task's phases, timed in the task"
        + " (`spark.sparkgrad.taskPhases`): its cached blocks listed, the broadcast read (the"
        + " probe task's read of the same bytes beside it), the replica made, its epoch order,"
        + " its steps (the model's compute per job beside it, at the executors' rates), its"
        + " result assembled, and its run beyond them (Spark's fold of the result).\n\n"
        + "| master | sync-period | blocks | broadcast read (probe's) | create | order | steps"
        + " (model) | assemble | beyond | model: set-up + read beyond the probe's |\n"
        + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> m : masters) {
      int parameters = (int) num(m, "parameters");
      for (Map<String, Object> t : (List<Map<String, Object>>) m.get("trainer")) {
        Map<String, Object> b = (Map<String, Object>) t.get("jobBreakdown");
        Map<String, Object> ph = b == null ? null : (Map<String, Object>) b.get("slowestTaskPhases");
        if (ph == null) {
          continue;
        }
        Map<String, Object> v = validation.stream()
            .filter(r -> r.get("master").equals(m.get("master"))
                && r.get("syncPeriod").equals(t.get("syncPeriod"))).findFirst().orElse(null);
        Double probe = probeRead(m, "1".equals(t.get("syncPeriod")) ? parameters : 3 * parameters);
        md.append(Bench.format("| %s | %s | %.1f ms | %.1f ms (%s) | %.1f ms | %.1f ms |"
                + " %.1f ms (%s) | %.1f ms | %.1f ms | %s |%n", m.get("master"), t.get("syncPeriod"),
            1e3 * phase(ph, "blocks"), 1e3 * phase(ph, "read_weights"),
            probe == null ? "–" : Bench.format("%.1f ms", 1e3 * probe),
            1e3 * phase(ph, "create"), 1e3 * phase(ph, "order"), 1e3 * phase(ph, "steps"),
            v == null ? "–" : Bench.format("%.1f ms", 1e3 * num(v, "predictedCompute")
                / num(v, "syncs")),
            1e3 * phase(ph, "assemble"), 1e3 * phase(ph, "runBeyondPhases"),
            v == null ? "–" : Bench.format("%.1f + %.1f ms", 1e3 * num(v, "predictedTaskSetupPerSync"),
                1e3 * num(v, "predictedTaskReadPerSync"))));
      }
    }
    md.append("\n## The executors' step rate against the driver's\n\n"
        + "The limit part's step breakdown (≈64 rows, one thread) timed inside a task on each"
        + " executor, one executor at a time, right after the trainer's epochs; the check uses"
        + " the slowest executor's rates. The driver's: the same, just before the epochs.\n\n"
        + "| master | executor | µs a step | gather | forward+backward | Adam step |\n"
        + "|---|---|---:|---:|---:|---:|\n");
    for (Map<String, Object> m : masters) {
      List<Map<String, Object>> rows = (List<Map<String, Object>>) m.get("executorCompute");
      if (rows == null) {
        continue;
      }
      for (Map<String, Object> r : rows) {
        Map<String, Object> ph = (Map<String, Object>) r.get("phases");
        md.append(Bench.format("| %s | %s | %.0f | %.0f | %.0f | %.0f |%n", m.get("master"),
            r.get("executor"), num(r, "microsPerStep"),
            num((Map<String, Object>) ph.get("gather"), "microsPerStep"),
            num((Map<String, Object>) ph.get("forwardBackward"), "microsPerStep"),
            num((Map<String, Object>) ph.get("optimizerStep"), "microsPerStep")));
      }
    }
    md.append("\n## The JVMs that run the tasks, per epoch-sync epoch\n\n"
        + "Seconds of JIT compilation, and process CPU beyond the tasks' own CPU (JIT, GC,"
        + " Spark's threads; the tasks' CPU from Spark's metrics, training and evaluation), in"
        + " the executors (local[2]: the driver, warmed by the compute calibration). Epochs whose"
        + " training seconds the check counts are marked *.\n\n"
        + "| master | | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 |\n"
        + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> m : masters) {
      for (Map<String, Object> t : (List<Map<String, Object>>) m.get("trainer")) {
        List<Map<String, Object>> jvm = (List<Map<String, Object>>) t.get("executorJvmPerEpoch");
        if (!"epoch".equals(t.get("syncPeriod")) || jvm == null || jvm.isEmpty()) {
          continue;
        }
        int counted = ((List<?>) t.get("epochSamples")).size();
        StringBuilder train = new StringBuilder("| " + m.get("master") + " | training s |");
        StringBuilder jit = new StringBuilder("| | JIT s |");
        StringBuilder other = new StringBuilder("| | other CPU s |");
        for (int i = 0; i < jvm.size(); i++) {
          Map<String, Object> e = jvm.get(i);
          train.append(Bench.format(" %.2f%s |", num(e, "trainSeconds"),
              i >= jvm.size() - counted ? "*" : ""));
          jit.append(Bench.format(" %.2f |", num(e, "jitSeconds")));
          other.append(Bench.format(" %.2f |",
              num(e, "processCpuSeconds") - num(e, "tasksCpuSeconds")));
        }
        md.append(train).append("\n").append(jit).append("\n").append(other).append("\n");
      }
    }
    md.append("\n## A whole sync against the sum of its parts (probes)\n\n"
        + "Extra seconds over the empty job of the trainer's task count: a fresh broadcast alone,"
        + " the tree aggregation alone, their sum, and one job doing both (the trainer's"
        + " shape).\n\n| master | MB out and back | broadcast | aggregate | sum | both in one job"
        + " |\n|---|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> m : masters) {
      int tasks = (int) num(m, "trainerTasks");
      int parameters = (int) num(m, "parameters");
      double job = jobMedian(m, "job", tasks, 0, 0);
      for (int n : new int[] {parameters, 3 * parameters}) {
        boolean hasSync = jobs(m).stream().anyMatch(r -> "sync".equals(r.get("kind")));
        if (!hasSync) {
          continue;
        }
        double bcast = jobMedian(m, "broadcast", tasks, n, 0) - job;
        double agg = jobMedian(m, "aggregate", tasks, n, 2) - job;
        double both = jobMedian(m, "sync", tasks, n, 2) - job;
        md.append(Bench.format("| %s | %.1f | %.1f ms | %.1f ms | %.1f ms | %.1f ms |%n",
            m.get("master"), 8e-6 * n, 1e3 * bcast, 1e3 * agg, 1e3 * (bcast + agg), 1e3 * both));
      }
    }
    return md.toString();
  }

  private static CostModel.Constants perByteDividedBy(CostModel.Constants c, double f) {
    return new CostModel.Constants(c.flopsPerRow(), c.parameters(), c.stateValues(), c.gflops(),
        c.gflops128(), c.optimizerSeconds(), c.gatherSecondsPerRow(), c.efficiency(), c.jobA(),
        c.jobB(), c.bcastC0(), c.bcastC1() / f, c.bcastC2() / f, c.aggFixed(), c.aggM() / f,
        c.aggStage() / f, c.driverSecondsPerValue(), c.driverOptimizerSeconds(), c.setupFixed(),
        c.setupPerByte() / f, c.readPerByte() / f, c.orderPerExample(), c.firstJobFixed(),
        c.backgroundCpu(), c.coldJob(), c.coldStep());
  }

  /** A limit part's JSON, alone or as the harness report's computeLimit. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> limitOf(Map<String, Object> json) {
    return json.containsKey("computeLimit") ? (Map<String, Object>) json.get("computeLimit") : json;
  }

  /** local[N] first, then local-cluster by executor count. */
  private static int byMaster(Path a, Path b) {
    return Integer.compare(order(a), order(b));
  }

  private static int order(Path p) {
    String name = p.getFileName().toString();
    String digits = name.replaceAll("\\D+", " ").trim().split(" ")[0];
    return (name.contains("cluster") ? 1000 : 0) + (digits.isEmpty() ? 0 : Integer.parseInt(digits));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> read(Path file) throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": expected the JSON of a harness part; not found");
    }
    return Bench.JSON.readValue(file.toFile(), Map.class);
  }

  /** The compute constants from the limit part (H 256, native BLAS, float32). */
  record Compute(double flopsPerRow, int parameters, double gflops64Best, double gflops64Median,
      double gflops128Best, double gflops128Median, double loopGflops, double optimizerSeconds,
      double gatherSecondsPerRow, double efficiency, double bestTwoCoreEfficiency, String blas) {
    /**
     * The rates of a core with no other load: the best loop's GFLOPS (as ComputeLimit's limit),
     * the optimizer step and the gather slowed no more than the GEMMs were, and both cores'
     * efficiency from their best loops.
     */
    Compute quiet() {
      double slowed = Math.min(1.0, loopGflops / gflops64Best);
      return new Compute(flopsPerRow, parameters, gflops64Best, gflops64Median, gflops128Best,
          gflops128Median, gflops64Best, optimizerSeconds * slowed, gatherSecondsPerRow * slowed,
          bestTwoCoreEfficiency, bestTwoCoreEfficiency, blas);
    }

    @SuppressWarnings("unchecked")
    static Compute of(Map<String, Object> limit) {
      Map<String, Object> r64 = null;
      Map<String, Object> r128 = null;
      for (Map<String, Object> row : (List<Map<String, Object>>) limit.get("gemm")) {
        if ("auto".equals(row.get("blas")) && num(row, "hidden") == HIDDEN) {
          if (num(row, "rows") == 64) {
            r64 = row;
          } else if (num(row, "rows") == 128) {
            r128 = row;
          }
        }
      }
      Map<String, Object> breakdown = ((List<Map<String, Object>>) limit.get("stepBreakdown"))
          .stream().filter(r -> num(r, "hidden") == HIDDEN).findFirst().orElseThrow(
              () -> new IllegalArgumentException("limit.json: no step breakdown at H " + HIDDEN));
      // Two single-threaded workers at once (where the harness also has one replica on two
      // threads, its two-replica row).
      Map<String, Object> worker = ((List<Map<String, Object>>) limit.get("worker")).stream()
          .filter(r -> num(r, "hidden") == HIDDEN && "auto".equals(r.get("blas")))
          .filter(r -> !r.containsKey("replicas") || num(r, "replicas") == 2).findFirst()
          .orElse(null);
      if (r64 == null || r128 == null) {
        throw new IllegalArgumentException("limit.json: no native GEMM rows at H " + HIDDEN);
      }
      Map<String, Object> phases = (Map<String, Object>) breakdown.get("phases");
      double rows = num(breakdown, "meanRowsPerStep");
      double flopsPerRow = num(r64, "flopsPerStep") / 64;
      double fb = num((Map<String, Object>) phases.get("forwardBackward"), "microsPerStep") / 1e6;
      double opt = num((Map<String, Object>) phases.get("optimizerStep"), "microsPerStep") / 1e6;
      double gather = num((Map<String, Object>) phases.get("gather"), "microsPerStep") / 1e6;
      // Both partitions at once on two threads against one partition alone.
      // (Without that row, the quick set: both cores' GEMMs at once against one core's.)
      Map<String, Object> two = ((List<Map<String, Object>>) limit.get("gemmTwoThreads"))
          .stream().filter(r -> num(r, "hidden") == HIDDEN).findFirst().orElseThrow();
      double bestTwo = Math.min(1.0,
          num(two, "gemmGflopsBothThreads") / (2 * num(r64, "gemmGflops1Thread")));
      // Paired and interleaved, like for like (ComputeLimit.twoCoreEfficiency), where measured;
      // else the worker rows (two replicas at once against the step breakdown's one), else
      // the GEMMs'.
      Map<String, Object> paired = (Map<String, Object>) limit.get("twoCoreEfficiency");
      double efficiency = paired != null ? num(paired, "efficiency")
          : worker != null
              ? Math.min(1.0, num(breakdown, "epochSecondsOneTask") / num(worker, "epochSeconds"))
              : bestTwo;
      return new Compute(flopsPerRow, (int) num(breakdown, "parameters"),
          num(r64, "passGflops1Thread"), num(r64, "passGflops1ThreadMedian"),
          num(r128, "passGflops1Thread"), num(r128, "passGflops1ThreadMedian"),
          flopsPerRow * rows / fb / 1e9, opt, gather / rows, efficiency, bestTwo,
          (String) r64.get("implementation"));
    }

    /**
     * These rates with the loop's GFLOPS, Adam step and gather of the slowest executor's step
     * breakdown ({@code executorCompute}: timed inside a task where the replicas ran), where the
     * master has one; else these.
     */
    @SuppressWarnings("unchecked")
    Compute onExecutors(Map<String, Object> master) {
      List<Map<String, Object>> rows = (List<Map<String, Object>>) master.get("executorCompute");
      if (rows == null || rows.isEmpty()) {
        return this;
      }
      Map<String, Object> slowest = rows.stream()
          .max(java.util.Comparator.comparingDouble(r -> num(r, "microsPerStep"))).orElseThrow();
      Map<String, Object> phases = (Map<String, Object>) slowest.get("phases");
      double rows64 = num(slowest, "meanRowsPerStep");
      double fb = num((Map<String, Object>) phases.get("forwardBackward"), "microsPerStep") / 1e6;
      double opt = num((Map<String, Object>) phases.get("optimizerStep"), "microsPerStep") / 1e6;
      double gather = num((Map<String, Object>) phases.get("gather"), "microsPerStep") / 1e6;
      return new Compute(flopsPerRow, parameters, gflops64Best, gflops64Median, gflops128Best,
          gflops128Median, flopsPerRow * rows64 / fb / 1e9, opt, gather / rows64, efficiency,
          bestTwoCoreEfficiency, blas);
    }

    Compute withEfficiency(double e) {
      return new Compute(flopsPerRow, parameters, gflops64Best, gflops64Median, gflops128Best,
          gflops128Median, loopGflops, optimizerSeconds, gatherSecondsPerRow, e,
          bestTwoCoreEfficiency, blas);
    }

    Map<String, Object> toMap() {
      return Bench.map("blas", blas, "flopsPerRow", flopsPerRow, "parameters", parameters,
          "passGflopsPerCore64RowsBest", gflops64Best,
          "passGflopsPerCore64RowsMedian", gflops64Median,
          "passGflopsPerCore128RowsBest", gflops128Best,
          "passGflopsPerCore128RowsMedian", gflops128Median,
          "trainingLoopGflopsPerCore", loopGflops, "optimizerStepSeconds", optimizerSeconds,
          "gatherSecondsPerRow", gatherSecondsPerRow, "twoCoreEfficiency", efficiency,
          "twoCoreEfficiencyBestLoops", bestTwoCoreEfficiency);
    }
  }

  /** A timed task phase's seconds; 0 for a phase this run's trainer did not time. */
  private static double phase(Map<String, Object> phases, String key) {
    return phases.get(key) == null ? 0 : num(phases, key);
  }

  private static double num(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(key + ": expected a number; found " + v);
    }
    return n.doubleValue();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> jobs(Map<String, Object> m) {
    return (List<Map<String, Object>>) m.get("jobs");
  }

  private static double jobMedian(Map<String, Object> m, String kind, int tasks, int values,
      int depth) {
    return jobs(m).stream().filter(r -> kind.equals(r.get("kind")) && num(r, "tasks") == tasks
        && num(r, "values") == values && num(r, "depth") == depth).findFirst()
        .map(r -> num(r, "medianSeconds")).orElseThrow(() -> new IllegalArgumentException(
            m.get("master") + ": no " + kind + " job at " + tasks + " tasks, " + values
                + " values, depth " + depth));
  }

  /**
   * The constants of one master. Job: least squares of the empty jobs' medians on 1 and the task
   * count. Broadcast: its extra seconds over the empty job at 1× and 3× the parameters; on
   * local-cluster fitted over all the local-cluster masters measured (c0 + S·c1 +
   * S·⌈log2(E+1)⌉·c2); locally a line in S. Aggregate: the extra seconds of the runs without an
   * intermediate level give a fixed cost and the per-byte cost m (all results into the driver);
   * the 16-task depth-2 runs, less what those give them, are the cost of their one shuffle level
   * per byte a receiver takes in.
   */
  private static CostModel.Constants fit(Compute compute, Map<String, Object> m,
      List<Map<String, Object>> all) {
    List<double[]> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (Map<String, Object> r : jobs(m)) {
      if ("job".equals(r.get("kind"))) {
        x.add(new double[] {1, num(r, "tasks")});
        y.add(num(r, "medianSeconds"));
      }
    }
    double[] job = CostModel.nonNegativeLeastSquares(x.toArray(new double[0][]),
        y.stream().mapToDouble(Double::doubleValue).toArray());
    int parameters = (int) num(m, "parameters");
    int tasks = (int) num(m, "trainerTasks");
    boolean cluster = ((String) m.get("master")).startsWith("local-cluster");
    double[] bcast;
    if (cluster) {
      List<double[]> bx = new ArrayList<>();
      List<Double> by = new ArrayList<>();
      for (Map<String, Object> o : all) {
        if (((String) o.get("master")).startsWith("local-cluster")) {
          int e = (int) num(o, "executors");
          int t = (int) num(o, "trainerTasks");
          for (int n : new int[] {parameters, 3 * parameters}) {
            double s = 8.0 * n;
            bx.add(new double[] {1, s, s * CostModel.log2Ceil(e + 1)});
            by.add(jobMedian(o, "broadcast", t, n, 0) - jobMedian(o, "job", t, 0, 0));
          }
        }
      }
      bcast = bx.size() >= 3 && distinctExecutors(all) >= 2
          ? CostModel.nonNegativeLeastSquares(bx.toArray(new double[0][]),
              by.stream().mapToDouble(Double::doubleValue).toArray())
          : line(bx, by);
    } else {
      List<double[]> bx = new ArrayList<>();
      List<Double> by = new ArrayList<>();
      for (int n : new int[] {parameters, 3 * parameters}) {
        bx.add(new double[] {1, 8.0 * n, 0});
        by.add(jobMedian(m, "broadcast", tasks, n, 0) - jobMedian(m, "job", tasks, 0, 0));
      }
      bcast = line(bx, by);
    }
    // No intermediate level (the trainer's task count at depth 2, 16 tasks at depth 1): every
    // task's result into the driver. Least squares of the extra seconds over the empty job on
    // 1 and tasks × bytes.
    List<double[]> ax = new ArrayList<>();
    List<Double> ay = new ArrayList<>();
    for (int[] td : new int[][] {{tasks, 2}, {TREE_TASKS, 1}}) {
      for (int n : new int[] {parameters, 3 * parameters}) {
        ax.add(new double[] {1, td[0] * 8.0 * n});
        ay.add(jobMedian(m, "aggregate", td[0], n, td[1]) - jobMedian(m, "job", td[0], 0, 0));
      }
    }
    double[] agg = CostModel.nonNegativeLeastSquares(ax.toArray(new double[0][]),
        ay.stream().mapToDouble(Double::doubleValue).toArray());
    double aggFixed = agg[0];
    double perByte = agg[1];
    // 16 tasks at depth 2: one intermediate level (16 → 4, a shuffle through files); what the
    // direct path does not explain is the level's cost per byte a receiver takes in.
    CostModel.Constants direct = constants(compute, m, job, bcast, aggFixed, perByte, 0);
    CostModel.Cluster here = CostModel.Cluster.onOneMachine(1, 1, 1);
    double fanIn = Math.ceil((double) TREE_TASKS / CostModel.treeLevels(TREE_TASKS, 2).get(0));
    double sxx = 0;
    double sxy = 0;
    for (int n : new int[] {parameters, 3 * parameters}) {
      double extra = jobMedian(m, "aggregate", TREE_TASKS, n, 2)
          - jobMedian(m, "job", TREE_TASKS, 0, 0)
          - CostModel.aggregate(direct, here, 8.0 * n, TREE_TASKS, 2);
      double bytes = fanIn * 8.0 * n;
      sxx += bytes * bytes;
      sxy += bytes * extra;
    }
    double stage = Math.max(0, sxy / sxx);
    return constants(compute, m, job, bcast, aggFixed, perByte, stage);
  }

  private static long distinctExecutors(List<Map<String, Object>> all) {
    return all.stream().filter(o -> ((String) o.get("master")).startsWith("local-cluster"))
        .map(o -> num(o, "executors")).distinct().count();
  }

  /** c0 + S·c1, both ≥ 0 (c2 = 0). */
  private static double[] line(List<double[]> x, List<Double> y) {
    double[][] xs = x.stream().map(r -> new double[] {1, r[1]}).toArray(double[][]::new);
    double[] b = CostModel.nonNegativeLeastSquares(xs,
        y.stream().mapToDouble(Double::doubleValue).toArray());
    return new double[] {b[0], b[1], 0};
  }

  @SuppressWarnings("unchecked")
  private static CostModel.Constants constants(Compute compute, Map<String, Object> m,
      double[] job, double[] bcast, double aggFixed, double perByte, double stage) {
    Map<String, Object> driver = (Map<String, Object>) m.get("driver");
    int parameters = (int) num(m, "parameters");
    int stateValues = (int) num(driver, "values") - parameters;
    double[] task = taskCosts(m);
    return new CostModel.Constants(compute.flopsPerRow(), parameters, stateValues,
        compute.loopGflops(), compute.gflops128Median(), compute.optimizerSeconds(),
        compute.gatherSecondsPerRow(), compute.efficiency(), job[0], job[1], bcast[0],
        bcast[1], bcast[2], aggFixed, perByte, stage, num(driver, "secondsPerValue"),
        num(driver, "optimizerStepFloat64Seconds"), 0, 0, 0, 0, 0, 0, 0, 0)
        .withTaskCosts(task[0], task[1], task[2], task[3], task[4], backgroundCpu(m))
        .withColdSteps(coldSteps(m, 10), coldSteps(m, 1));
  }

  /**
   * The replica tasks' own costs {s0, s1, r, o, f} (CostModel.Constants) from the trainer's
   * timed phases (the slowest task of each counted job, medians; TaskPhases) and the broadcast
   * probe's timed reads. Set-up s0 + S·s1: least squares (non-negative) over sync-periods 10
   * and 1 (S = weights and Adam state; weights only) of the task's time beside its broadcast
   * read and its steps. Read r: least squares through 0 over every period of the trainer task's
   * read beyond the probe task's at the same bytes. Order o: the epoch-sync job's order phase
   * per example of the replica's share. First job f: the epoch-sync job's set-up beyond
   * s0 + S·s1. Zeros where the trainer did not time its phases.
   */
  @SuppressWarnings("unchecked")
  static double[] taskCosts(Map<String, Object> m) {
    Map<String, Object> driver = (Map<String, Object>) m.get("driver");
    int parameters = (int) num(m, "parameters");
    int values = driver == null ? 3 * parameters : (int) num(driver, "values");
    List<double[]> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    double sxx = 0;
    double sxy = 0;
    Map<String, Object> epochPhases = null;
    int replicas = 1;
    for (Map<String, Object> t : (List<Map<String, Object>>) m.get("trainer")) {
      Map<String, Object> b = (Map<String, Object>) t.get("jobBreakdown");
      Map<String, Object> ph = b == null ? null : (Map<String, Object>) b.get("slowestTaskPhases");
      if (ph == null) {
        continue;
      }
      boolean weightsOnly = "1".equals(t.get("syncPeriod"));
      double bytes = 8.0 * (weightsOnly ? parameters : values);
      Double probeRead = probeRead(m, weightsOnly ? parameters : 3 * parameters);
      if (probeRead != null) {
        sxx += bytes * bytes;
        sxy += bytes * (phase(ph, "read_weights") - probeRead);
      }
      if ("epoch".equals(t.get("syncPeriod"))) {
        epochPhases = ph;
        replicas = t.get("replicas") != null ? (int) num(t, "replicas") : (int) num(t, "partitions");
      } else {
        x.add(new double[] {1, bytes});
        y.add(setupSeconds(ph));
      }
    }
    double[] setup = x.stream().map(r -> r[1]).distinct().count() < 2 ? new double[] {0, 0}
        : CostModel.nonNegativeLeastSquares(x.toArray(new double[0][]),
            y.stream().mapToDouble(Double::doubleValue).toArray());
    double read = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
    double order = 0;
    double firstJob = 0;
    if (epochPhases != null) {
      order = phase(epochPhases, "order") / Math.ceil(60_000.0 / replicas);
      firstJob = Math.max(0, setupSeconds(epochPhases) - setup[0] - 8.0 * values * setup[1]);
    }
    return new double[] {setup[0], setup[1], read, order, firstJob};
  }

  /**
   * CPU seconds per epoch-sync epoch that the JVMs running the tasks spent beyond the tasks'
   * own (JIT, GC, Spark's threads): while the epoch's job ran (timed by its tasks, the median of
   * the counted jobs), else over the whole epoch (evaluation included: an upper bound), the
   * median over the counted epochs; 0 where not measured.
   */
  @SuppressWarnings("unchecked")
  static double backgroundCpu(Map<String, Object> m) {
    for (Map<String, Object> t : (List<Map<String, Object>>) m.get("trainer")) {
      // Where the tasks timed it: only the CPU spent while the epoch's one job ran.
      Map<String, Object> b = (Map<String, Object>) t.get("jobBreakdown");
      Map<String, Object> ph = b == null ? null : (Map<String, Object>) b.get("slowestTaskPhases");
      if ("epoch".equals(t.get("syncPeriod")) && ph != null
          && ph.get("otherCpuDuringTasks") != null) {
        return num(ph, "otherCpuDuringTasks");
      }
    }
    for (Map<String, Object> t : (List<Map<String, Object>>) m.get("trainer")) {
      List<Map<String, Object>> jvm = (List<Map<String, Object>>) t.get("executorJvmPerEpoch");
      if (!"epoch".equals(t.get("syncPeriod")) || jvm == null || jvm.isEmpty()) {
        continue;
      }
      int counted = Math.min(jvm.size(), ((List<?>) t.get("epochSamples")).size());
      List<Double> other = jvm.subList(jvm.size() - counted, jvm.size()).stream()
          .map(e -> Math.max(0, num(e, "processCpuSeconds") - num(e, "tasksCpuSeconds")))
          .toList();
      return other.isEmpty() ? 0 : Bench.median(other);
    }
    return 0;
  }

  /**
   * What a short job of {@code steps} steps costs beyond a long loop's on the executors (the
   * executor probe's {@code shortJobs}, the largest over the executors); 0 where not measured.
   */
  @SuppressWarnings("unchecked")
  static double coldSteps(Map<String, Object> m, int steps) {
    List<Map<String, Object>> rows = (List<Map<String, Object>>) m.get("executorCompute");
    double worst = 0;
    for (Map<String, Object> r : rows == null ? List.<Map<String, Object>>of() : rows) {
      for (Map<String, Object> j : (List<Map<String, Object>>) r.getOrDefault("shortJobs",
          List.of())) {
        if (num(j, "stepsPerJob") == steps) {
          worst = Math.max(worst, num(j, "excessSecondsPerJob"));
        }
      }
    }
    return worst;
  }

  /** The broadcast probe's median read in its slowest task at {@code n} values, if timed. */
  private static Double probeRead(Map<String, Object> m, int n) {
    for (Map<String, Object> r : jobs(m)) {
      if ("broadcast".equals(r.get("kind")) && num(r, "values") == n
          && r.get("medianTaskReadSeconds") != null) {
        return num(r, "medianTaskReadSeconds");
      }
    }
    return null;
  }

  /**
   * The set-up part of a task's timed phases: all but the broadcast's read, the epoch order
   * (once an epoch: CostModel's start) and the steps.
   */
  static double setupSeconds(Map<String, Object> phases) {
    return phase(phases, "blocks") + phase(phases, "create") + phase(phases, "assemble")
        + Math.max(0, phase(phases, "runBeyondPhases"));
  }

  private static Map<String, Object> constantsRow(String master, CostModel.Constants c) {
    return Bench.map("master", master, "jobFixedSeconds", c.jobA(), "jobSecondsPerTask", c.jobB(),
        "broadcastFixedSeconds", c.bcastC0(), "broadcastSecondsPerByte", c.bcastC1(),
        "broadcastSecondsPerBytePerRound", c.bcastC2(), "aggregateFixedSeconds", c.aggFixed(),
        "aggregateSecondsPerByte", c.aggM(),
        "aggregateLevelSecondsPerByte", c.aggStage(), "driverSecondsPerValue", c.driverSecondsPerValue(),
        "driverOptimizerStepSeconds", c.driverOptimizerSeconds(),
        "taskSetupFixedSeconds", c.setupFixed(), "taskSetupSecondsPerByte", c.setupPerByte(),
        "taskReadBeyondProbeSecondsPerByte", c.readPerByte(),
        "epochOrderSecondsPerExample", c.orderPerExample(),
        "firstJobFixedSeconds", c.firstJobFixed(), "backgroundCpuSecondsPerEpoch", c.backgroundCpu(),
        "coldJobSeconds", c.coldJob(), "coldStepJobSeconds", c.coldStep(),
        "trainingLoopGflopsPerCore", c.gflops(), "optimizerStepSeconds", c.optimizerSeconds(),
        "twoCoreEfficiency", c.efficiency());
  }

  /** The model's prediction of each measured epoch of today's trainer on this master. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> validate(CostModel.Constants c, Map<String, Object> m) {
    String master = (String) m.get("master");
    int executors = Math.max(1, (int) num(m, "executors"));
    int cores = (int) num(m, "coresPerExecutor");
    CostModel.Cluster cluster = CostModel.Cluster.onOneMachine(executors, cores,
        (int) num(m, "physicalCores"));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map<String, Object> t : (List<Map<String, Object>>) m.get("trainer")) {
      String period = (String) t.get("syncPeriod");
      int k = period.equals("epoch") ? 0 : Integer.parseInt(period);
      int partitions = (int) num(t, "partitions");
      boolean replicaTrainer = t.get("replicas") != null;
      int replicas = replicaTrainer ? (int) num(t, "replicas") : partitions;
      CostModel.Layout layout = replicaTrainer
          ? new CostModel.Layout(replicas, (int) num(t, "threadsPerReplica"), k, 128, k == 1, 2)
          : CostModel.Layout.today(partitions, k);
      CostModel.Epoch e = CostModel.epoch(c, cluster, layout, 60_000);
      double measured = num(t, "trainSecondsPerEpoch");
      List<Double> epochs = ((List<Number>) t.get("epochSamples")).stream()
          .map(Number::doubleValue).toList();
      String range = epochs.isEmpty() ? "–" : Bench.format("%.2f–%.2f s",
          epochs.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
          epochs.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
      rows.add(Bench.map("master", master, "partitions", partitions, "replicas", replicas,
          "threadsPerReplica", layout.threadsPerReplica(), "syncPeriod", period,
          "syncs", e.syncs(), "predictedCompute", e.compute(), "predictedPerSync", e.perSync(),
          "predictedEpochStart", e.start(), "predictedBackground", e.background(),
          "predictedTaskSetupPerSync", e.setup(),
          "predictedTaskReadPerSync", e.read(), "predictedColdStepsPerSync", e.cold(),
          "predictedStepSeconds",
          e.compute() / Math.max(1, (60_000 + layout.batch() - 1) / layout.batch()),
          "predictedSeconds", e.total(), "measuredSeconds", measured, "measuredRange", range,
          "how", t.get("how"),
          "error", e.total() / measured - 1));
    }
    return rows;
  }

  /**
   * The best layout on {@code executors} executors of 8 cores at 10 Gb/s: every replica count
   * R ≤ executors × cores (powers of 2, and the executor count) and period allowed by the
   * accuracy rule; the quickest epoch. Also the quickest without the rule.
   */
  private static Map<String, Object> predict(CostModel.Constants c, long examples, int executors,
      boolean batchPerReplica) {
    CostModel.Cluster cluster = CostModel.Cluster.of(executors, CORES_PER_EXECUTOR, NETWORK_GBITS);
    Map<String, Object> best = null;
    Map<String, Object> bestAny = null;
    Map<String, Object> perExecutorAllowed = null;
    Map<String, Object> perExecutorAny = null;
    List<Integer> replicaCounts = new ArrayList<>();
    for (int r = 1; r <= executors; r *= 2) {
      replicaCounts.add(r);
    }
    if (!replicaCounts.contains(executors)) {
      replicaCounts.add(executors);
    }
    for (int r : replicaCounts) {
      int batch = batchPerReplica ? BATCH * r : BATCH;
      long steps = (examples + batch - 1) / batch;
      for (int k : PERIODS) {
        CostModel.Layout layout = CostModel.Layout.replicas(r, k, batch, cluster);
        CostModel.Epoch e = CostModel.epoch(c, cluster, layout, examples);
        long between = k == 0 ? steps : k;
        boolean allowed = r == 1
            || (batch / r >= MIN_REPLICA_BATCH && (long) r * between <= MAX_REPLICA_STEPS);
        Map<String, Object> row = Bench.map("replicas", r, "batch", batch,
            "syncPeriod", layout.period(),
            "threadsPerReplica", layout.threadsPerReplica(), "epochSeconds", e.total(),
            "computeSeconds", e.compute(), "syncs", e.syncs(), "perSyncSeconds", e.perSync(),
            "allowedByAccuracyRule", allowed);
        if (allowed && (best == null || e.total() < num(best, "epochSeconds"))) {
          best = row;
        }
        if (bestAny == null || e.total() < num(bestAny, "epochSeconds")) {
          bestAny = row;
        }
        if (r == executors) {
          if (allowed && (perExecutorAllowed == null
              || e.total() < num(perExecutorAllowed, "epochSeconds"))) {
            perExecutorAllowed = row;
          }
          if (perExecutorAny == null || e.total() < num(perExecutorAny, "epochSeconds")) {
            perExecutorAny = row;
          }
        }
      }
    }
    Map<String, Object> perExecutor =
        perExecutorAllowed != null ? perExecutorAllowed : perExecutorAny;
    return Bench.map("examples", examples, "executors", executors,
        "coresPerExecutor", CORES_PER_EXECUTOR,
        "batch", batchPerReplica ? "128 per replica" : "128", "best", best,
        "bestIgnoringAccuracy", bestAny, "onePerExecutor", perExecutor);
  }

  /**
   * Per data set, the fewest executors whose best allowed epoch is within 10% of the quickest
   * over all executor counts: beyond it, adding executors stops paying.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> stopsPaying(List<Map<String, Object>> predictions) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<Long, List<Map<String, Object>>> bySet = new TreeMap<>();
    for (Map<String, Object> p : predictions) {
      bySet.computeIfAbsent((long) num(p, "examples"), k -> new ArrayList<>()).add(p);
    }
    bySet.forEach((examples, rows) -> {
      double quickest = rows.stream()
          .mapToDouble(p -> num((Map<String, Object>) p.get("best"), "epochSeconds")).min()
          .orElseThrow();
      int enough = rows.stream()
          .filter(p -> num((Map<String, Object>) p.get("best"), "epochSeconds") <= 1.1 * quickest)
          .mapToInt(p -> (int) num(p, "executors")).min().orElseThrow();
      out.put(Long.toString(examples), Bench.map("executors", enough,
          "quickestEpochSeconds", quickest));
    });
    return out;
  }

  // --- markdown ------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private static String markdown(Compute compute, Compute quiet, String quietFrom,
      List<Map<String, Object>> calibrations,
      List<Map<String, Object>> fits,
      List<Map<String, Object>> validation, String clusterSource,
      List<Map<String, Object>> predictions, List<Map<String, Object>> growingBatch,
      List<Map<String, Object>> cheap, List<Map<String, Object>> cheapGrowing) {
    StringBuilder md = new StringBuilder();
    md.append("## Compute constants (limit part, H 256, ").append(compute.blas())
        .append(", float32, one thread)\n\n");
    md.append("| | forward+backward GFLOPS per core, 64 rows: best (median) | 128 rows: best"
        + " (median) | in the trainer's loop (≈64 rows) | Adam step | gather per row | two-core"
        + " efficiency |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (Compute k : new Compute[] {compute, quiet}) {
      md.append(Bench.format("| %s | %.1f (%.1f) | %.1f (%.1f) | %.1f | %.0f µs | %.2f µs | %.2f |%n",
          k == compute ? "measured" : "quiet core (predictions; from " + quietFrom + ")",
          k.gflops64Best(),
          k.gflops64Median(), k.gflops128Best(), k.gflops128Median(), k.loopGflops(),
          k.optimizerSeconds() * 1e6, k.gatherSecondsPerRow() * 1e6, k.efficiency()));
    }
    md.append("\n");
    md.append("Compute constants used to check the model against each master's epochs: the"
        + " loop's GFLOPS, Adam step and gather of the slowest executor's step breakdown, timed"
        + " inside a task where the replicas ran, after the epochs (the driver's quick set"
        + " just before the epochs where no executor was timed); the two-core efficiency from"
        + " the driver's quick set:\n\n");
    md.append("| master | GFLOPS in the loop | Adam step | gather per row | two-core efficiency"
        + " measured here | used (the run's median) |\n|---|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> cal : calibrations) {
      Map<String, Object> k = (Map<String, Object>) cal.get("compute");
      md.append(Bench.format("| %s | %.1f | %.0f µs | %.2f µs | %.2f | %.2f |%n",
          cal.get("master"), num(k, "trainingLoopGflopsPerCore"),
          1e6 * num(k, "optimizerStepSeconds"), 1e6 * num(k, "gatherSecondsPerRow"),
          num(cal, "twoCoreEfficiencyMeasuredHere"), num(k, "twoCoreEfficiency")));
    }
    md.append("\n## Spark constants (fitted per master)\n\n");
    md.append("| master | job a | job b per task | broadcast c0 | c1 per MB | c2 per MB per"
        + " round | aggregate fixed | m per MB | tree level per MB | driver per value |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> f : fits) {
      md.append(Bench.format("| %s | %.1f ms | %.2f ms | %.1f ms | %.2f ms | %.2f ms | %.1f ms"
              + " | %.2f ms | %.2f ms | %.1f ns |%n", f.get("master"),
          1e3 * num(f, "jobFixedSeconds"),
          1e3 * num(f, "jobSecondsPerTask"), 1e3 * num(f, "broadcastFixedSeconds"),
          1e9 * num(f, "broadcastSecondsPerByte"), 1e9 * num(f, "broadcastSecondsPerBytePerRound"),
          1e3 * num(f, "aggregateFixedSeconds"),
          1e9 * num(f, "aggregateSecondsPerByte"), 1e9 * num(f, "aggregateLevelSecondsPerByte"),
          1e9 * num(f, "driverSecondsPerValue")));
    }
    md.append("\n## The replica tasks' own costs (timed in the trainer's tasks, per master)\n\n");
    md.append("| master | set-up s0 | s1 per MB | broadcast read beyond the probe's, per MB |"
        + " epoch order per 1,000 examples | the epoch's first job beyond s0 + S·s1 | the task"
        + " JVMs' other CPU while the epoch-sync job ran | a job's cold steps: 10 / 1 |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> f : fits) {
      md.append(Bench.format("| %s | %.2f ms | %.2f ms | %.2f ms | %.3f ms | %.1f ms | %.2f s |"
              + " %.1f / %.1f ms |%n",
          f.get("master"), 1e3 * num(f, "taskSetupFixedSeconds"),
          1e9 * num(f, "taskSetupSecondsPerByte"),
          1e9 * num(f, "taskReadBeyondProbeSecondsPerByte"),
          1e6 * num(f, "epochOrderSecondsPerExample"), 1e3 * num(f, "firstJobFixedSeconds"),
          num(f, "backgroundCpuSecondsPerEpoch"), 1e3 * num(f, "coldJobSeconds"),
          1e3 * num(f, "coldStepJobSeconds")));
    }
    md.append("\n## Validation: today's trainer, default MNIST run, training seconds per epoch\n\n");
    md.append("Measured: sync-period epoch, the median of epochs 7-10 (warm executor JVMs; their"
        + " range beside it); sync-period 10, of epochs 2-3; sync-period 1, the steady rate of"
        + " jobs 101-300 of the first epoch. Error = predicted ÷ measured − 1.\n\n");
    md.append("| master | replicas × threads | sync-period | syncs | predicted compute | epoch"
        + " start + JVMs' other CPU | predicted per sync (of it the tasks' set-up + read +"
        + " cold steps) |"
        + " predicted | measured (range) | error |\n"
        + "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> v : validation) {
      md.append(Bench.format("| %s | %d × %d | %s | %d | %.2f s | %.0f + %.0f ms | %.1f ms"
              + " (%.1f ms) | %.2f s | %.2f s (%s) | %+.0f%% |%n",
          v.get("master"), (int) num(v, "replicas"), (int) num(v, "threadsPerReplica"),
          v.get("syncPeriod"), (int) num(v, "syncs"),
          num(v, "predictedCompute"), 1e3 * num(v, "predictedEpochStart"),
          1e3 * num(v, "predictedBackground"),
          1e3 * num(v, "predictedPerSync"),
          1e3 * (num(v, "predictedTaskSetupPerSync") + num(v, "predictedTaskReadPerSync")
              + num(v, "predictedColdStepsPerSync")),
          num(v, "predictedSeconds"), num(v, "measuredSeconds"), v.get("measuredRange"),
          100 * num(v, "error")));
    }
    md.append("\n## Predictions: ").append(CORES_PER_EXECUTOR).append(" cores per executor, ")
        .append(Bench.format("%.0f", NETWORK_GBITS)).append(" Gb/s, Spark constants of ")
        .append(clusterSource).append("\n\n");
    md.append("Accuracy rule: per-replica batch ≥ ").append(MIN_REPLICA_BATCH)
        .append(" and replicas × steps between syncs ≤ ").append(MAX_REPLICA_STEPS)
        .append(" (R = 1 always allowed). R from 1, 2, 4, … up to the executors; K from 1, 5,"
            + " 20, 100, epoch.\n\n");
    md.append("### Global batch 128 (today's schedule)\n\n");
    predictionTable(md, predictions);
    md.append("\n### Global batch 128 per replica (learning rate and accuracy not measured)\n\n");
    predictionTable(md, growingBatch);
    md.append(Bench.format("%n### What if every per-byte cost of a sync were %d× lower%n%n"
        + "Broadcast c1, c2, aggregation m, the tree level and the tasks' per-byte set-up and"
        + " read divided by %d; fixed costs and compute as above.%n%n#### Global batch 128%n%n", CHEAPER_BYTES, CHEAPER_BYTES));
    predictionTable(md, cheap);
    md.append("\n#### Global batch 128 per replica\n\n");
    predictionTable(md, cheapGrowing);
    return md.toString();
  }

  @SuppressWarnings("unchecked")
  private static void predictionTable(StringBuilder md, List<Map<String, Object>> predictions) {
    md.append("| examples | executors | best allowed: R, K | its epoch | compute | syncs × per sync"
        + " | one replica per executor, best K: epoch | quickest ignoring the rule |\n"
        + "|---:|---:|---|---:|---:|---:|---:|---|\n");
    for (Map<String, Object> p : predictions) {
      Map<String, Object> b = (Map<String, Object>) p.get("best");
      Map<String, Object> a = (Map<String, Object>) p.get("bestIgnoringAccuracy");
      Map<String, Object> o = (Map<String, Object>) p.get("onePerExecutor");
      md.append(Bench.format("| %,d | %d | R %d, K %s | %s | %s | %d × %.0f ms | %s%s | R %d, K %s: %s |%n",
          (long) num(p, "examples"), (int) num(p, "executors"), (int) num(b, "replicas"),
          b.get("syncPeriod"), seconds(num(b, "epochSeconds")), seconds(num(b, "computeSeconds")),
          (int) num(b, "syncs"), 1e3 * num(b, "perSyncSeconds"),
          seconds(num(o, "epochSeconds")) + " (K " + o.get("syncPeriod") + ")",
          (boolean) o.get("allowedByAccuracyRule") ? "" : " (breaks the rule)",
          (int) num(a, "replicas"), a.get("syncPeriod"), seconds(num(a, "epochSeconds"))));
    }
    stopsPaying(predictions).forEach((examples, v) -> md.append(Bench.format(
        "%nAdding executors stops paying for %,d examples at %d executor(s) (best epoch within"
            + " 10%% of the quickest, %s).%n", Long.parseLong(examples),
        (int) num((Map<String, Object>) v, "executors"),
        seconds(num((Map<String, Object>) v, "quickestEpochSeconds")))));
  }

  private static String seconds(double s) {
    return s < 10 ? Bench.format("%.2f s", s) : Bench.format("%.0f s", s);
  }
}
