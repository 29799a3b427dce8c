package io.sparkgrad.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cost model's replica-task constants as ScalingRuns derives them from a master's
 * measurements: the trainer's timed task phases, the broadcast probe's timed reads, and the task
 * JVMs' CPU per epoch.
 */
class TaskCostsTest {
  private static final int P = 1000;
  private static final int VALUES = 3 * P + 1; // weights and Adam state

  /** The slowest task's phases of one sync period, in seconds. */
  private static Map<String, Object> trainer(String period, int replicas, double blocks,
      double read, double create, double order, double assemble, double beyond) {
    Map<String, Object> phases = Bench.map("blocks", blocks, "read_weights", read,
        "create", create, "order", order, "steps", 0.5, "assemble", assemble,
        "runBeyondPhases", beyond);
    return Bench.map("syncPeriod", period, "partitions", replicas, "replicas", replicas,
        "jobBreakdown", Bench.map("slowestTaskPhases", phases), "epochSamples", List.of(1.0, 1.0),
        "executorJvmPerEpoch", "epoch".equals(period) ? List.of(
            Bench.map("processCpuSeconds", 9.0, "tasksCpuSeconds", 1.0),
            Bench.map("processCpuSeconds", 2.0, "tasksCpuSeconds", 1.5),
            Bench.map("processCpuSeconds", 1.8, "tasksCpuSeconds", 1.5)) : null);
  }

  private static Map<String, Object> probe(int values, double read) {
    return Bench.map("kind", "broadcast", "tasks", 2, "values", values, "depth", 0,
        "medianSeconds", 0.03, "medianTaskReadSeconds", read);
  }

  @Test
  void setUpReadOrderAndFirstJobComeFromTheTimedPhases() {
    double s0 = 0.002;
    double s1 = 1e-9;
    double bytesAll = 8.0 * VALUES;
    double bytesWeights = 8.0 * P;
    // Set-up phases (blocks + create + assemble + beyond) on the line s0 + S·s1 at K = 10 and 1;
    // the read 0.5 ns a byte above the probe's; epoch-sync: 6 ms of order for 30,000 examples
    // and 4 ms more set-up than the line (the first job).
    double atAll = s0 + bytesAll * s1;
    double atWeights = s0 + bytesWeights * s1;
    Map<String, Object> master = Bench.map("master", "local-cluster[2,1,1024]",
        "parameters", P, "driver", Bench.map("values", VALUES),
        "jobs", List.of(probe(P, 0.001), probe(3 * P, 0.003)),
        "trainer", List.of(
            trainer("epoch", 2, 0.001, 0.003 + 0.5e-9 * bytesAll, 0.001, 0.006,
                atAll + 0.004 - 0.002, 0),
            trainer("10", 2, 0.0005, 0.003 + 0.5e-9 * bytesAll, 0.0005, 0.0001, atAll - 0.0015,
                0.0005),
            trainer("1", 2, 0.0005, 0.001 + 0.5e-9 * bytesWeights, 0.0005, 0.0001,
                atWeights - 0.001, 0)));
    double[] c = ScalingRuns.taskCosts(master);
    assertEquals(s0, c[0], 1e-12, "set-up s0");
    assertEquals(s1, c[1], 1e-18, "set-up per byte");
    assertEquals(0.5e-9, c[2], 1e-15, "read beyond the probe's, per byte");
    assertEquals(0.006 / 30_000, c[3], 1e-15, "order per example of a replica's share");
    assertEquals(0.004, c[4], 1e-12, "the first job beyond the line");
    // The JVMs' other CPU: the median of the counted (last two) epochs, not the first one's JIT.
    assertEquals(0.4, ScalingRuns.backgroundCpu(master), 1e-12);
  }

  @Test
  void theJvmsOtherCpuWhileTheJobRanIsPreferredToTheWholeEpochs() {
    Map<String, Object> phases = Bench.map("read_weights", 0.01, "steps", 0.5,
        "otherCpuDuringTasks", 0.25);
    Map<String, Object> master = Bench.map("master", "local-cluster[3,1,1024]", "parameters", P,
        "driver", Bench.map("values", VALUES), "jobs", List.of(),
        "trainer", List.of(Bench.map("syncPeriod", "epoch", "epochSamples", List.of(1.0),
            "jobBreakdown", Bench.map("slowestTaskPhases", phases),
            "executorJvmPerEpoch", List.of(
                Bench.map("processCpuSeconds", 2.0, "tasksCpuSeconds", 1.0)))));
    assertEquals(0.25, ScalingRuns.backgroundCpu(master), 1e-12);
  }

  @Test
  void withoutTimedPhasesTheTaskCostsAreZero() {
    Map<String, Object> master = Bench.map("master", "local[2]", "parameters", P,
        "driver", Bench.map("values", VALUES), "jobs", List.of(),
        "trainer", List.of(Bench.map("syncPeriod", "10", "jobBreakdown", Bench.map())));
    assertArrayEquals(new double[5], ScalingRuns.taskCosts(master));
    assertEquals(0, ScalingRuns.backgroundCpu(master));
  }
}
