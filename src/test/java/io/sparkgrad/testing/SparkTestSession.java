package io.sparkgrad.testing;

import org.apache.spark.sql.SparkSession;

/**
 * The one {@code local[2]} SparkSession the integration tests share (starting Spark costs seconds
 * here). Loopback only, no UI. It stops when the test JVM exits.
 */
public final class SparkTestSession {
  private static SparkSession session;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (session == null) {
      session =
          SparkSession.builder()
              .master("local[2]")
              .appName("sparkgrad-tests")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.executorEnv.OPENBLAS_NUM_THREADS", "1")
              .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
    }
    return session;
  }
}
