package io.sparkgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.network.NetworkSpec;
import org.junit.jupiter.api.Test;

/** The compute limit's arithmetic: the rows a thread's GEMMs cover, and an epoch's limit. */
class ComputeLimitTest {
  @Test
  void rowsPerThreadIsTheReplicasShareOverItsThreads() {
    assertEquals(64, ComputeLimit.rowsPerThread(128, 1, 2)); // the default on local[2]
    assertEquals(128, ComputeLimit.rowsPerThread(256, 1, 2));
    assertEquals(256, ComputeLimit.rowsPerThread(512, 1, 2));
    assertEquals(128, ComputeLimit.rowsPerThread(256, 2, 1)); // two replicas of one thread
    assertEquals(512, ComputeLimit.rowsPerThread(512, 1, 1));
    // Uneven shares round up: the busiest thread sets the step's time.
    assertEquals(65, ComputeLimit.rowsPerThread(129, 1, 2));
    assertEquals(34, ComputeLimit.rowsPerThread(100, 3, 1));
    assertEquals(17, ComputeLimit.rowsPerThread(100, 3, 2));
  }

  @Test
  void rowsPerThreadRejectsNonPositiveCounts() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ComputeLimit.rowsPerThread(0, 1, 2));
    assertTrue(e.getMessage().contains("batch size") && e.getMessage().contains("found 0"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ComputeLimit.rowsPerThread(128, 0, 2));
    assertThrows(IllegalArgumentException.class, () -> ComputeLimit.rowsPerThread(128, 1, -1));
  }

  @Test
  void epochLimitIsTheEpochsGemmFlopsOverTheCores() {
    NetworkSpec spec = ComputeLimit.spec(256);
    // 784-256-10: forward 2·(784·256 + 256·10), backward 2·(784·256 + 2·256·10) flops an example.
    double perExample = 2.0 * (784 * 256 + 256 * 10) + 2.0 * (784 * 256 + 2 * 256 * 10);
    assertEquals(818_176, perExample, 0);
    assertEquals(60_000 * perExample / (2 * 205.6e9),
        ComputeLimit.epochLimitSeconds(spec, 60_000, 205.6, 2), 1e-15);
    // The figures of docs/benchmarks/scale-out.md: 0.1194 s per MNIST epoch, 16.1 s per 8.1 M.
    assertEquals(0.1194, ComputeLimit.epochLimitSeconds(spec, 60_000, 205.6, 2), 5e-5);
    assertEquals(16.1, ComputeLimit.epochLimitSeconds(spec, 8_100_000, 205.6, 2), 0.05);
    // Halving the GFLOPS or the cores doubles the limit.
    assertEquals(2 * ComputeLimit.epochLimitSeconds(spec, 8_100_000, 205.6, 2),
        ComputeLimit.epochLimitSeconds(spec, 8_100_000, 102.8, 2), 1e-9);
    assertEquals(2 * ComputeLimit.epochLimitSeconds(spec, 8_100_000, 205.6, 2),
        ComputeLimit.epochLimitSeconds(spec, 8_100_000, 205.6, 1), 1e-9);
  }

  @Test
  void epochLimitRejectsNonPositiveInputs() {
    NetworkSpec spec = ComputeLimit.spec(256);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ComputeLimit.epochLimitSeconds(spec, 60_000, 0, 2));
    assertTrue(e.getMessage().contains("GFLOPS"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> ComputeLimit.epochLimitSeconds(spec, 0, 200, 2));
    assertThrows(IllegalArgumentException.class,
        () -> ComputeLimit.epochLimitSeconds(spec, 60_000, Double.NaN, 2));
    assertThrows(IllegalArgumentException.class,
        () -> ComputeLimit.epochLimitSeconds(spec, 60_000, 200, 0));
  }
}
