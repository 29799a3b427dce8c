package io.sparkgrad.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the SparkSession of a command. Settings given by spark-submit or {@code -Dspark.*}
 * win; otherwise the configured master is used, and a local master stays on loopback with the
 * web UI off. A session that is already running (an application embedding sparkgrad, or a test)
 * is used as it is and left running.
 */
final class SparkSessions implements AutoCloseable {
  private final SparkSession session;
  private final boolean owned;

  private SparkSessions(SparkSession session, boolean owned) {
    this.session = session;
    this.owned = owned;
  }

  SparkSession session() {
    return session;
  }

  /** Stops the session if this command started it. */
  @Override
  public void close() {
    if (owned) {
      session.stop();
    }
  }

  static SparkSessions start(String appName, String defaultMaster) {
    scala.Option<SparkSession> running = SparkSession.getDefaultSession();
    if (running.isDefined() && !running.get().sparkContext().isStopped()) {
      return new SparkSessions(running.get(), false);
    }
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
    return new SparkSessions(spark, true);
  }
}
