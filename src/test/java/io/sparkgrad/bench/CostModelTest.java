package io.sparkgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.testing.SparkTestSession;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.JobExecutionStatus;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** The epoch cost model's arithmetic, and its copy of Spark's tree-aggregation rule. */
class CostModelTest {
  /** Round numbers: 1 ms of compute per row, 10 ms per optimizer step. */
  private static final CostModel.Constants C = new CostModel.Constants(
      1e6, 1000, 2000, 1.0, 1.0, 0.01, 0, 0.5,
      0.1, 0.01, 0.02, 1e-9, 0, 0.005, 2e-9, 0, 1e-9, 0.003, 0, 0, 0, 0, 0, 0, 0, 0);

  @Test
  void todaysLayoutOnTwoCores() {
    // 10 steps of 64 rows per task, 2 tasks on 2 cores (both busy: efficiency 0.5), one sync.
    CostModel.Epoch e = CostModel.epoch(C, CostModel.Cluster.onOneMachine(1, 2, 2),
        CostModel.Layout.today(2, 0), 1280);
    assertEquals(10 * (0.064 + 0.01) / 0.5, e.compute(), 1e-12);
    assertEquals(1, e.syncs());
    assertEquals(0.1 + 2 * 0.01, e.job(), 1e-12);
    assertEquals(0.02 + 24000e-9, e.broadcast(), 1e-12); // weights + Adam state, 3000 doubles
    assertEquals(0.005 + 2 * 24000 * 2e-9, e.aggregate(), 1e-12);
    assertEquals(3000e-9, e.driver(), 1e-15);
  }

  @Test
  void moreTaskSlotsThanCoresShareThem() {
    // local-cluster[3,1,…] on 2 cores: 3 tasks of 128/3 rows, 1.5 tasks per core.
    CostModel.Epoch e = CostModel.epoch(C, CostModel.Cluster.onOneMachine(3, 1, 2),
        CostModel.Layout.today(3, 5), 1280);
    assertEquals(10 * (128.0 / 3 * 1e-3 + 0.01) * 1.5 / 0.5, e.compute(), 1e-12);
    assertEquals(2, e.syncs());
    // One executor, two tasks one after the other; one core busy at a time: no efficiency loss.
    CostModel.Epoch one = CostModel.epoch(C, CostModel.Cluster.onOneMachine(1, 1, 2),
        CostModel.Layout.today(2, 5), 1280);
    assertEquals(10 * (0.064 + 0.01) * 2, one.compute(), 1e-12);
  }

  @Test
  void gradientModeBroadcastsWeightsOnlyAndStepsOnTheDriver() {
    CostModel.Epoch e = CostModel.epoch(C, CostModel.Cluster.onOneMachine(1, 2, 2),
        CostModel.Layout.today(2, 1), 1280);
    assertEquals(10, e.syncs());
    assertEquals(10 * 0.064 / 0.5, e.compute(), 1e-12);
    assertEquals(0.02 + 8000e-9, e.broadcast(), 1e-12);
    assertEquals(0.003, e.driver(), 1e-15);
  }

  @Test
  void replicaSplitsItsRowsIntoChunksOverItsThreads() {
    // One replica of 128 rows, 8 cores: two 64-row chunks at once; 4 executors at 10 Gb/s.
    CostModel.Cluster cluster = CostModel.Cluster.of(4, 8, 10);
    CostModel.Layout layout = CostModel.Layout.replicas(1, 0, 128, cluster);
    assertEquals(8, layout.threadsPerReplica());
    CostModel.Epoch e = CostModel.epoch(C, cluster, layout, 1280);
    assertEquals(10 * (0.064 + 0.01) / 0.5, e.compute(), 1e-12);
    // Broadcast: only the replica's executor reads it, one round at 1.25 GB/s.
    assertEquals(0.02 + 24000e-9 + 24000 * 1 / 1.25e9, e.broadcast(), 1e-12);
    // Four replicas, one per executor, 32 rows each on one thread: ⌈log2(5)⌉ = 3 rounds.
    CostModel.Layout four = CostModel.Layout.replicas(4, 0, 128, cluster);
    CostModel.Epoch f = CostModel.epoch(C, cluster, four, 1280);
    assertEquals(10 * (0.032 + 0.01), f.compute(), 1e-12);
    assertEquals(0.02 + 24000e-9 + 24000 * 3 / 1.25e9, f.broadcast(), 1e-12);
  }

  @Test
  void theReplicaTasksOwnCostsEnterEachSyncAndEachEpoch() {
    // Set-up 2 ms + 1 ns a byte and a read of 0.5 ns a byte beyond the probe's, per sync; the
    // epoch order 1 µs an example of a replica's share and 10 ms of a colder first job, per epoch.
    CostModel.Constants c = C.withTaskCosts(0.002, 1e-9, 0.5e-9, 1e-6, 0.01, 0);
    CostModel.Cluster cluster = CostModel.Cluster.onOneMachine(1, 2, 2);
    CostModel.Epoch e = CostModel.epoch(c, cluster, CostModel.Layout.today(2, 5), 1280);
    CostModel.Epoch without = CostModel.epoch(C, cluster, CostModel.Layout.today(2, 5), 1280);
    assertEquals(2, e.syncs());
    assertEquals(0.002 + 24000e-9, e.setup(), 1e-15); // weights + Adam state: 3000 doubles
    assertEquals(24000 * 0.5e-9, e.read(), 1e-15);
    assertEquals(640 * 1e-6 + 0.01, e.start(), 1e-15); // 1280 examples over 2 replicas
    assertEquals(without.total() + 2 * (e.setup() + e.read()) + e.start(), e.total(), 1e-12);
    // Gradient mode: the task starts from the weights alone (1000 doubles).
    CostModel.Epoch g = CostModel.epoch(c, cluster, CostModel.Layout.today(2, 1), 1280);
    assertEquals(0.002 + 8000e-9, g.setup(), 1e-15);
  }

