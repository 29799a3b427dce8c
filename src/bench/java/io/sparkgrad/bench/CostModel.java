package io.sparkgrad.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The cost model of one training epoch: the replicas' compute plus, per synchronization, one
 * Spark job's scheduling, the broadcast of the weights (and optimizer state) and the tree
 * aggregation of the replicas' results. Plain arithmetic over measured constants (see
 * {@link ScalingRuns}, docs/scaling.md); no Spark here.
 *
 * <pre>
 *   epoch = steps · step(rows per replica)             compute, one replica's critical path
 *         + start(examples / R)                        the epoch's first job: order, cold code
 *         + background / cores                         the task JVMs' other CPU (JIT, GC), where
 *                                                      the replicas' threads fill the cores
 *         + ⌈steps / K⌉ · ( job(tasks)                 scheduling of one Spark job
 *                        + broadcast(bytes, E)        weights + optimizer state out
 *                        + aggregate(bytes, tasks, d) results back, exact sums merged
 *                        + setup(bytes)               a replica task's own work beside its steps
 *                        + read(bytes)                the task's broadcast read beyond the probe's
 *                        + cold(K)                    a short job's steps beyond a long loop's
 *                        + driver(bytes) )            averaging and the driver's update
 *   step(r) = opt + r · gather + ⌈chunks / threads⌉ · min(r, 64) · flopsPerRow / gflops
 *   job(T) = a + b·T
 *   broadcast(S, E) = c0 + S·c1 + S·⌈log2(E + 1)⌉·(c2 + 1/bandwidth), E = executors reading it
 *   aggregate(S, T, d) = fixed + Σ levels fanIn · S' · (shuffle + 1/bandwidth)
 *                      + results into the driver · S' · (m + 1/bandwidth)
 *   setup(S) = s0 + S·s1                               the replica made, its result assembled
 *                                                      and folded (timed in the trainer's tasks)
 *   read(S) = S·r                                      (timed in the trainer's tasks and the probe's)
 *   start(n) = o·n + f                                 the epoch order of n examples, and the
 *                                                      first job's colder code (timed in the tasks)
 * </pre>
 *
 * S' is 8 bytes a value for a task's own result and 16 (the 128-bit exact sum) for a result
 * already merged at a lower level. The levels are Spark's treeAggregate rule ({@link #treeLevels}).
 */
final class CostModel {
  /** Rows of one chunk of a replica's step: one thread's GEMM block. */
  static final int CHUNK_ROWS = 64;

  private CostModel() {}

  /**
   * The measured constants. Seconds, bytes, GFLOPS.
   *
   * @param flopsPerRow forward + backward FLOPs of one example ({@code trainingFlops(1)})
   * @param parameters the network's parameters (weights and biases)
   * @param stateValues the optimizer state's values (Adam: twice the parameters, plus its count)
   * @param gflops one core's forward+backward GFLOPS at a 64-row chunk
   * @param gflops128 the same at 128 rows (for the record; chunks are at most 64 rows)
   * @param optimizerSeconds one optimizer step over all parameters on one thread (float32)
   * @param gatherSecondsPerRow gathering and scaling one example into the step's block
   * @param efficiency the share of one core's rate each core keeps when all cores of a machine
   *     run at once (memory bandwidth, turbo, the shared machine's other load)
   * @param jobA a Spark job's fixed cost
   * @param jobB a Spark job's cost per task
   * @param bcastC0 a broadcast's fixed cost
   * @param bcastC1 a broadcast's cost per byte on the driver (serialize, compress, store)
   * @param bcastC2 a broadcast's cost per byte per torrent round on the executors (fetch, read)
   * @param aggFixed a tree aggregation's fixed cost over the empty job (task results fetched
   *     through the block manager)
   * @param aggM a task result's cost per byte where it is merged (ship, deserialize, exact sum)
   * @param aggStage an intermediate level of a tree aggregation (a shuffle through files), per
   *     byte a receiver takes in
   * @param driverSecondsPerValue the driver's work per parameter-or-state value after the
   *     aggregation: exact sum to double, the update of weights and state
   * @param driverOptimizerSeconds the driver's optimizer step in float64 (gradient mode, K = 1)
   * @param setupFixed a replica task's fixed work beside its steps and the broadcast's read
   *     (its blocks listed, the replica's buffers, Spark's fold of its result), per sync
   * @param setupPerByte the same per byte of the state a task starts from and returns (the
   *     replica's copy of weights and optimizer state, the result's assembly)
   * @param readPerByte what a trainer task's read of the broadcast costs beyond a probe task's
   *     (which the broadcast's constants hold), per byte broadcast
   * @param orderPerExample a replica's epoch order, per example of its share, once per epoch
   * @param firstJobFixed the epoch's first job's set-up beyond {@code setup(S)} (code that runs
   *     once an epoch is colder), once per epoch
   * @param backgroundCpu CPU seconds per epoch the JVMs that run the tasks spend beyond the
   *     tasks (JIT, GC, Spark's threads): on a machine whose cores the replicas' threads fill,
   *     it takes the cores from them
   * @param coldJob what a job's first steps cost beyond a long loop's (fresh weights, state and
   *     replica buffers), per job of local steps
   * @param coldStep the same for a job of one gradient step (K = 1)
   */
  record Constants(
      double flopsPerRow, int parameters, int stateValues, double gflops, double gflops128,
      double optimizerSeconds, double gatherSecondsPerRow, double efficiency,
      double jobA, double jobB, double bcastC0, double bcastC1, double bcastC2,
      double aggFixed, double aggM, double aggStage, double driverSecondsPerValue, double driverOptimizerSeconds,
      double setupFixed, double setupPerByte, double readPerByte, double orderPerExample,
      double firstJobFixed, double backgroundCpu, double coldJob, double coldStep) {
    Constants {
      check(flopsPerRow > 0 && gflops > 0 && efficiency > 0 && efficiency <= 1.5,
          "flopsPerRow, gflops, efficiency", flopsPerRow + ", " + gflops + ", " + efficiency);
      check(setupFixed >= 0 && setupPerByte >= 0 && readPerByte >= 0 && orderPerExample >= 0
          && firstJobFixed >= 0 && backgroundCpu >= 0 && coldJob >= 0 && coldStep >= 0,
          "coldJob " + coldJob + ", coldStep " + coldStep + "; setupFixed, setupPerByte, readPerByte,"
          + " orderPerExample, firstJobFixed, backgroundCpu", setupFixed + ", " + setupPerByte
          + ", " + readPerByte + ", " + orderPerExample + ", " + firstJobFixed + ", "
          + backgroundCpu);
    }

    /** The same constants with the replica tasks' own costs (see the parameters). */
    Constants withTaskCosts(double s0, double s1, double r, double o, double f, double cpu) {
      return new Constants(flopsPerRow, parameters, stateValues, gflops, gflops128,
          optimizerSeconds, gatherSecondsPerRow, efficiency, jobA, jobB, bcastC0, bcastC1,
          bcastC2, aggFixed, aggM, aggStage, driverSecondsPerValue, driverOptimizerSeconds, s0,
          s1, r, o, f, cpu, coldJob, coldStep);
    }

    /** The same constants with a short job's cold steps (see the parameters). */
    Constants withColdSteps(double job, double step) {
      return new Constants(flopsPerRow, parameters, stateValues, gflops, gflops128,
          optimizerSeconds, gatherSecondsPerRow, efficiency, jobA, jobB, bcastC0, bcastC1,
          bcastC2, aggFixed, aggM, aggStage, driverSecondsPerValue, driverOptimizerSeconds,
          setupFixed, setupPerByte, readPerByte, orderPerExample, firstJobFixed, backgroundCpu,
          job, step);
    }
  }

  /**
   * Where the replicas run: executors × cores (Spark's task slots), on {@code machines} machines
   * with {@code physicalCores} cores in all, and the network's bandwidth in bytes per second.
   */
  record Cluster(int executors, int coresPerExecutor, int machines, int physicalCores,
      double bandwidthBytes) {
    Cluster {
      check(executors >= 1 && coresPerExecutor >= 1 && machines >= 1
          && physicalCores >= machines, "executors, cores, machines, physical cores",
          executors + ", " + coresPerExecutor + ", " + machines + ", " + physicalCores);
    }

    /** A master on this one machine: its task slots share {@code physicalCores}; loopback. */
    static Cluster onOneMachine(int executors, int coresPerExecutor, int physicalCores) {
      return new Cluster(executors, coresPerExecutor, 1, physicalCores, Double.POSITIVE_INFINITY);
    }

    int slots() {
      return executors * coresPerExecutor;
    }

    /** A real cluster: every core is a physical core; {@code gbits} the network in Gb/s. */
    static Cluster of(int executors, int coresPerExecutor, double gbits) {
      return new Cluster(executors, coresPerExecutor, executors, executors * coresPerExecutor,
          gbits * 1e9 / 8);
    }
  }

  /**
   * How training is laid out.
   *
   * @param replicas model replicas R; each is one task of every job
   * @param threadsPerReplica threads one replica may use for its chunks (1 in today's trainer:
   *     one task per partition, one thread per task)
   * @param syncPeriod steps between synchronizations K; 0 = once per epoch
   * @param batch the global mini-batch B, split over the replicas
   * @param gradientMode K = 1 in today's trainer: tasks return gradients, the driver steps, and
   *     only the weights are broadcast and returned
   * @param depth the tree aggregation's depth (Spark's default 2)
   */
  record Layout(int replicas, int threadsPerReplica, int syncPeriod, int batch,
      boolean gradientMode, int depth) {
    Layout {
      check(replicas >= 1 && threadsPerReplica >= 1 && syncPeriod >= 0 && batch >= 1
          && depth >= 1, "replicas, threads, K, batch, depth", replicas + ", "
          + threadsPerReplica + ", " + syncPeriod + ", " + batch + ", " + depth);
    }

    /** Today's trainer: one single-threaded replica per partition. */
    static Layout today(int partitions, int syncPeriod) {
      return new Layout(partitions, 1, syncPeriod, 128, syncPeriod == 1, 2);
    }

    /** The replica layout: R replicas, each using the cores of its executor. */
    static Layout replicas(int replicas, int syncPeriod, int batch, Cluster cluster) {
      int threads = Math.max(1, Math.min(cluster.coresPerExecutor(),
          cluster.slots() / replicas));
      return new Layout(replicas, threads, syncPeriod, batch, false, 2);
    }

    String period() {
      return syncPeriod == 0 ? "epoch" : Integer.toString(syncPeriod);
    }
  }

  /** One epoch's predicted seconds, by part. */
  record Epoch(double compute, double start, double background, int syncs, double job,
      double broadcast, double aggregate, double setup, double read, double cold, double driver) {
    double perSync() {
      return job + broadcast + aggregate + setup + read + cold + driver;
    }

    double total() {
      return compute + start + background + syncs * perSync();
    }
  }

  /** The epoch of {@code examples} training examples in {@code layout} on {@code cluster}. */
  static Epoch epoch(Constants c, Cluster cluster, Layout layout, long examples) {
    long steps = (examples + layout.batch() - 1) / layout.batch();
    int syncs = layout.syncPeriod() == 0 ? 1 : (int) ((steps + layout.syncPeriod() - 1)
        / layout.syncPeriod());
    double rows = (double) layout.batch() / layout.replicas();
    int chunks = (int) Math.ceil(rows / CHUNK_ROWS);
    int threads = Math.min(chunks, layout.threadsPerReplica());
    double chunkRows = Math.min(rows, CHUNK_ROWS);
    double gemm = Math.ceil((double) chunks / threads) * chunkRows * c.flopsPerRow()
        / (c.gflops() * 1e9);
    double gather = rows * c.gatherSecondsPerRow();
    // Gradient mode: the tasks only sum gradients; the driver takes the optimizer step.
    double step = gemm + gather + (layout.gradientMode() ? 0 : c.optimizerSeconds());
    double compute = steps * step * slowdown(c, cluster, layout.replicas(), threads);

    double values = layout.gradientMode() ? c.parameters() : c.parameters() + c.stateValues();
    double bytes = 8 * values;
    double job = c.jobA() + c.jobB() * layout.replicas();
    // Only executors that run a replica's task read the broadcast.
    int readers = Math.min(cluster.executors(), layout.replicas());
    double broadcast = c.bcastC0() + bytes * c.bcastC1()
        + bytes * log2Ceil(readers + 1) * (c.bcastC2() + 1 / cluster.bandwidthBytes());
    double aggregate = aggregate(c, cluster, bytes, layout.replicas(), layout.depth());
    // The replicas set up in parallel: one task's set-up per sync (the slowest's, as measured).
    double setup = c.setupFixed() + bytes * c.setupPerByte();
    double read = bytes * c.readPerByte();
    // Once an epoch each replica orders its share; the first job's code runs colder.
    double start = c.orderPerExample() * Math.ceil((double) examples / layout.replicas())
        + c.firstJobFixed();
    // The driver adds the averaged update and sets the state, or (gradient mode) takes the step.
    double driver = layout.gradientMode() ? c.driverOptimizerSeconds()
        : values * c.driverSecondsPerValue();
    // A machine with a core to spare absorbs the JVMs' other CPU; a full one loses it.
    double background = busyCoresPerMachine(cluster, layout.replicas(), threads)
        >= cluster.physicalCores() / cluster.machines()
        ? c.backgroundCpu() / (cluster.physicalCores() / cluster.machines()) : 0;
    double cold = layout.gradientMode() ? c.coldStep() : c.coldJob();
    return new Epoch(compute, start, background, syncs, job, broadcast, aggregate, setup, read,
        cold, driver);
  }

  /**
   * How much slower a replica's steps run than on a core of its own, with {@code replicas} of
   * {@code threads} threads at work: threads beyond the task slots wait in waves, slots beyond
   * the physical cores share them, and a machine with several cores at work loses some of each
   * core's rate.
   */
  static double slowdown(Constants c, Cluster cluster, int replicas, int threads) {
    int demand = replicas * threads;
    double factor = demand <= cluster.slots()
        ? Math.max(1.0, (double) demand / cluster.physicalCores())
        : Math.ceil((double) demand / cluster.slots())
            * Math.max(1.0, (double) cluster.slots() / cluster.physicalCores());
    int perMachine = busyCoresPerMachine(cluster, replicas, threads);
    int coresPerMachine = cluster.physicalCores() / cluster.machines();
    return Math.min(perMachine, coresPerMachine) > 1 ? factor / c.efficiency() : factor;
  }

  /** Threads at work on one machine: its share of the replicas running at once. */
  static int busyCoresPerMachine(Cluster cluster, int replicas, int threads) {
    int running = Math.min(replicas, cluster.slots());
    return (int) Math.ceil((double) running / cluster.machines()) * threads;
  }

  /** The tree aggregation of {@code tasks} results of {@code bytes} each. */
  static double aggregate(Constants c, Cluster cluster, double bytes, int tasks, int depth) {
    double perByte = c.aggM() + 1 / cluster.bandwidthBytes();
    List<Integer> levels = treeLevels(tasks, depth);
    double seconds = c.aggFixed();
    int from = tasks;
    for (int i = 0; i < levels.size(); i++) {
      int to = levels.get(i);
      // A level's receivers merge in parallel, each its share of the senders.
      double fanIn = Math.ceil((double) from / to);
      double size = i == 0 ? bytes : 2 * bytes; // merged results travel as 128-bit sums
      seconds += fanIn * size * (c.aggStage() + 1 / cluster.bandwidthBytes());
      from = to;
    }
    double size = levels.isEmpty() ? bytes : 2 * bytes;
    return seconds + from * size * perByte; // the last level: every result into the driver
  }

  /**
   * Partition counts of the intermediate levels of Spark's {@code treeAggregate(depth)}:
   * scale = max(⌈T^(1/depth)⌉, 2); while T &gt; scale + ⌈T / scale⌉, T = T / scale (integer).
   */
  static List<Integer> treeLevels(int tasks, int depth) {
    List<Integer> levels = new ArrayList<>();
    int scale = Math.max((int) Math.ceil(Math.pow(tasks, 1.0 / depth)), 2);
    int n = tasks;
    while (n > scale + Math.ceil((double) n / scale)) {
      n /= scale;
      levels.add(n);
    }
    return levels;
  }

  static int log2Ceil(int n) {
    return 32 - Integer.numberOfLeadingZeros(Math.max(0, n - 1));
  }

  /**
   * Least squares of y on the columns of x (no intercept unless a column of ones is given);
   * returns the coefficients.
   */
  static double[] leastSquares(double[][] x, double[] y) {
    int p = x[0].length;
    double[][] a = new double[p][p + 1];
    for (int i = 0; i < y.length; i++) {
      for (int j = 0; j < p; j++) {
        for (int k = 0; k < p; k++) {
          a[j][k] += x[i][j] * x[i][k];
        }
        a[j][p] += x[i][j] * y[i];
      }
    }
    for (int col = 0; col < p; col++) { // Gauss-Jordan with partial pivoting
      int pivot = col;
      for (int r = col + 1; r < p; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
          pivot = r;
        }
      }
      double[] t = a[col];
      a[col] = a[pivot];
      a[pivot] = t;
      check(Math.abs(a[col][col]) > 1e-300, "the fit's columns", "linearly dependent");
      for (int r = 0; r < p; r++) {
        if (r != col) {
          double f = a[r][col] / a[col][col];
          for (int k = col; k <= p; k++) {
            a[r][k] -= f * a[col][k];
          }
        }
      }
    }
    double[] beta = new double[p];
    for (int j = 0; j < p; j++) {
      beta[j] = a[j][p] / a[j][j];
    }
    return beta;
  }

  /**
   * Least squares with every coefficient ≥ 0 (a cost cannot be negative): while a coefficient
   * comes out negative, the most negative one is fixed at 0 and the rest refitted.
   */
  static double[] nonNegativeLeastSquares(double[][] x, double[] y) {
    int p = x[0].length;
    boolean[] active = new boolean[p];
    java.util.Arrays.fill(active, true);
    while (true) {
      int[] columns = IntStream.range(0, p).filter(j -> active[j]).toArray();
      double[] beta = new double[p];
      if (columns.length > 0) {
        double[][] sub = new double[x.length][columns.length];
        for (int i = 0; i < x.length; i++) {
          for (int j = 0; j < columns.length; j++) {
            sub[i][j] = x[i][columns[j]];
          }
        }
        double[] fitted = leastSquares(sub, y);
        for (int j = 0; j < columns.length; j++) {
          beta[columns[j]] = fitted[j];
        }
      }
      int worst = -1;
      for (int j = 0; j < p; j++) {
        if (beta[j] < 0 && (worst < 0 || beta[j] < beta[worst])) {
          worst = j;
        }
      }
      if (worst < 0) {
        return beta;
      }
      active[worst] = false;
    }
  }

  private static void check(boolean ok, String what, String found) {
    if (!ok) {
      throw new IllegalArgumentException(what + ": out of range; found " + found);
    }
  }
}
