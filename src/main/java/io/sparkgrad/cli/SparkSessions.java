package io.sparkgrad.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the Spark context of a command, with or without Spark SQL. Settings given by
 * spark-submit or {@code -Dspark.*} win; otherwise the configured master is used, and a local
 * master stays on loopback with the web UI off. A session that is already running (an
 * application embedding sparkgrad, or a test) is used as it is and left running.
 */
public final class SparkSessions implements AutoCloseable {
  private final SparkContext context;
  /** The SQL session: null when the command started only a context ({@link #startContext}). */
  private final SparkSession session;
  private final boolean owned;

  private SparkSessions(SparkContext context, SparkSession session, boolean owned) {
    this.context = context;
    this.session = session;
    this.owned = owned;
  }

  /** The Spark SQL session; only for a command started with {@link #start}. */
  SparkSession session() {
    if (session == null) {
      throw new IllegalStateException("started without Spark SQL (startContext): no session");
    }
    return session;
  }

  JavaSparkContext context() {
    return JavaSparkContext.fromSparkContext(context);
  }

  /** Stops the context (and the session) if this command started it. */
  @Override
  public void close() {
    if (owned) {
      if (session != null) {
        session.stop();
      } else {
        context.stop();
      }
    }
  }

  /**
   * What a local master (local[N], local-cluster) needs on one machine, where the settings do
   * not already say otherwise: loopback only, no web UI, task results handed back directly,
   * broadcasts not compressed.
   */
  public static void setLocalDefaults(SparkConf conf) {
    conf.setIfMissing("spark.driver.host", "127.0.0.1");
    conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    conf.setIfMissing("spark.ui.enabled", "false");
    // A training job's result (exact sums of the weights' update and optimizer state) is a few
    // to tens of MB; on one machine, handing it back directly saves the block manager's round
    // trip (20-50 ms per job measured here) that Spark takes above 1 MB.
    conf.setIfMissing("spark.task.maxDirectResultSize", "64m");
    // The weights and optimizer state broadcast every epoch (15 MB at H 800) never leave the
    // machine here: compressing them only costs time.
    conf.setIfMissing("spark.broadcast.compress", "false");
  }

  // Spark refuses (with a stack trace) a driver heap below 1.5 × its 300 MiB reserve.
  static final long SPARK_MINIMUM_HEAP = 471_859_200L;

  /** Refuses a heap Spark would refuse, in one line naming the setting. */
  static void requireSparkMinimumHeap(long maxHeap) {
    if (maxHeap < SPARK_MINIMUM_HEAP) {
      throw new io.sparkgrad.config.ConfigException("memory: expected a driver heap of at least"
          + " 450 MiB (Spark's minimum); found " + (maxHeap >> 20) + " MiB: raise"
          + " SPARKGRAD_DRIVER_MEMORY (scripts/sparkgrad) or --driver-memory /"
          + " spark.driver.memory (spark-submit)");
    }
  }

  /** A Spark SQL session, for commands that read or write tables. */
  static SparkSessions start(String appName, String defaultMaster) {
    SparkSessions running = running();
    if (running != null) {
      return running;
    }
    return withSql(conf(appName, defaultMaster));
  }

  private static SparkSessions withSql(SparkConf conf) {
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    return new SparkSessions(spark.sparkContext(), spark, true);
  }

  /**
   * A Spark context alone, for commands that use only RDDs: a SparkSession also initialises
   * Spark SQL and Scala's runtime reflection, about 1,650 more classes and half of Spark's start
   * in the profile of {@code train} (docs/benchmarks/startup.md). A running session is used as
   * {@link #start} does. Only for a local master: submitted to a standalone master that refused
   * it (no secret, a wrong one), a bare context's driver stayed waiting in its first job after
   * Spark had given up on the master, where the session's start fails and the command exits
   * (StandaloneSubmitTest); the saving was measured on local masters only.
   */
  static SparkSessions startContext(String appName, String defaultMaster) {
    SparkSessions running = running();
    if (running != null) {
      return running;
    }
    SparkConf conf = conf(appName, defaultMaster);
    if (!conf.get("spark.master").startsWith("local")) {
      return withSql(conf);
    }
    return new SparkSessions(SparkContext.getOrCreate(conf), null, true);
  }

  /** The session already running in this JVM, left running at close; else null. */
  private static SparkSessions running() {
    scala.Option<SparkSession> running = SparkSession.getDefaultSession();
    if (running.isDefined() && !running.get().sparkContext().isStopped()) {
      return new SparkSessions(running.get().sparkContext(), running.get(), false);
    }
    return null;
  }

  private static SparkConf conf(String appName, String defaultMaster) {
    SparkConf conf = new SparkConf(true);
    if (!conf.contains("spark.master")) {
      conf.setMaster(defaultMaster);
    }
    if (conf.get("spark.master").startsWith("local")) {
      setLocalDefaults(conf);
      requireSparkMinimumHeap(Runtime.getRuntime().maxMemory());
    }
    if (conf.get("spark.master").startsWith("local-cluster")) {
      // Executor JVMs started on this machine take the driver's own classpath.
      conf.setIfMissing("spark.executor.extraClassPath", System.getProperty("java.class.path"));
      conf.setIfMissing("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
    }
    conf.setIfMissing("spark.app.name", appName);
    // One BLAS thread per task: Spark already runs one task per core.
    conf.setIfMissing("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
    return conf;
  }
}
