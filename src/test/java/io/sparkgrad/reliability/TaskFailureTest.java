package io.sparkgrad.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.training.FaultInjection;
import io.sparkgrad.training.SparkTrainer;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.training.TrainingListener;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.training.TrainingResult;
import io.sparkgrad.training.TrainingSetup;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext$;
import org.apache.spark.Success$;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Failing tasks do not change the result. On {@code local[2,4]} (two task threads, four attempts
 * per task) {@link FaultInjection} makes chosen training tasks throw on their first attempt, in
 * several epochs, jobs and partitions; Spark runs them again, and the final weights equal those
 * of a run without failures bit for bit, because every partition's contribution is a function
 * of the broadcast weights and its cached blocks alone, and the sums are exact.
 *
 * <p>Its own SparkContext (with task retries, which the shared {@code local[2]} session has not),
 * so it runs in the Surefire execution {@code cluster-tests}.
 */
@Tag("cluster")
class TaskFailureTest {
  private static final int PARTITIONS = 4;
  private static final int EPOCHS = 3;
  private static final Pattern INJECTED = Pattern.compile(
      "injected failure: epoch (\\d+), step (\\d+), partition (\\d+), first attempt");

  /** The chosen tasks: about one in five, spread over epochs, jobs and partitions. */
  private static final FaultInjection.Rule RULE =
      (epoch, firstStep, partition) -> (epoch * 31 + firstStep * 7 + partition * 3) % 5 == 0;

