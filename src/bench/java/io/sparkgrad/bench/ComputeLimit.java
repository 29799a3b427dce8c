package io.sparkgrad.bench;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.BlockedData;
import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Kernels;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.Optimizer;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.network.TwoLayerNetwork;
import io.sparkgrad.worker.ReplicaWorker;
import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import io.sparkgrad.worker.StepPlan;
import io.sparkgrad.worker.SyncMode;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The machine's limit for sparkgrad's arithmetic, and how close sparkgrad's own worker gets to it
 * without Spark. No Spark here.
 *
 * <ul>
 *   <li><b>GEMMs</b>: the five GEMMs of one training step of {@link TwoLayerNetwork} (same
 *       shapes, transposes and betas), float32, on one thread, timed in a loop; GFLOPS =
 *       {@link NetworkSpec#trainingFlops}(rows) / time, from the best of several timed loops
 *       (on a shared machine, the loop that had the core to itself). rows = 64 is what each of the 2 tasks
 *       computes per step in the default configuration (batch 128 over 2 partitions); 128 is the
 *       whole batch. The compute limit of an epoch is trainingFlops(60000) / (2 × GFLOPS at 64
 *       rows): one BLAS thread per core, two cores.
 *   <li><b>pass</b>: {@link TwoLayerNetwork#computeGradient} at the same shapes: the GEMMs plus
 *       bias, activation, softmax, loss and accuracy.
 *   <li><b>2 threads</b>: the GEMMs on both cores at once (what the shared machine really gives).
 *   <li><b>worker</b>: one epoch of sparkgrad's {@link ReplicaWorker} in local-SGD mode (the
 *       default, sync-period epoch) on each half of MNIST, both halves at once on two threads:
 *       everything a Spark task does in the default configuration, without Spark.
 *   <li><b>step breakdown</b>: the worker's loop re-timed phase by phase on one thread (gather,
 *       float64→float32 weights, gradient pass, float32→float64 gradient, Adam step), mirroring
 *       {@code ReplicaWorker.localSteps}.
 * </ul>
 */
final class ComputeLimit {
  private static final int INPUTS = 784;
  private static final int OUTPUTS = 10;
  private static final int TRAIN_EXAMPLES = 60000;

  private ComputeLimit() {}

  static void run(Bench.Args args) throws Exception {
    boolean quick = args.quick();
    // Many short loops: on a shared machine a short quiet slice is likelier than a long one.
    double warmup = quick ? 0.3 : 0.7;
    double sample = quick ? 0.05 : 0.05;
    int samples = quick ? 10 : 40;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("loadAverageAtStart", Bench.loadAverage());
    out.put("blasAuto", Blas.get(BlasChoice.AUTO).implementationName());
    out.put("blasJava", Blas.get(BlasChoice.JAVA).implementationName());
    System.out.println("harness: BLAS: auto (native) = " + out.get("blasAuto") + ", --blas java = "
        + out.get("blasJava"));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (BlasChoice choice : new BlasChoice[] {BlasChoice.AUTO, BlasChoice.JAVA}) {
      // The pure-Java BLAS needs a few thousand calls before the JIT settles.
      double choiceWarmup = choice == BlasChoice.JAVA ? 2 * warmup : warmup;
      for (int hidden : new int[] {100, 256, 800}) {
        for (int rows64or128 : new int[] {64, 128}) {
          rows.add(gemmRow(choice, hidden, rows64or128, choiceWarmup, sample, samples));
        }
      }
    }
    out.put("gemm", rows);

    List<Map<String, Object>> twoThreads = new ArrayList<>();
    for (int hidden : new int[] {100, 256, 800}) {
      twoThreads.add(twoThreadRow(hidden, warmup, sample, samples));
    }
    out.put("gemmTwoThreads", twoThreads);

    DataSet data = Bench.load(args.requireData());
    List<Map<String, Object>> workers = new ArrayList<>();
    // H 256 in the quick set too: the scaling check takes both replicas' efficiency from it.
    int[] workerHiddens = quick ? new int[] {100, 256} : new int[] {100, 256, 800};
    for (int hidden : workerHiddens) {
      // One replica on both cores (the default on local[2]), and two of one core each.
      workers.add(workerRow(data.train(), hidden, BlasChoice.AUTO, 1, quick));
      workers.add(workerRow(data.train(), hidden, BlasChoice.AUTO, 2, quick));
    }
    if (!quick) {
      workers.add(workerRow(data.train(), 256, BlasChoice.JAVA, 1, false));
    }
    out.put("worker", workers);
    out.put("twoCoreEfficiency", twoCoreEfficiency(data.train(), 256, quick ? 6 : 10));

    List<Map<String, Object>> breakdown = new ArrayList<>();
    for (int hidden : new int[] {100, 256, 800}) {
      breakdown.add(stepBreakdown(data.train(), hidden, quick ? 150 : 469));
    }
    out.put("stepBreakdown", breakdown);
    out.put("loadAverageAtEnd", Bench.loadAverage());
    Bench.write(args.out().resolve("limit.json"), out);
  }