  @Test
  void theJvmsOtherCpuTakesCoresOnlyWhereTheReplicasFillThem() {
    CostModel.Constants c = C.withTaskCosts(0, 0, 0, 0, 0, 0.6);
    // local-cluster[3,1,…] on 2 cores: both cores busy, the 0.6 CPU seconds take 0.3 s.
    assertEquals(0.3, CostModel.epoch(c, CostModel.Cluster.onOneMachine(3, 1, 2),
        CostModel.Layout.today(3, 0), 1280).background(), 1e-15);
    // One single-threaded replica on 2 cores: the other core absorbs it.
    assertEquals(0, CostModel.epoch(c, CostModel.Cluster.onOneMachine(1, 1, 2),
        CostModel.Layout.today(1, 0), 1280).background());
    // One replica of 2 threads (128 rows: two chunks) per 8-core executor: cores to spare.
    CostModel.Cluster big = CostModel.Cluster.of(4, 8, 10);
    assertEquals(0, CostModel.epoch(c, big, CostModel.Layout.replicas(4, 0, 128, big), 1280)
        .background());
  }

  @Test
  void aShortJobsColdStepsEnterEverySyncByItsMode() {
    CostModel.Constants c = C.withColdSteps(0.004, 0.001);
    CostModel.Cluster cluster = CostModel.Cluster.onOneMachine(1, 2, 2);
    CostModel.Epoch local = CostModel.epoch(c, cluster, CostModel.Layout.today(2, 5), 1280);
    CostModel.Epoch gradient = CostModel.epoch(c, cluster, CostModel.Layout.today(2, 1), 1280);
    assertEquals(0.004, local.cold());
    assertEquals(0.001, gradient.cold());
    CostModel.Epoch without = CostModel.epoch(C, cluster, CostModel.Layout.today(2, 5), 1280);
    assertEquals(without.total() + 2 * 0.004, local.total(), 1e-12);
  }

  @Test
  void negativeTaskCostsAreRejected() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> C.withTaskCosts(0, 0, -1e-9, 0, 0, 0));
    assertTrue(e.getMessage().contains("-1.0E-9"), e.getMessage());
  }

  @Test
  void treeLevelsFollowSparksRule() {
    assertEquals(List.of(), CostModel.treeLevels(2, 2));
    assertEquals(List.of(), CostModel.treeLevels(3, 2));
    assertEquals(List.of(4), CostModel.treeLevels(16, 2));
    assertEquals(List.of(16), CostModel.treeLevels(256, 2));
    assertEquals(List.of(), CostModel.treeLevels(16, 1));
  }

  /** Spark runs one stage per level plus the first: the model's rule must agree. */
  @Test
  void treeLevelsMatchTheStagesSparkRuns() throws Exception {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    int[][] cases = {{2, 2}, {3, 2}, {16, 2}, {16, 1}, {64, 2}, {64, 3}, {100, 2}};
    for (int[] c : cases) {
      int tasks = c[0];
      int depth = c[1];
      JavaRDD<Integer> rdd = jsc.parallelize(
          IntStream.range(0, tasks).boxed().collect(Collectors.toList()), tasks);
      String group = "cost-model-" + tasks + "-" + depth;
      jsc.setJobGroup(group, group, false);
      int sum = rdd.treeAggregate(0, Integer::sum, Integer::sum, depth);
      jsc.clearJobGroup();
      assertEquals(tasks * (tasks - 1) / 2, sum);
      int stages = stagesOf(jsc, group);
      assertEquals(1 + CostModel.treeLevels(tasks, depth).size(), stages,
          "stages of treeAggregate over " + tasks + " partitions at depth " + depth);
    }
  }

  /** The stage count of the group's one job, once Spark's status store has it. */
  private static int stagesOf(JavaSparkContext jsc, String group) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      int[] jobs = jsc.statusTracker().getJobIdsForGroup(group);
      if (jobs.length == 1) {
        SparkJobInfo info = jsc.statusTracker().getJobInfo(jobs[0]);
        if (info != null && info.status() == JobExecutionStatus.SUCCEEDED) {
          return info.stageIds().length;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("job group " + group + ": no finished job within 30 s");
  }

  @Test
  void leastSquaresRecoversALine() {
    double[][] x = {{1, 1}, {1, 2}, {1, 4}, {1, 8}};
    double[] y = {5, 7, 11, 19};
    double[] beta = CostModel.leastSquares(x, y);
    assertEquals(3, beta[0], 1e-12);
    assertEquals(2, beta[1], 1e-12);
  }

  @Test
  void nonNegativeFitDropsANegativeCost() {
    // y = 10 + 0·x1 + 2·x2 with noise that pulls x1's free coefficient below 0.
    double[][] x = {{1, 1, 0}, {1, 2, 1}, {1, 3, 1}, {1, 4, 3}};
    double[] y = {10.2, 11.9, 11.8, 16.1};
    double[] free = CostModel.leastSquares(x, y);
    double[] bounded = CostModel.nonNegativeLeastSquares(x, y);
    assertTrue(free[1] < 0, "the free fit: " + free[1]);
    assertEquals(0, bounded[1]);
    assertEquals(10, bounded[0], 1e-9); // least squares on the other two columns: 10 + 2·x2
    assertEquals(2, bounded[2], 1e-9);
  }
}
