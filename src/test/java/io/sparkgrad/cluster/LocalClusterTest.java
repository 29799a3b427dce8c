package io.sparkgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.testing.MnistFixture;
import io.sparkgrad.training.ReplicaLayout;
import io.sparkgrad.training.SparkTrainer;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.training.TrainingListener;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.training.TrainingResult;
import io.sparkgrad.training.TrainingSetup;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext$;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The trainer on a real multi-process Spark: {@code local-cluster[2,1,1024]} runs a standalone
 * Master and two Workers inside this JVM, and each Worker launches its executor as a separate
 * JVM. The same runs on {@code local[2]} (tasks on threads of this JVM) give the reference: with
 * the same configuration, partition and replica counts (two replicas of two partitions each), the
 * weights must be bit-identical, because blocks are a function of (seed, partitions, block rows),
 * a replica's steps of its examples alone, and every sum across replicas is exact.
 *
 * <p>A JVM holds one SparkContext at a time: this class starts and stops its own two (cluster,
 * then local[2]) and runs in the Surefire execution {@code cluster-tests}, a JVM of its own, never
 * beside the shared {@code SparkTestSession}.
 */
@Tag("cluster")
class LocalClusterTest {
  private static final int EXECUTORS = 2;
  private static final String CLUSTER_MASTER = "local-cluster[" + EXECUTORS + ",1,1024]";
  private static final String LOCAL_MASTER = "local[2]";
  /** Waiting for executors: at most this many waits of {@link #EXECUTOR_WAIT_SECONDS} each. */
  private static final int EXECUTOR_WAITS = 12;
  private static final int EXECUTOR_WAIT_SECONDS = 10;

  private static final int TRAIN_EXAMPLES = 2000;
  private static final int TEST_EXAMPLES = 1000;

  /** The runs compared, by name: the same keys on both masters. */
  private static final Map<String, String[]> RUNS = new LinkedHashMap<>();

  static {
    String[] common = {"hidden", "32", "epochs", "3", "batch-size", "100", "learning-rate",
        "0.01", "partitions", "4", "replicas", "2", "block-rows", "128"};
    RUNS.put("sync-period 1 (exact synchronous SGD), float64",
        concat(common, "sync-period", "1", "precision", "float64"));
    RUNS.put("sync-period 5 (local steps), float32",
        concat(common, "sync-period", "5", "precision", "float32"));
  }

  private static final int DEFAULT_PARALLELISM = 8;
  private static int clusterSlots;
  private static int clusterDefaultParallelism;
  private static DataSet data;
  private static long driverPid;
  private static List<Long> executorPids;
  /** Executor ids that ran tasks of the training jobs on the cluster. */
  private static final Set<String> trainingExecutors = ConcurrentHashMap.newKeySet();
  private static final Map<String, TrainingResult> onCluster = new LinkedHashMap<>();
  private static final Map<String, TrainingResult> onLocal = new LinkedHashMap<>();

  @BeforeAll
  static void trainOnBothMasters() throws IOException {
    assertFalse(SparkContext$.MODULE$.getActive().isDefined(),
        "a SparkContext is already running in this JVM (" + SparkSession.getDefaultSession()
            + "); the cluster tests must run in their own JVM: the Surefire execution"
            + " 'cluster-tests' (mvn test -Dtest='io.sparkgrad.cluster.*Test')");
    data = smallMnist();
    driverPid = ProcessHandle.current().pid();
    sparkHomeWithJarsFolder();

    JavaSparkContext cluster = start(CLUSTER_MASTER, conf -> conf
        // Executors are separate JVMs: they get this JVM's classpath (test and main classes,
        // Spark) instead of SPARK_HOME/jars, which Surefire's SPARK_HOME leaves empty.
        .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .set("spark.executor.memory", "768m")
        .set("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
        // A default parallelism above the cores (users set it for shuffles): the layout's
        // slots must stay the executors' granted cores.
        .set("spark.default.parallelism", Integer.toString(DEFAULT_PARALLELISM)));
    try {
      awaitExecutors(cluster);
      clusterSlots = ReplicaLayout.slots(cluster);
      clusterDefaultParallelism = cluster.defaultParallelism();
      executorPids = executorPidsFromConcurrentTasks(cluster);
      cluster.sc().addSparkListener(new SparkListener() {
        @Override
        public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
          trainingExecutors.add(taskEnd.taskInfo().executorId());
        }
      });
      RUNS.forEach((name, keys) -> onCluster.put(name, train(cluster, keys)));
    } finally {
      cluster.stop();
    }

    JavaSparkContext local = start(LOCAL_MASTER, conf -> conf);
    try {
      RUNS.forEach((name, keys) -> onLocal.put(name, train(local, keys)));
    } finally {
      local.stop();
    }
  }