  private static JavaSparkContext jsc;
  private static DataSet data;
  /** Task attempts that ended other than successfully, and the injected ones among them. */
  private static final AtomicInteger failedAttempts = new AtomicInteger();
  private static final AtomicInteger injectedFailures = new AtomicInteger();
  private static final Set<String> failedAt = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void startSparkWithTaskRetries() {
    assertFalse(SparkContext$.MODULE$.getActive().isDefined(),
        "a SparkContext is already running in this JVM; this test needs its own (local[2,4])");
    data = new DataSet("first 2000 training and 500 test images of MNIST",
        IdxFolders.head(IdxFolders.mnist().train(), 2000),
        IdxFolders.head(IdxFolders.mnist().test(), 500),
        IdxFolders.mnist().classes(), IdxFolders.mnist().sha256());
    jsc = new JavaSparkContext(new SparkConf(false)
        .setMaster("local[2,4]")
        .setAppName("sparkgrad-task-failures")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.executorEnv.OPENBLAS_NUM_THREADS", "1"));
    jsc.setLogLevel("ERROR"); // every injected failure would log a stack trace at WARN
    jsc.sc().addSparkListener(new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (taskEnd.reason() instanceof Success$) {
          return;
        }
        failedAttempts.incrementAndGet();
        if (taskEnd.reason() instanceof ExceptionFailure failure
            && failure.className().equals(FaultInjection.InjectedFailure.class.getName())) {
          injectedFailures.incrementAndGet();
          Matcher matcher = INJECTED.matcher(failure.description());
          if (matcher.find()) {
            failedAt.add(matcher.group(1) + "/" + matcher.group(2) + "/" + matcher.group(3));
          }
        }
      }
    });
  }

  @AfterAll
  static void stopSpark() {
    FaultInjection.failFirstAttemptWhen(null);
    if (jsc != null) {
      jsc.stop();
    }
  }

  @Test
  void exactSynchronousSgdSurvivesFailingTasksWithIdenticalWeights() throws TimeoutException {
    assertSurvivesFailures("sync-period 1", "1");
  }

  @Test
  void localStepsSurviveFailingTasksWithIdenticalWeights() throws TimeoutException {
    assertSurvivesFailures("sync-period 4 (local steps)", "4");
  }

  private static void assertSurvivesFailures(String name, String syncPeriod)
      throws TimeoutException {
    TrainingConfig config = config(syncPeriod);
    TrainingSetup setup = TrainingSetup.of(config, data);
    TrainingResult reference = train(setup);
    jsc.sc().listenerBus().waitUntilEmpty();
    assertEquals(0, failedAttempts.get(), name + ": failed attempts without injection");

    int expected = expectedFailures(setup);
    FaultInjection.failFirstAttemptWhen(RULE);
    TrainingResult survived;
    try {
      survived = train(setup);
    } finally {
      FaultInjection.failFirstAttemptWhen(null);
    }
    jsc.sc().listenerBus().waitUntilEmpty();
    int failed = failedAttempts.getAndSet(0);
    int injected = injectedFailures.getAndSet(0);
    Set<String> where = new TreeSet<>(failedAt);
    failedAt.clear();

    Set<String> epochs = new TreeSet<>();
    Set<String> steps = new TreeSet<>();
    Set<String> partitions = new TreeSet<>();
    for (String at : where) {
      String[] parts = at.split("/");
      epochs.add(parts[0]);
      steps.add(parts[1]);
      partitions.add(parts[2]);
    }
    double[] expectedWeights = reference.params();
    double[] actual = survived.params();
    int differing = 0;
    for (int i = 0; i < expectedWeights.length; i++) {
      if (Double.doubleToRawLongBits(expectedWeights[i]) != Double.doubleToRawLongBits(actual[i])) {
        differing++;
      }
    }
    System.out.printf("%s: %d injected first-attempt failures (%d expected) at epoch/step/"
            + "partition %s; %d of %d weights differ; test accuracy %.4f%n", name, injected,
        expected, where, differing, expectedWeights.length, survived.test().accuracy());

    assertTrue(expected > 0, name + ": the rule chooses no task");
    assertEquals(expected, injected, name + ": injected failures seen by the listener");
    assertEquals(injected, failed, name + ": every failed attempt was an injected one");
    assertEquals(expected, where.size(), name + ": distinct failed tasks " + where);
    assertTrue(epochs.size() == EPOCHS && steps.size() > 1 && partitions.size() == PARTITIONS,
        name + ": failures spread over epochs " + epochs + ", steps " + steps
            + " and partitions " + partitions);
    assertArrayEquals(expectedWeights, actual, 0.0,
        name + ": " + differing + " weights differ from the run without failures");
    assertEquals(reference.test().meanLoss(), survived.test().meanLoss(), 0.0, name + ": test loss");
    assertTrue(survived.test().accuracy() > 0.7,
        name + ": test accuracy " + survived.test().accuracy() + ": nothing was learnt");
  }

  /** The training tasks the rule fails: one per (epoch, job, partition) it chooses. */
  private static int expectedFailures(TrainingSetup setup) {
    int stepsPerEpoch = setup.stepsPerEpoch();
    int stepsPerJob = setup.config().distribution().stepsPerJob(stepsPerEpoch);
    int count = 0;
    for (int epoch = 0; epoch < EPOCHS; epoch++) {
      for (int firstStep = 0; firstStep < stepsPerEpoch; firstStep += stepsPerJob) {
        for (int partition = 0; partition < PARTITIONS; partition++) {
          count += RULE.fail(epoch, firstStep, partition) ? 1 : 0;
        }
      }
    }
    return count;
  }

  private static TrainingConfig config(String syncPeriod) {
    Map<String, String> args = new LinkedHashMap<>();
    args.put("data", data.source());
    args.put("model", "unused");
    List<String> keys = List.of("hidden", "32", "epochs", Integer.toString(EPOCHS),
        "batch-size", "100", "learning-rate", "0.01", "partitions", Integer.toString(PARTITIONS),
        "replicas", Integer.toString(PARTITIONS),
        "block-rows", "128", "sync-period", syncPeriod);
    for (int i = 0; i < keys.size(); i += 2) {
      args.put(keys.get(i), keys.get(i + 1));
    }
    return TrainingOptions.resolve(Map.of(), args);
  }

  private static TrainingResult train(TrainingSetup setup) {
    return new SparkTrainer(jsc, TrainingListener.NONE).train(setup, data);
  }
}
