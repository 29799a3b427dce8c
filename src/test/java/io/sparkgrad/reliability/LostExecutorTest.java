package io.sparkgrad.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.training.SparkTrainer;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.training.TrainingListener;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.training.TrainingResult;
import io.sparkgrad.training.TrainingSetup;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext$;
import org.apache.spark.SparkEnv;
import org.apache.spark.Success$;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * A lost executor does not change the result. On {@code local-cluster[2,1,1024]} (a Master and
 * two Workers in this JVM, each executor a child JVM) the same training runs twice: once
 * undisturbed, once with one executor JVM killed (SIGKILL) while training tasks run on it. Spark
 * reruns the lost tasks on the other executor, rebuilds the cached blocks that died with it from
 * the broadcast examples, and the Worker starts a replacement; the weights equal the undisturbed
 * run's bit for bit.
 *
 * <p>The kill must land in the middle of training or the test proves nothing, so the test
 * asserts the order of events: the executor was removed before the last training job ended,
 * training tasks ran after the removal, and the run had not finished when the kill was sent.
 *
 * <p>Its own SparkContext, so it runs in the Surefire execution {@code cluster-tests}.
 */
@Tag("cluster")
class LostExecutorTest {
  private static final int EXECUTORS = 2;
  private static final String MASTER = "local-cluster[" + EXECUTORS + ",1,1024]";
  private static final int PARTITIONS = 4;
  /** Training tasks the victim runs in the second run before it is killed. */
  private static final int TASKS_BEFORE_KILL = 12;
  private static final int EXECUTOR_WAITS = 12;
  private static final int EXECUTOR_WAIT_SECONDS = 10;
  private static final int TRAINING_MINUTES = 4;
  /** The stage name of a training job: its call site (training.StepJobs dispatches the jobs). */
  private static final String TRAINING_STAGE = "StepJobs.java";

  private static JavaSparkContext jsc;
  private static DataSet data;

  /** Event order, as the listener sees events: one counter for all of them. */
  private static final AtomicLong sequence = new AtomicLong();
  private static final Set<Integer> trainingStages = ConcurrentHashMap.newKeySet();
  private static final Set<Integer> trainingJobs = ConcurrentHashMap.newKeySet();
  private static volatile String victim;
  private static final AtomicInteger victimTrainingTasks = new AtomicInteger();
  private static final Semaphore victimTaskStarted = new Semaphore(0);
  private static final Semaphore executorRemoved = new Semaphore(0);
  private static final AtomicLong victimRemovedAt = new AtomicLong(Long.MAX_VALUE);
  private static final AtomicLong lastTrainingJobEndAt = new AtomicLong();
  private static final AtomicLong lastTrainingTaskStartAt = new AtomicLong();
  private static final AtomicInteger lostTaskAttempts = new AtomicInteger();
  private static final List<String> removalReasons = new ArrayList<>();

  @BeforeAll
  static void startTheCluster() throws IOException {
    assertFalse(SparkContext$.MODULE$.getActive().isDefined(),
        "a SparkContext is already running in this JVM; this test needs its own (local-cluster)");
    String sparkHome = System.getenv("SPARK_HOME");
    assertTrue(sparkHome != null && !sparkHome.isBlank(),
        "SPARK_HOME: expected a folder (Surefire sets target/spark-home); found " + sparkHome);
    Files.createDirectories(Paths.get(sparkHome, "jars"));
    data = new DataSet("first 2000 training and 500 test images of MNIST",
        IdxFolders.head(IdxFolders.mnist().train(), 2000),
        IdxFolders.head(IdxFolders.mnist().test(), 500),
        IdxFolders.mnist().classes(), IdxFolders.mnist().sha256());
    jsc = new JavaSparkContext(new SparkConf(false)
        .setMaster(MASTER)
        .setAppName("sparkgrad-lost-executor")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.executorEnv.OPENBLAS_NUM_THREADS", "1")
        .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .set("spark.executor.memory", "768m")
        .set("spark.executorEnv.SPARK_SCALA_VERSION", "2.13"));
    jsc.setLogLevel("WARN");
    jsc.sc().addSparkListener(new Events());
    awaitExecutors();
  }