  /**
   * Rows one thread's GEMMs cover in a step: the replica's share of the global batch (rounded
   * up) over its threads (rounded up). 64 in the default configuration on local[2] (batch 128, one
   * replica on 2 threads); the worker cuts them into {@code ReplicaWorker.CHUNK_ROWS}-row chunks,
   * but a limit at the thread's rows is the stricter one (a larger GEMM is no slower a row).
   */
  static int rowsPerThread(int batchSize, int replicas, int threadsPerReplica) {
    positive("batch size", batchSize);
    positive("replicas", replicas);
    positive("threads per replica", threadsPerReplica);
    int perReplica = (batchSize + replicas - 1) / replicas;
    return (perReplica + threadsPerReplica - 1) / threadsPerReplica;
  }

  /**
   * The compute limit of an epoch: its training GEMM flops over {@code cores} cores each running
   * the GEMMs at {@code gflopsPerCore} (one BLAS thread a core).
   */
  static double epochLimitSeconds(NetworkSpec spec, long examples, double gflopsPerCore,
      int cores) {
    positive("examples", examples);
    positive("GFLOPS a core", gflopsPerCore);
    positive("cores", cores);
    return spec.trainingFlops(examples) / (cores * gflopsPerCore * 1e9);
  }

  private static void positive(String what, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + ": expected a positive number, found " + value);
    }
  }

  private static void positive(String what, double value) {
    if (!(value > 0)) {
      throw new IllegalArgumentException(what + ": expected a positive number, found " + value);
    }
  }

  /**
   * The GEMM rows alone, at the given rows (native BLAS): what the scale section's limit needs at
   * its run's own rows per thread. {@code HarnessMain gemm --hidden H --rows R,R,... [--quick]}.
   */
  static List<Map<String, Object>> gemmRows(int hidden, int[] rowsList, boolean quick) {
    double warmup = quick ? 0.3 : 0.7;
    int samples = quick ? 10 : 40;
    List<Map<String, Object>> out = new ArrayList<>();
    for (int rows : rowsList) {
      out.add(gemmRow(BlasChoice.AUTO, hidden, rows, warmup, 0.05, samples));
    }
    return out;
  }

  static void runGemm(List<String> args) throws Exception {
    int hidden = 256;
    int[] rows = {64, 128, 256, 512};
    boolean quick = false;
    String data = null;
    int[] batches = {};
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--hidden" -> hidden = Integer.parseInt(args.get(++i));
        case "--rows" -> rows = java.util.Arrays.stream(args.get(++i).split(","))
            .mapToInt(Integer::parseInt).toArray();
        case "--quick" -> quick = true;
        case "--data" -> data = args.get(++i);
        case "--worker-batches" -> batches = java.util.Arrays.stream(args.get(++i).split(","))
            .mapToInt(Integer::parseInt).toArray();
        default -> throw new IllegalArgumentException("gemm: expected --hidden H, --rows R,R,...,"
            + " --quick, --data DIR or --worker-batches B,B,...; found '" + args.get(i) + "'");
      }
    }
    System.out.println("harness: load average " + Bench.loadAverage());
    for (Map<String, Object> row : gemmRows(hidden, rows, quick)) {
      double gflops = (Double) row.get("gemmGflops1Thread");
      System.out.printf(java.util.Locale.ROOT,
          "harness: gemm H %d rows %d: %.1f GFLOPS a core (best loop; median %.1f), limit %.2f s"
              + " per 8.1 M epoch on 2 cores%n", hidden, (Integer) row.get("rows"), gflops,
          (Double) row.get("gemmGflops1ThreadMedian"),
          epochLimitSeconds(spec(hidden), 8_100_000L, gflops, 2));
    }
    if (batches.length > 0) {
      if (data == null) {
        throw new IllegalArgumentException("--worker-batches: expected --data DIR (MNIST IDX)");
      }
      // The worker without Spark, one replica on both cores, at each batch: what a larger
      // batch does to an example's cost with the worker's fixed 64-row chunks.
      LabeledImages train = Bench.load(data).train();
      for (int batch : batches) {
        Map<String, Object> row = workerRow(train, hidden, batch, BlasChoice.AUTO, 1, false);
        double seconds = (Double) row.get("epochSeconds");
        System.out.printf(java.util.Locale.ROOT, "harness: worker H %d batch %d: %.3f s per"
                + " %,d-example epoch (best %.3f), %.2f µs an example, so %.1f s per 8.1 M%n",
            hidden, batch, seconds, train.count(), (Double) row.get("epochSecondsBest"),
            seconds / train.count() * 1e6, seconds / train.count() * 8_100_000);
      }
    }
  }

  static NetworkSpec spec(int hidden) {
    return config(hidden).network().spec(INPUTS, OUTPUTS);
  }

  /** The default configuration with another hidden size (data and model are never used). */
  static TrainingConfig config(int hidden) {
    return TrainingOptions.resolve(Map.of(), Map.of(
        "data", "(harness)", "model", "(harness)", "hidden", Integer.toString(hidden)));
  }

  /** The default configuration with another hidden size and batch size. */
  static TrainingConfig config(int hidden, int batchSize) {
    return TrainingOptions.resolve(Map.of(), Map.of("data", "(harness)", "model", "(harness)",
        "hidden", Integer.toString(hidden), "batch-size", Integer.toString(batchSize)));
  }

  /** Buffers and the five GEMMs of one training step, as TwoLayerNetwork calls them. */
  private static final class Gemms {
    final Kernels<float[]> k;
    final int h;
    final int n;
    final ParameterLayout layout;
    final float[] params;
    final float[] grad;
    final float[] x;
    final float[] a1;
    final float[] z1;
    final float[] a2;
    final float[] dA2;

    @SuppressWarnings("unchecked")
    Gemms(BlasChoice choice, int hidden, int rows) {
      k = (Kernels<float[]>) Precision.FLOAT32.kernels(Blas.get(choice));
      h = hidden;
      n = rows;
      layout = spec(hidden).layout();
      SplittableRandom random = new SplittableRandom(7);
      params = randoms(random, layout.size(), 0.05);
      grad = new float[layout.size()];
      x = new float[INPUTS * rows];
      for (int i = 0; i < x.length; i++) {
        // MNIST-like: most pixels are 0.
        x[i] = random.nextDouble() < 0.19 ? (float) random.nextDouble() : 0f;
      }
      a1 = randoms(random, h * n, 1);
      z1 = randoms(random, h * n, 1);
      a2 = new float[OUTPUTS * n];
      dA2 = randoms(random, OUTPUTS * n, 0.1);
    }

    void run() {
      int d = INPUTS;
      int out = OUTPUTS;
      k.gemm("N", "N", h, n, d, 1.0, params, layout.w1Offset(), h, x, 0, d, 0.0, a1, 0, h);
      k.gemm("N", "N", out, n, h, 1.0, params, layout.w2Offset(), out, z1, 0, h, 0.0, a2, 0, out);
      k.gemm("N", "T", out, h, n, 1.0, dA2, 0, out, z1, 0, h, 1.0, grad, layout.w2Offset(), out);
      k.gemm("T", "N", h, n, out, 1.0, params, layout.w2Offset(), out, dA2, 0, out, 0.0, a1, 0, h);
      k.gemm("N", "T", h, d, n, 1.0, a1, 0, h, x, 0, d, 1.0, grad, layout.w1Offset(), h);
    }
  }

  private static float[] randoms(SplittableRandom random, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (scale * (random.nextDouble() - 0.5));
    }
    return a;
  }

  /** Seconds per call: the median and the best of the timed loops. */
  record Timing(double median, double best) {}

  /**
   * Times {@code samples} loops of {@code work} after a warm-up. On a shared machine the best
   * loop is the one that had the core to itself: it is what the hardware can do, so the limit
   * uses it; the median says what this run typically got.
   */
  private static Timing secondsPerCall(Runnable work, double warmup, double sample, int samples) {
    timeLoop(work, warmup);
    double[] perCall = new double[samples];
    double best = Double.POSITIVE_INFINITY;
    for (int s = 0; s < samples; s++) {
      perCall[s] = timeLoop(work, sample);
      best = Math.min(best, perCall[s]);
    }
    return new Timing(Bench.median(perCall), best);
  }

  /** Runs {@code work} for about {@code seconds}; returns seconds per call. */
  private static double timeLoop(Runnable work, double seconds) {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long calls = 0;
    long now;
    do {
      work.run();
      calls++;
      now = System.nanoTime();
    } while (now < end);
    return (now - start) / 1e9 / calls;
  }

  private static Map<String, Object> gemmRow(
      BlasChoice choice, int hidden, int rows, double warmup, double sample, int samples) {
    Gemms g = new Gemms(choice, hidden, rows);
    double flops = spec(hidden).trainingFlops(rows);
    Timing gemm = secondsPerCall(g::run, warmup, sample, samples);

    @SuppressWarnings("unchecked")
    Kernels<float[]> k = (Kernels<float[]>) Precision.FLOAT32.kernels(Blas.get(choice));
    TwoLayerNetwork<float[]> network = new TwoLayerNetwork<>(spec(hidden), k, rows);
    int[] labels = new int[rows];
    for (int i = 0; i < rows; i++) {
      labels[i] = i % OUTPUTS;
    }
    Timing pass = secondsPerCall(
        () -> network.computeGradient(g.params, g.x, 0, labels, 0, rows, g.grad, 1.0 / rows),
        warmup, sample, Math.max(3, samples / 2));
    double gemmGflops = flops / gemm.best() / 1e9;
    double epochFlops = spec(hidden).trainingFlops(TRAIN_EXAMPLES);
    Map<String, Object> row = Bench.map(
        "blas", choice.label(),
        "implementation", Blas.get(choice).implementationName(),
        "hidden", hidden,
        "rows", rows,
        "flopsPerStep", flops,
        "gemmMicrosBest", gemm.best() * 1e6,
        "gemmMicrosMedian", gemm.median() * 1e6,
        "gemmGflops1Thread", gemmGflops,
        "gemmGflops1ThreadMedian", flops / gemm.median() / 1e9,
        "passMicrosBest", pass.best() * 1e6,
        "passGflops1Thread", flops / pass.best() / 1e9,
        "passGflops1ThreadMedian", flops / pass.median() / 1e9,
        "epochFlops", epochFlops,
        "epochLimitSeconds2Cores", epochFlops / (2 * gemmGflops * 1e9));
    System.out.println("harness: " + row);
    return row;
  }

  /** The 64-row GEMMs on two threads at once: GFLOPS summed over both. */
  private static Map<String, Object> twoThreadRow(
      int hidden, double warmup, double sample, int samples) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Callable<Double>> tasks = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Gemms g = new Gemms(BlasChoice.AUTO, hidden, 64);
        tasks.add(() -> secondsPerCall(g::run, warmup, sample, samples).best());
      }
      double flops = spec(hidden).trainingFlops(64);
      double total = 0;
      for (Future<Double> f : pool.invokeAll(tasks)) {
        total += flops / f.get() / 1e9;
      }
      return Bench.map("hidden", hidden, "rows", 64, "gemmGflopsBothThreads", total,
          "epochSeconds", spec(hidden).trainingFlops(TRAIN_EXAMPLES) / (total * 1e9));
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The examples of each of 2 partitions as the trainer caches them: the seeded partition
   * assignment ({@link BlockedData.SharePartitioner}), index order within a partition, blocks of
   * block-rows (4096) examples, pixels as bytes.
   */
  static List<List<ExampleBlock>> partitions(
      LabeledImages images, int partitions, int blockRows, long seed) {
    int n = images.count();
    int d = images.features();
    BlockedData.SharePartitioner assignment = new BlockedData.SharePartitioner(n, partitions, seed);
    List<List<Integer>> members = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      members.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      members.get(assignment.getPartition(i)).add(i);
    }
    List<List<ExampleBlock>> out = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      List<ExampleBlock> blocks = new ArrayList<>();
      List<Integer> share = members.get(p);
      for (int start = 0; start < share.size(); start += blockRows) {
        int rows = Math.min(blockRows, share.size() - start);
        byte[] pixels = new byte[rows * d];
        int[] labels = new int[rows];
        int[] indices = new int[rows];
        for (int r = 0; r < rows; r++) {
          int index = share.get(start + r);
          System.arraycopy(images.pixels(), index * d, pixels, r * d, d);
          labels[r] = images.label(index);
          indices[r] = index;
        }
        blocks.add(new ExampleBlock(pixels, labels, indices, rows, d));
      }
      out.add(blocks);
    }
    return out;
  }

  /**
   * How fast two single-threaded replicas run at once against one alone, like for like: the
   * same worker, partition and steps, one replica alone then both at once, pair after pair
   * (interleaved, so a burst of the shared machine's other load falls on both halves of a
   * pair), after one pair of warm-up. The efficiency is the median over pairs of alone ÷ the
   * slower of the two at once.
   */
  static Map<String, Object> twoCoreEfficiency(LabeledImages images, int hidden, int pairs)
      throws Exception {
    TrainingConfig config = config(hidden);
    NetworkSpec spec = config.network().spec(INPUTS, OUTPUTS);
    List<List<ExampleBlock>> parts = partitions(images, 2, config.distribution().blockRows(),
        config.run().seed());
    int n = images.count();
    int steps = 150;
    double[] params = config.network().init().initialize(spec, 1);
    Optimizer optimizer = config.optimization().optimizer().create(spec.layout(),
        config.regularization().weightDecay());
    double[] state = optimizer.state();
    double[] rates = new double[steps];
    java.util.Arrays.fill(rates, config.optimization().learningRate());
    StepPlan plan = new StepPlan(spec, config.distribution().precision(), BlasChoice.AUTO,
        SyncMode.LOCAL_STEPS, config.optimization().optimizer(),
        config.regularization().weightDecay(), config.regularization().noise(), 28, 28,
        config.run().seed(), n, config.optimization().batchSize(), 0, 0, rates, 1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Double> ratios = new ArrayList<>();
    List<Double> alone = new ArrayList<>();
    List<Double> both = new ArrayList<>();
    try {
      for (int pair = -1; pair < pairs; pair++) {
        double one = pool.submit(() -> timed(plan, parts.get(0), params, state)).get();
        List<Callable<Double>> two = List.of(() -> timed(plan, parts.get(0), params, state),
            () -> timed(plan, parts.get(1), params, state));
        double slowest = 0;
        for (Future<Double> f : pool.invokeAll(two)) {
          slowest = Math.max(slowest, f.get());
        }
        if (pair >= 0) {
          alone.add(one);
          both.add(slowest);
          ratios.add(one / slowest);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, Object> row = Bench.map("hidden", hidden, "steps", steps, "pairs", pairs,
        "efficiency", Math.min(1.0, Bench.median(ratios)), "ratios", ratios,
        "aloneSeconds", alone, "bothSeconds", both);
    System.out.println("harness: two-core efficiency " + row);
    return row;
  }

  /**
   * What a short job's steps cost beyond a long loop's, as a training task has them: per job a
   * fresh copy of the weights and Adam state (as the broadcast's read makes one), a fresh
   * {@link ReplicaWorker} (its buffers), then {@code stepsPerJob} steps, timed by the worker's
   * own phase clock; against the same worker's steps in one job of {@code longSteps}. One
   * partition of two on one thread; gradient mode (weights only) for one step a job, as the
   * trainer's sync-period 1.
   */
  static Map<String, Object> shortJobs(LabeledImages images, int hidden, int stepsPerJob,
      int jobs, int longSteps) {
    TrainingConfig config = config(hidden);
    NetworkSpec spec = config.network().spec(INPUTS, OUTPUTS);
    List<ExampleBlock> part = partitions(images, 2, config.distribution().blockRows(),
        config.run().seed()).get(0);
    int n = images.count();
    SyncMode mode = stepsPerJob == 1 ? SyncMode.GRADIENT : SyncMode.LOCAL_STEPS;
    double[] params = config.network().init().initialize(spec, 1);
    double[] state = mode == SyncMode.GRADIENT ? new double[0]
        : config.optimization().optimizer().create(spec.layout(),
            config.regularization().weightDecay()).state();
    java.util.function.IntFunction<StepPlan> plan = first -> {
      int steps = first < 0 ? longSteps : stepsPerJob;
      double[] rates = new double[steps];
      java.util.Arrays.fill(rates, config.optimization().learningRate());
      return new StepPlan(spec, config.distribution().precision(), BlasChoice.AUTO, mode,
          config.optimization().optimizer(), config.regularization().weightDecay(),
          config.regularization().noise(), 28, 28, config.run().seed(), n,
          config.optimization().batchSize(), 0, Math.max(0, first), rates, 1);
    };
    List<Double> shortSeconds = new ArrayList<>();
    List<Double> longPerStep = new ArrayList<>();
    for (int round = 0; round < 3; round++) { // the first round warms up the JIT
      for (int j = 0; j < jobs; j++) {
        double[] p = params.clone();
        double[] st = state.clone();
        io.sparkgrad.worker.PhaseClock.start();
        ReplicaWorker.create(plan.apply(j * stepsPerJob), part).run(p, st);
        long[] nanos = io.sparkgrad.worker.PhaseClock.stop();
        if (round > 0) {
          shortSeconds.add(nanos[io.sparkgrad.worker.PhaseClock.Phase.STEPS.ordinal()] / 1e9);
        }
      }
      io.sparkgrad.worker.PhaseClock.start();
      ReplicaWorker.create(plan.apply(-1), part).run(params.clone(), state.clone());
      long[] nanos = io.sparkgrad.worker.PhaseClock.stop();
      if (round > 0) {
        longPerStep.add(nanos[io.sparkgrad.worker.PhaseClock.Phase.STEPS.ordinal()] / 1e9
            / longSteps);
      }
    }
    double perStep = Bench.median(longPerStep);
    double perJob = Bench.median(shortSeconds);
    return Bench.map("stepsPerJob", stepsPerJob, "jobs", jobs, "mode", mode.name(),
        "shortJobStepsSeconds", perJob, "longLoopSecondsPerStep", perStep,
        "excessSecondsPerJob", Math.max(0, perJob - stepsPerJob * perStep));
  }

  private static double timed(StepPlan plan, List<ExampleBlock> part, double[] params,
      double[] state) {
    long start = System.nanoTime();
    ReplicaWorker.create(plan, part).run(params, state);
    return Bench.seconds(start);
  }

  /**
   * Epoch seconds of the default configuration's training work on two cores, without Spark: one
   * {@link ReplicaWorker} over both partitions on two threads (local[2]'s default), or two
   * replicas, one a partition, at once on a thread each, the slower counted. Epochs: 1 discarded
   * (JIT), then the median of 2 (quick: of 3 epochs' first 100 steps, scaled).
   */
  static Map<String, Object> workerRow(LabeledImages images, int hidden, BlasChoice blas,
      int replicas, boolean quick) throws Exception {
    return workerRow(images, hidden, config(hidden).optimization().batchSize(), blas, replicas,
        quick);
  }

  /** {@link #workerRow} at another batch size (the scale section's large-batch question). */
  static Map<String, Object> workerRow(LabeledImages images, int hidden, int batchSize,
      BlasChoice blas, int replicas, boolean quick) throws Exception {
    TrainingConfig config = config(hidden, batchSize);
    NetworkSpec spec = config.network().spec(INPUTS, OUTPUTS);
    List<List<ExampleBlock>> parts = partitions(images, 2, config.distribution().blockRows(),
        config.run().seed());
    if (replicas == 1) {
      List<ExampleBlock> both = new ArrayList<>(parts.get(0));
      both.addAll(parts.get(1));
      parts = List.of(both);
    }
    int threads = 2 / replicas;
    int n = images.count();
    int stepsPerEpoch = StepPlan.stepsPerEpoch(n, config.optimization().batchSize());
    int steps = quick ? 100 : stepsPerEpoch;
    double[] params = config.network().init().initialize(spec, 1);
    Optimizer optimizer = config.optimization().optimizer().create(spec.layout(),
        config.regularization().weightDecay());
    double[] state = optimizer.state();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Double> epochSeconds = new ArrayList<>();
    try {
      int epochs = quick ? 4 : 3; // quick: 100 steps each, the median of 3 (one was too noisy)
      for (int epoch = 0; epoch < epochs; epoch++) {
        double[] rates = new double[steps];
        java.util.Arrays.fill(rates, config.optimization().learningRate());
        StepPlan plan = new StepPlan(spec, config.distribution().precision(), blas,
            SyncMode.LOCAL_STEPS, config.optimization().optimizer(),
            config.regularization().weightDecay(), config.regularization().noise(), 28, 28,
            config.run().seed(), n, config.optimization().batchSize(), epoch, 0, rates, threads);
        List<Callable<Double>> tasks = new ArrayList<>();
        for (List<ExampleBlock> part : parts) {
          tasks.add(() -> {
            long start = System.nanoTime();
            ReplicaWorker.create(plan, part).run(params, state);
            return Bench.seconds(start);
          });
        }
        double slowest = 0;
        for (Future<Double> f : pool.invokeAll(tasks)) {
          slowest = Math.max(slowest, f.get());
        }
        if (epoch > 0) {
          epochSeconds.add(slowest * stepsPerEpoch / steps);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = Bench.median(epochSeconds);
    Map<String, Object> row = Bench.map(
        "hidden", hidden,
        "batchSize", config.optimization().batchSize(),
        "blas", blas.label(),
        "implementation", Blas.get(blas).implementationName(),
        "partitions", 2,
        "replicas", replicas,
        "threadsPerReplica", threads,
        "stepsTimed", steps,
        "epochSeconds", seconds,
        "epochSecondsBest", epochSeconds.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
        "epochSamples", epochSeconds);
    System.out.println("harness: worker " + row);
    return row;
  }

  /**
   * One partition's steps of an epoch on one thread, each phase of ReplicaWorker.localSteps
   * timed apart: gather the partition's ~64 members of the global batch, forward + backward, the
   * optimizer step (Adam, in float32 on the float32 parameters and gradient, as the worker does).
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> stepBreakdown(LabeledImages images, int hidden, int steps) {
    TrainingConfig config = config(hidden);
    NetworkSpec spec = config.network().spec(INPUTS, OUTPUTS);
    ParameterLayout layout = spec.layout();
    Kernels<float[]> k =
        (Kernels<float[]>) Precision.FLOAT32.kernels(Blas.get(BlasChoice.AUTO));
    List<ExampleBlock> part =
        partitions(images, 2, config.distribution().blockRows(), config.run().seed()).get(0);
    int n = images.count();
    int d = images.features();
    int batch = config.optimization().batchSize();
    // Where each member of this partition sits: block b, row r.
    int[] blockOf = new int[n];
    int[] rowOf = new int[n];
    java.util.Arrays.fill(blockOf, -1);
    for (int b = 0; b < part.size(); b++) {
      int[] indices = part.get(b).indices();
      for (int r = 0; r < indices.length; r++) {
        blockOf[indices[r]] = b;
        rowOf[indices[r]] = r;
      }
    }
    IndexPermutation epochOrder =
        new IndexPermutation(n, config.run().seed(), Seeds.Stream.EPOCH_ORDER, 0);
    int[] order = new int[n];
    for (int j = 0; j < n; j++) {
      order[j] = epochOrder.inverse(j);
    }
    TwoLayerNetwork<float[]> network = new TwoLayerNetwork<>(spec, k, batch);
    float[] x = new float[d * batch];
    int[] labels = new int[batch];
    float[] paramsA = new float[layout.size()];
    float[] gradA = new float[layout.size()];
    k.copyFromDouble(paramsA, config.network().init().initialize(spec, 1), layout.size());
    Optimizer optimizer = config.optimization().optimizer().create(layout,
        config.regularization().weightDecay());
    long[] nanos = new long[3];
    int rowsTotal = 0;
    for (int pass = 0; pass < 2; pass++) { // the first pass warms up the JIT
      java.util.Arrays.fill(nanos, 0);
      rowsTotal = 0;
      for (int s = 0; s < steps; s++) {
        long t0 = System.nanoTime();
        int rows = 0;
        for (int j = s * batch; j < Math.min((s + 1) * batch, n); j++) {
          int b = blockOf[order[j]];
          if (b < 0) {
            continue;
          }
          ExampleBlock block = part.get(b);
          int r = rowOf[order[j]];
          block.scaleRows(k, x, rows * d, r, 1);
          labels[rows] = block.labels()[r];
          rows++;
        }
        long t1 = System.nanoTime();
        network.computeGradient(paramsA, x, 0, labels, 0, rows, gradA, 1.0 / rows);
        long t2 = System.nanoTime();
        optimizer.step(paramsA, gradA, config.optimization().learningRate());
        long t3 = System.nanoTime();
        nanos[0] += t1 - t0;
        nanos[1] += t2 - t1;
        nanos[2] += t3 - t2;
        rowsTotal += rows;
      }
    }
    String[] names = {"gather", "forwardBackward", "optimizerStep"};
    long total = 0;
    for (long v : nanos) {
      total += v;
    }
    Map<String, Object> phases = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      phases.put(names[i], Bench.map(
          "microsPerStep", nanos[i] / 1e3 / steps,
          "share", (double) nanos[i] / total));
    }
    int stepsPerEpoch = StepPlan.stepsPerEpoch(n, batch);
    Map<String, Object> row = Bench.map(
        "hidden", hidden,
        "parameters", layout.size(),
        "stepsTimed", steps,
        "meanRowsPerStep", (double) rowsTotal / steps,
        "microsPerStep", total / 1e3 / steps,
        "epochSecondsOneTask", total / 1e9 * stepsPerEpoch / steps,
        "phases", phases);
    System.out.println("harness: step breakdown " + row);
    return row;
  }
}
