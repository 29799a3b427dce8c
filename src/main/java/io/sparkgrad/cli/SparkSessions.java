package io.sparkgrad.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the SparkSession of a command. Settings given by spark-submit or {@code -Dspark.*}
 * win; otherwise the configured master is used, and a local master stays on loopback with the
 * web UI off.
 */
final class SparkSessions {
  private SparkSessions() {}

  static SparkSession start(String appName, String defaultMaster) {
    SparkConf conf = new SparkConf(true);
    if (!conf.contains("spark.master")) {
      conf.setMaster(defaultMaster);
    }
    boolean local = conf.get("spark.master").startsWith("local");
    if (local) {
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      conf.setIfMissing("spark.ui.enabled", "false");
    }
    conf.setIfMissing("spark.app.name", appName);
    // One BLAS thread per task: Spark already runs one task per core.
    conf.setIfMissing("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }
}
