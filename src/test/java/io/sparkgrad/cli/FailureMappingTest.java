package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.io.OutputException;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/**
 * Failures that reach {@link Main} wrapped in Spark's exceptions keep their documented exit code
 * and one-line message: out of memory (8), a damaged Parquet file (3), a standalone master
 * that stopped answering (2), a refused output (4).
 */
class FailureMappingTest {
  @Test
  void outOfMemoryIsExitEightWithTheSettingsToChange() {
    Throwable wrapped = new SparkException("Job aborted",
        new OutOfMemoryError("Java heap space"));
    assertEquals(ExitCode.OUT_OF_MEMORY, Main.exitCodeOf(wrapped));
    assertEquals(8, ExitCode.OUT_OF_MEMORY.code());
    String message = Main.messageOf(wrapped);
    assertTrue(message.startsWith("out of memory (Java heap space): the run needs more heap"
        + " than it has; give the driver more (SPARKGRAD_DRIVER_MEMORY"), message);
    assertTrue(message.contains("spark.executor.memory"), message);
    assertEquals(-1, message.indexOf('\n'), "one line");
  }

  @Test
  void aStandaloneMasterThatStoppedAnsweringIsAConfigurationError() {
    Throwable failure = new IllegalStateException("Spark stopped",
        new SparkException("Application has been killed. Reason: All masters are unresponsive!"
            + " Giving up."));
    assertEquals(ExitCode.USAGE, Main.exitCodeOf(failure));
    assertEquals("master: the Spark master did not answer (Application has been killed. Reason:"
        + " All masters are unresponsive! Giving up.); check the --master URL and that the"
        + " master is running", Main.messageOf(failure));
  }

  @Test
  void aRefusedOutputInsideASparkFailureKeepsItsCodeAndMessage() {
    Throwable failure = new SparkException("Task failed", new OutputException(
        OutputException.Reason.BUSY, "x: another sparkgrad run is writing this --model"));
    assertEquals(ExitCode.OUTPUT_PROBLEM, Main.exitCodeOf(failure));
    assertEquals("x: another sparkgrad run is writing this --model", Main.messageOf(failure));
  }

  @Test
  void aHeapBelowSparksMinimumIsRefusedInOneLineBeforeSparkStarts() {
    io.sparkgrad.config.ConfigException refused = org.junit.jupiter.api.Assertions.assertThrows(
        io.sparkgrad.config.ConfigException.class,
        () -> SparkSessions.requireSparkMinimumHeap(300L << 20));
    assertEquals("memory: expected a driver heap of at least 450 MiB (Spark's minimum); found"
        + " 300 MiB: raise SPARKGRAD_DRIVER_MEMORY (scripts/sparkgrad) or --driver-memory /"
        + " spark.driver.memory (spark-submit)", refused.getMessage());
    assertEquals(ExitCode.USAGE, Main.exitCodeOf(refused));
    SparkSessions.requireSparkMinimumHeap(SparkSessions.SPARK_MINIMUM_HEAP);
  }

  @Test
  void everyExitCodeIsInTheReadmeTable() throws java.io.IOException {
    String readme = java.nio.file.Files.readString(java.nio.file.Paths.get(
        System.getProperty("sparkgrad.project.dir", ".")).resolve("README.md"));
    for (ExitCode code : ExitCode.values()) {
      assertTrue(readme.contains("| " + code.code() + " |"), "README lacks exit code "
          + code.code());
    }
  }
}