  @Test
  void executorsAreTwoSeparateChildJvmsAndBothTrained() {
    System.out.println("driver pid " + driverPid + ", executor pids " + executorPids
        + ", executors that ran training tasks " + new TreeSet<>(trainingExecutors));
    assertEquals(EXECUTORS, new TreeSet<>(executorPids).size(),
        "two concurrent barrier tasks, one core per executor: expected two different executor"
            + " pids; found " + executorPids);
    // (Each task also checked that its JVM was a child of this one, while it was alive.)
    for (long pid : executorPids) {
      assertNotEquals(driverPid, pid, "a barrier task ran in the driver JVM");
    }
    assertEquals(EXECUTORS, trainingExecutors.size(),
        "executors that ran training tasks: " + trainingExecutors);
    assertFalse(trainingExecutors.contains("driver"), "a training task ran in the driver");
  }

  @Test
  void aReplicaRunsOnTheCoresItsExecutorWasGrantedNotTheDefaultParallelism() {
    assertEquals(DEFAULT_PARALLELISM, clusterDefaultParallelism, "spark.default.parallelism");
    assertEquals(EXECUTORS, clusterSlots, "slots: the executors' granted cores, one each");
    for (var run : onCluster.entrySet()) {
      assertEquals(1, run.getValue().threadsPerReplica(),
          run.getKey() + ": threads of each of 2 replicas on 2 granted cores");
    }
  }

  @Test
  void exactSynchronousSgdGivesTheSameWeightsOnTheClusterAsOnLocal() {
    assertSameRun("sync-period 1 (exact synchronous SGD), float64");
  }

  @Test
  void localStepsGiveTheSameWeightsOnTheClusterAsOnLocal() {
    assertSameRun("sync-period 5 (local steps), float32");
  }