  @AfterAll
  static void stopTheCluster() {
    if (jsc != null) {
      jsc.stop();
    }
  }

  @Test
  void killingAnExecutorMidTrainingGivesTheSameWeights()
      throws InterruptedException, ExecutionException, TimeoutException {
    TrainingSetup setup = TrainingSetup.of(config(), data);
    TrainingResult undisturbed = train(setup);

    // Which JVM runs which executor, asked before the long job (jobs run first in, first out).
    Map<String, Long> pids = executorPids();
    assertEquals(EXECUTORS, pids.size(), "executors and their pids: " + pids);
    String chosen = pids.keySet().iterator().next();
    long pid = pids.get(chosen);
    ProcessHandle executor = ProcessHandle.of(pid)
        .orElseThrow(() -> new AssertionError("executor " + chosen + ": no process " + pid));
    long self = ProcessHandle.current().pid();
    assertNotEquals(self, pid, "executor " + chosen + " runs in the test JVM");
    assertEquals(self, executor.parent().map(ProcessHandle::pid).orElse(-1L),
        "executor " + chosen + " (pid " + pid + "): expected a child of this JVM");

    victim = chosen;
    CompletableFuture<TrainingResult> running = CompletableFuture.supplyAsync(() -> train(setup));
    // Wait, bounded, until the victim has run a few training tasks of this run, then kill it.
    int waits = 0;
    while (victimTrainingTasks.get() < TASKS_BEFORE_KILL && !running.isDone()) {
      if (++waits > TRAINING_MINUTES * 60) {
        fail("executor " + chosen + " ran " + victimTrainingTasks.get()
            + " training tasks in " + TRAINING_MINUTES + " min");
      }
      victimTaskStarted.tryAcquire(1, TimeUnit.SECONDS);
    }
    assertFalse(running.isDone(),
        "training finished before executor " + chosen + " ran " + TASKS_BEFORE_KILL
            + " training tasks; nothing would be proven by the kill");
    assertTrue(executor.destroyForcibly(), "SIGKILL to executor " + chosen + " (pid " + pid + ")");
    assertFalse(running.isDone(), "training finished before the kill was sent");
    assertTrue(executor.onExit().get(1, TimeUnit.MINUTES) != null && !executor.isAlive(),
        "executor " + chosen + " (pid " + pid + ") still alive after SIGKILL");
    System.out.println("killed executor " + chosen + " (pid " + pid + ") after "
        + victimTrainingTasks.get() + " of its training tasks had started");

    TrainingResult survived = running.get(TRAINING_MINUTES, TimeUnit.MINUTES);
    assertTrue(executorRemoved.tryAcquire(1, TimeUnit.MINUTES),
        "Spark never reported executor " + chosen + " removed");
    jsc.sc().listenerBus().waitUntilEmpty();

    System.out.printf("executor %s removed (%s) at event %d; training tasks started until event"
            + " %d; last training job ended at event %d; %d task attempts lost%n", chosen,
        removalReasons, victimRemovedAt.get(), lastTrainingTaskStartAt.get(),
        lastTrainingJobEndAt.get(), lostTaskAttempts.get());
    assertTrue(victimRemovedAt.get() < lastTrainingJobEndAt.get(),
        "executor " + chosen + " was removed (event " + victimRemovedAt.get()
            + ") after the last training job ended (event " + lastTrainingJobEndAt.get() + ")");
    assertTrue(victimRemovedAt.get() < lastTrainingTaskStartAt.get(),
        "no training task started after executor " + chosen + " was removed");

    double[] expected = undisturbed.params();
    double[] actual = survived.params();
    int differing = 0;
    for (int i = 0; i < expected.length; i++) {
      if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
        differing++;
      }
    }
    assertArrayEquals(expected, actual, 0.0, differing + " of " + expected.length
        + " weights differ from the run without the kill");
    assertEquals(undisturbed.test().meanLoss(), survived.test().meanLoss(), 0.0, "test loss");
    assertTrue(survived.test().accuracy() > 0.7,
        "test accuracy " + survived.test().accuracy() + ": nothing was learnt");
  }

  /** Records the events the assertions order, numbered as the listener sees them. */
  private static final class Events extends SparkListener {
    /** A training job: one whose stages are named after their call site in the trainer. */
    @Override
    public void onJobStart(SparkListenerJobStart start) {
      for (StageInfo stage : CollectionConverters.asJava(start.stageInfos())) {
        if (stage.name().contains(TRAINING_STAGE)) {
          trainingStages.add(stage.stageId());
          trainingJobs.add(start.jobId());
        }
      }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart start) {
      if (!trainingStages.contains(start.stageId())) {
        return;
      }
      lastTrainingTaskStartAt.set(sequence.incrementAndGet());
      if (start.taskInfo().executorId().equals(victim)) {
        victimTrainingTasks.incrementAndGet();
        victimTaskStarted.release();
      }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (!(end.reason() instanceof Success$)) {
        lostTaskAttempts.incrementAndGet();
      }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd end) {
      if (trainingJobs.contains(end.jobId())) {
        lastTrainingJobEndAt.set(sequence.incrementAndGet());
      }
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
      if (removed.executorId().equals(victim)) {
        synchronized (removalReasons) {
          removalReasons.add(removed.reason());
        }
        victimRemovedAt.set(sequence.incrementAndGet());
        executorRemoved.release();
      }
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded added) {
      registrations.release();
    }
  }

  private static final Semaphore registrations = new Semaphore(0);

  /** Blocks until both executors have registered, waking on each registration (bounded). */
  private static void awaitExecutors() {
    for (int wait = 0; jsc.sc().getExecutorIds().size() < EXECUTORS; wait++) {
      if (wait == EXECUTOR_WAITS) {
        fail(jsc.sc().getExecutorIds().size() + " of " + EXECUTORS + " executors registered after "
            + EXECUTOR_WAITS * EXECUTOR_WAIT_SECONDS + " s");
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
   * Executor id → pid of its JVM, from two tasks of one barrier stage: barrier tasks are
   * launched together, so with one core per executor they run on the two executors.
   */
  private static Map<String, Long> executorPids() {
    ClassTag<String> strings = ClassTag$.MODULE$.apply(String.class);
    JavaRDD<String> answers = new JavaRDD<>(
        jsc.parallelize(List.of(0, 1), EXECUTORS).rdd().barrier()
            .mapPartitions(new ExecutorAndPid(), false, strings),
        strings);
    Map<String, Long> pids = new LinkedHashMap<>();
    for (String answer : answers.collect()) {
      String[] parts = answer.split("=");
      pids.put(parts[0], Long.parseLong(parts[1]));
    }
    return pids;
  }

  /** "executorId=pid" of the JVM running the task. */
  private static final class ExecutorAndPid
      extends AbstractFunction1<Iterator<Integer>, Iterator<String>> implements Serializable {
    @Override
    public Iterator<String> apply(Iterator<Integer> ignored) {
      return scala.collection.Iterator$.MODULE$.single(
          SparkEnv.get().executorId() + "=" + ProcessHandle.current().pid());
    }
  }

  /**
   * Exact synchronous SGD, one Spark job per step: 20 steps per epoch, 3 epochs, so that a kill
   * after the victim's first few training tasks (about six jobs) leaves most of the run to go.
   * One replica a partition: four training tasks a job spread over both executors (replicas
   * auto would give two, which locality may place on one executor, leaving the victim idle).
   */
  private static TrainingConfig config() {
    Map<String, String> args = new LinkedHashMap<>();
    args.put("data", data.source());
    args.put("model", "unused");
    List<String> keys = List.of("hidden", "32", "epochs", "3", "batch-size", "100",
        "learning-rate", "0.01", "partitions", Integer.toString(PARTITIONS),
        "replicas", Integer.toString(PARTITIONS), "block-rows", "128",
        "sync-period", "1", "precision", "float64");
    for (int i = 0; i < keys.size(); i += 2) {
      args.put(keys.get(i), keys.get(i + 1));
    }
    return TrainingOptions.resolve(Map.of(), args);
  }

  private static TrainingResult train(TrainingSetup setup) {
    return new SparkTrainer(jsc, TrainingListener.NONE).train(setup, data);
  }
}
