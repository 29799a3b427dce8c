package io.sparkgrad.training;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.data.BlockedData;
import io.sparkgrad.data.DataDoesNotFitException;
import io.sparkgrad.network.OptimizerKind;
import java.util.Locale;

/**
 * The memory a training run needs, estimated before anything is allocated, against the heap it
 * will have: a run that cannot fit is refused with the figures and the setting to change,
 * instead of an OutOfMemoryError after tens of seconds. The figures are deliberately rough
 * (within a small factor); they count what cannot be evicted:
 *
 * <pre>
 *   parameters P = H·d + H + K·H + K; optimizer state S = v·P (v = 0 sgd, 1 momentum/adagrad, 2 adam)
 *   driver      8·(2P + S)      weights, kept weights, optimizer state
 *             + 40·(P + S)      a job's exact sums (16 bytes a value) twice while merging, one broadcast copy
 *                               (the examples never reach the driver: the executors read them)
 *   per task    24·(P + S)      its exact sums and its double gradient
 *             + 8·r·(d + 2H + 2K) one block's activations and deltas (r = block-rows)
 *   executor    8·(P + S)       the broadcast weights and state, once
 *             + n·(d + 8)       the cached blocks (a byte a pixel, an int label and index), spread
 *                               over the executors
 *   per build task  b           while the blocks are built (before any step): a map task's chunk
 *                               buffers and Spark's writer buffers, or a reduce task's one chunk
 *                               at a time ({@link BlockedData#buildBytesPerTask}; a few tens of
 *                               MiB, whatever n: a reduce task copies each chunk's rows straight
 *                               into its blocks, which are the cache)
 * </pre>
 *
 * A task slot runs either a build task or a training task at a time, never both. A local master
 * runs driver and tasks in one heap; other masters are checked separately against the driver's
 * heap and spark.executor.memory. When only the data's part (the cache and the build) makes a
 * run too large, it is refused as data that does not fit ({@link DataDoesNotFitException}, the
 * commands' exit 8), else as a configuration that cannot fit. A local master's cached blocks must
 * also fit Spark's storage memory, 0.6 of the heap beyond Spark's reserve (spark.memory.fraction),
 * with half of each partition cached at once again ({@link BlockedData#unrollingBytes}).
 */