  private static void assertSameRun(String name) {
    TrainingResult cluster = onCluster.get(name);
    TrainingResult local = onLocal.get(name);
    double[] expected = local.params();
    double[] actual = cluster.params();
    int differing = 0;
    double maxDifference = 0;
    for (int i = 0; i < expected.length; i++) {
      if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
        differing++;
        maxDifference = Math.max(maxDifference, Math.abs(expected[i] - actual[i]));
      }
    }
    System.out.printf("%s: %d parameters, %d differ (max |difference| %.3e); test accuracy"
            + " %s %.4f, %s %.4f%n", name, expected.length, differing, maxDifference,
        CLUSTER_MASTER, cluster.test().accuracy(), LOCAL_MASTER, local.test().accuracy());
    assertArrayEquals(expected, actual, 0.0,
        name + ": " + differing + " of " + expected.length + " weights differ between "
            + CLUSTER_MASTER + " and " + LOCAL_MASTER + ", by up to " + maxDifference);
    // Equal weights prove nothing if nothing was learnt.
    assertTrue(cluster.test().accuracy() > 0.7,
        name + ": test accuracy " + cluster.test().accuracy() + " after training");
    assertEquals(local.test().accuracy(), cluster.test().accuracy(), 0.0, name + ": test accuracy");
    assertEquals(local.test().meanLoss(), cluster.test().meanLoss(), 0.0, name + ": test loss");
    assertEquals(local.partitions(), cluster.partitions(), name + ": partitions");
  }

  private static TrainingResult train(JavaSparkContext jsc, String[] keys) {
    Map<String, String> args = new LinkedHashMap<>();
    args.put("data", data.source());
    args.put("model", "unused");
    for (int i = 0; i < keys.length; i += 2) {
      args.put(keys[i], keys[i + 1]);
    }
    TrainingConfig config = TrainingOptions.resolve(Map.of(), args);
    return new SparkTrainer(jsc, TrainingListener.NONE).train(TrainingSetup.of(config, data), data);
  }

  private interface Settings {
    SparkConf apply(SparkConf conf);
  }

  private static JavaSparkContext start(String master, Settings settings) {
    SparkConf conf = new SparkConf(false)
        .setMaster(master)
        .setAppName("sparkgrad-cluster-test")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
    JavaSparkContext jsc = new JavaSparkContext(settings.apply(conf));
    jsc.setLogLevel("WARN");
    return jsc;
  }

  /**
   * local-cluster's Workers build the executor command from {@code SPARK_HOME} (set by Surefire
   * to target/spark-home), which must hold a {@code jars} folder; it may be empty, since the
   * executors get their classpath from {@code spark.executor.extraClassPath}.
   */
  private static void sparkHomeWithJarsFolder() throws IOException {
    String sparkHome = System.getenv("SPARK_HOME");
    assertTrue(sparkHome != null && !sparkHome.isBlank(),
        "SPARK_HOME: expected a folder (Surefire sets target/spark-home); found " + sparkHome);
    Files.createDirectories(Paths.get(sparkHome, "jars"));
  }

  /** Blocks until both executors have registered, waking on each registration (bounded). */
  private static void awaitExecutors(JavaSparkContext jsc) {
    Semaphore registrations = new Semaphore(0);
    jsc.sc().addSparkListener(new SparkListener() {
      @Override
      public void onExecutorAdded(SparkListenerExecutorAdded executorAdded) {
        registrations.release();
      }
    });
    // The listener may come after a registration: the loop re-reads the count after each wait.
    for (int wait = 0; jsc.sc().getExecutorIds().size() < EXECUTORS; wait++) {
      if (wait == EXECUTOR_WAITS) {
        fail(jsc.sc().getExecutorIds().size() + " of " + EXECUTORS + " executors registered after "
            + EXECUTOR_WAITS * EXECUTOR_WAIT_SECONDS + " s; the executors' logs are under "
            + Paths.get(System.getenv("SPARK_HOME"), "work") + " (one folder per app)");
      }
      try {
        registrations.tryAcquire(EXECUTOR_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for executors", e);
      }
    }
  }

  /**
   * The pids of the JVMs that run two tasks of one barrier stage. Barrier tasks are launched
   * together, so with one core per executor the two tasks run on the two executors. Each task
   * also checks, while its executor is alive, that its parent process is this JVM.
   */
  private static List<Long> executorPidsFromConcurrentTasks(JavaSparkContext jsc) {
    long parent = ProcessHandle.current().pid();
    ClassTag<Long> longs = ClassTag$.MODULE$.apply(Long.class);
    JavaRDD<Long> pids = new JavaRDD<>(
        jsc.parallelize(List.of(0, 1), EXECUTORS).rdd().barrier()
            .mapPartitions(new PidOfTask(parent), false, longs),
        longs);
    return new ArrayList<>(pids.collect());
  }

  /** A barrier task's pid, after checking that its JVM is a child of {@code expectedParent}. */
  private static final class PidOfTask
      extends AbstractFunction1<Iterator<Integer>, Iterator<Long>> implements Serializable {
    private final long expectedParent;

    PidOfTask(long expectedParent) {
      this.expectedParent = expectedParent;
    }

    @Override
    public Iterator<Long> apply(Iterator<Integer> ignored) {
      ProcessHandle self = ProcessHandle.current();
      long parent = self.parent().map(ProcessHandle::pid).orElse(-1L);
      if (parent != expectedParent) {
        throw new IllegalStateException("executor JVM " + self.pid() + ": expected the test JVM "
            + expectedParent + " as its parent; found " + parent);
      }
      return scala.collection.Iterator$.MODULE$.single(self.pid());
    }
  }

  /** The first {@link #TRAIN_EXAMPLES} training and {@link #TEST_EXAMPLES} test images of MNIST. */
  private static DataSet smallMnist() throws IOException {
    Path folder = MnistFixture.folder();
    assertTrue(Files.isDirectory(folder), "MNIST folder " + folder);
    DataSet full = DataSetFolder.at(folder.toString(), new Configuration()).load();
    return new DataSet(full.source() + " (first " + TRAIN_EXAMPLES + " training and "
        + TEST_EXAMPLES + " test images)", head(full.train(), TRAIN_EXAMPLES),
        head(full.test(), TEST_EXAMPLES), full.classes(), full.sha256());
  }

  private static LabeledImages head(LabeledImages images, int count) {
    int size = images.features();
    return new LabeledImages(images.source() + " first " + count, images.imageRows(),
        images.imageCols(), Arrays.copyOf(images.pixels(), count * size),
        Arrays.copyOf(images.labels(), count));
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
