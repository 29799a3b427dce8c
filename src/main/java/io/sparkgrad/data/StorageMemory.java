package io.sparkgrad.data;

import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The memory Spark has for cached blocks where the blocks go: every executor's storage memory
 * (in local mode the driver is the executor), as the block managers report it, total and free.
 */
record StorageMemory(long total, long free, int executors, boolean local, String executorMemory) {

  static StorageMemory of(JavaSparkContext jsc) {
    SparkConf conf = jsc.getConf();
    boolean local = jsc.master().startsWith("local[") || jsc.master().equals("local");
    String driver = SparkEnv.get() == null ? null
        : SparkEnv.get().blockManager().blockManagerId().hostPort();
    long total = 0;
    long free = 0;
    int executors = 0;
    for (var entry : CollectionConverters.asJava(jsc.sc().getExecutorMemoryStatus()).entrySet()) {
      boolean isDriver = entry.getKey().equals(driver);
      if (isDriver && !local && jsc.sc().getExecutorMemoryStatus().size() > 1) {
        continue; // in a cluster the driver caches no RDD blocks
      }
      Tuple2<Object, Object> memory = entry.getValue();
      total += (Long) memory._1();
      free += (Long) memory._2();
      executors++;
    }
    return new StorageMemory(total, free, executors, local,
        conf.get("spark.executor.memory", "1g"));
  }

  /**
   * The message of a {@link DataDoesNotFitException} for {@code needed} bytes of blocks and
   * {@code unrolling} more while {@code atOnce} partitions are cached at once.
   */
  String explain(String name, long count, int inputs, long needed, long unrolling,
      int atOnce) {
    return String.format(Locale.ROOT,
        "%s: the data does not fit the memory given: %,d examples × (%d pixels + 8) bytes ="
            + " %.1f MB of cached blocks, and %.1f MB more while Spark caches them (half of each"
            + " of the %d partitions cached at once); the storage memory of %d executor%s has"
            + " %.1f MB free of %.1f MB (spark.memory.fraction of the heap). Raise %s, or give"
            + " --partitions more partitions, or train on less data",
        name, count, inputs, needed / 1e6, unrolling / 1e6, atOnce, executors,
        executors == 1 ? "" : "s", free / 1e6, total / 1e6, setting());
  }

  /** The setting that gives the blocks more memory, with its value now. */
  String setting() {
    return local
        ? "the driver's memory (local mode: the driver is the executor; SPARKGRAD_DRIVER_MEMORY"
            + " for scripts/sparkgrad, spark.driver.memory for spark-submit; now a heap of "
            + String.format(Locale.ROOT, "%.1f GB", Runtime.getRuntime().maxMemory() / 1e9) + ")"
        : "spark.executor.memory (now " + executorMemory + ") or the number of executors";
  }
}