public record MemoryPlan(
    long examples, long parameters, long stateValues, long driverBytes, long taskBytes,
    long executorBytes, long cacheBytes, long buildBytes, int partitions) {
  // Spark keeps 300 MiB of any heap for itself (the unified memory manager's reserve).
  static final long SPARK_RESERVED = 300L << 20;
  // The part of the rest that Spark's storage and execution share (spark.memory.fraction,
  // default 0.6): where the cached blocks must fit. Read as Spark reads it for the driver (the
  // launcher's -D, or spark-submit's settings, which reach the driver as system properties).
  static double storageFraction() {
    return Double.parseDouble(System.getProperty("spark.memory.fraction", "0.6"));
  }

  /** The plan for {@code examples} examples of {@code features} inputs and {@code classes}. */
  public static MemoryPlan of(TrainingConfig config, long examples, int features, int classes) {
    long d = features;
    long h = config.network().hidden();
    long k = classes;
    long p = h * d + h + k * h + k;
    long s = stateVectors(config.optimization().optimizer()) * p;
    long driver = 8 * (2 * p + s) + 40 * (p + s);
    long task = 24 * (p + s) + 8L * config.distribution().blockRows() * (d + 2 * h + 2 * k);
    long executor = 8 * (p + s);
    long cache = BlockedData.cachedBytes(examples, features);
    long build = BlockedData.buildBytesPerTask(features, config.distribution().partitions(),
        config.distribution().blockRows());
    return new MemoryPlan(examples, p, s, driver, task, executor, cache, build,
        config.distribution().partitions());
  }

  private static int stateVectors(OptimizerKind kind) {
    return switch (kind) {
      case SGD -> 0;
      case MOMENTUM, ADAGRAD -> 1;
      case ADAM -> 2;
    };
  }

  /** Bytes needed when driver and tasks share one heap (a local master with {@code cores}). */
  public long localBytes(int cores) {
    return driverBytes + cores * Math.max(taskBytes, buildBytes) + executorBytes + cacheBytes;
  }

  /** The same without the data (no cache, no build): what the network alone needs. */
  private long localBytesWithoutData(int cores) {
    return driverBytes + cores * taskBytes + executorBytes;
  }

  /**
   * Refuses the run when it cannot fit.
   *
   * @param localCores the task slots of a local master (local[N]), or 0 for a cluster master
   * @param driverHeap the driver's maximum heap (Runtime.maxMemory())
   * @param executorHeap spark.executor.memory (cluster masters only)
   * @param executorCores the tasks an executor runs at once (cluster masters only)
   */
  public void check(int localCores, long driverHeap, long executorHeap, int executorCores) {
    if (localCores > 0) {
      long needed = localBytes(localCores);
      if (needed > driverHeap - SPARK_RESERVED
          && localBytesWithoutData(localCores) <= driverHeap - SPARK_RESERVED) {
        throw new DataDoesNotFitException(String.format(Locale.ROOT, "memory: expected the data"
            + " to fit in the driver's heap of %s (%s usable beside Spark's reserve); found the"
            + " run needs about %s (%s) with the local master's %d task slots, of which the"
            + " data's %,d examples take %s as cached blocks and building them %s a task: give"
            + " the driver more memory (SPARKGRAD_DRIVER_MEMORY for scripts/sparkgrad,"
            + " --driver-memory / spark.driver.memory for spark-submit), or train on less data",
            size(driverHeap), size(driverHeap - SPARK_RESERVED), size(needed),
            breakdown(localCores), localCores, examples, size(cacheBytes), size(buildBytes)));
      }
      long storage = (long) (storageFraction() * (driverHeap - SPARK_RESERVED));
      long unrolling = BlockedData.unrollingBytes(cacheBytes,
          partitions > 0 ? partitions : ReplicaLayout.autoPartitions(localCores, cacheBytes),
          localCores);
      if (needed <= driverHeap - SPARK_RESERVED && cacheBytes + unrolling > storage) {
        // BlockedData would refuse it too, against the storage memory Spark reports, but only
        // once the data's labels have been read and its files hashed.
        throw new DataDoesNotFitException(String.format(Locale.ROOT, "memory: expected the"
            + " data's cached blocks to fit in Spark's storage memory of the driver's heap of %s"
            + " (spark.memory.fraction %s of %s beside Spark's reserve: %s); found the data's"
            + " %,d examples take %s as cached blocks and %s more while Spark caches them (half"
            + " of each partition cached at once): give the driver more memory"
            + " (SPARKGRAD_DRIVER_MEMORY for scripts/sparkgrad, --driver-memory /"
            + " spark.driver.memory for spark-submit), or --partitions more partitions, or train"
            + " on less data", size(driverHeap), storageFraction(),
            size(driverHeap - SPARK_RESERVED), size(storage),
            examples, size(cacheBytes), size(unrolling)));
      }
      if (needed > driverHeap - SPARK_RESERVED) {
        throw new ConfigException(String.format(Locale.ROOT, "memory: expected the run to fit in"
            + " the driver's heap of %s (%s usable beside Spark's reserve); found it needs about"
            + " %s (%s) with the local master's %d task slots: lower --hidden, --block-rows or the"
            + " data, or give the driver more memory (SPARKGRAD_DRIVER_MEMORY for"
            + " scripts/sparkgrad, --driver-memory / spark.driver.memory for spark-submit)",
            size(driverHeap), size(driverHeap - SPARK_RESERVED), size(needed),
            breakdown(localCores), localCores));
      }
      return;
    }
    if (driverBytes > driverHeap - SPARK_RESERVED) {
      throw new ConfigException(String.format(Locale.ROOT, "memory: expected the driver's part"
          + " of the run to fit in its heap of %s; found it needs about %s (parameters %s,"
          + " optimizer state %s, a job's exact sums %s): lower --hidden, or give the driver more"
          + " memory (SPARKGRAD_DRIVER_MEMORY, --driver-memory / spark.driver.memory)",
          size(driverHeap), size(driverBytes), size(8 * parameters), size(8 * stateValues),
          size(40 * (parameters + stateValues))));
    }
    long executorNeeds = executorBytes + (long) executorCores * Math.max(taskBytes, buildBytes);
    if (executorNeeds > executorHeap - SPARK_RESERVED) {
      throw new ConfigException(String.format(Locale.ROOT, "memory: expected an executor's part"
          + " of the run to fit in spark.executor.memory %s; found it needs about %s (%d tasks"
          + " × %s, broadcast %s): lower --hidden or --block-rows, or raise spark.executor.memory",
          size(executorHeap), size(executorNeeds), executorCores, size(taskBytes),
          size(executorBytes)));
    }
  }

  /** One line for the run's log. */
  public String describe(int localCores) {
    return "about " + size(localCores > 0 ? localBytes(localCores) : driverBytes) + " ("
        + breakdown(Math.max(1, localCores)) + ")";
  }

  private String breakdown(int cores) {
    return String.format(Locale.ROOT, "%,d parameters and %,d optimizer values: driver %s,"
        + " %d tasks × %s, broadcast %s, cache %s, building it %s a task", parameters,
        stateValues, size(driverBytes), cores, size(taskBytes), size(executorBytes),
        size(cacheBytes), size(buildBytes));
  }

  /** Bytes in MiB or GiB, for messages. */
  public static String size(long bytes) {
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
    return String.format(Locale.ROOT, "%d MiB", (bytes + (1 << 20) - 1) >> 20);
  }
}
