package io.sparkgrad.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.data.DataDoesNotFitException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memory plan's figures, by hand, and where it draws the line. */
class MemoryPlanTest {
  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;

  private static TrainingConfig config(String... keyValues) {
    Map<String, String> values = new LinkedHashMap<>(TrainingOptions.defaults());
    values.put("data", "mnist");
    values.put("model", "model");
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    return TrainingConfig.fromMap(values);
  }

  @Test
  void figuresForMnistWithAdam() {
    MemoryPlan plan = MemoryPlan.of(config("hidden", "256", "optimizer", "adam",
        "block-rows", "4096", "precision", "float32"), 70_000, 784, 10);
    long p = 256 * 784 + 256 + 10 * 256 + 10;
    assertEquals(203_530, p);
    assertEquals(p, plan.parameters());
    assertEquals(2 * p, plan.stateValues());
    // The examples never reach the driver: the executors read them.
    assertEquals(8 * (2 * p + 2 * p) + 40 * (3 * p), plan.driverBytes());
    assertEquals(24 * (3 * p) + 8L * 4096 * (784 + 512 + 20), plan.taskBytes());
    assertEquals(8 * 3 * p, plan.executorBytes());
    assertEquals(70_000L * (784 + 8), plan.cacheBytes());
    assertEquals(plan.driverBytes() + 2 * plan.taskBytes() + plan.executorBytes()
        + plan.cacheBytes(), plan.localBytes(2));
  }

  @Test
  void sgdHasNoStateAndTheCacheHoldsBytesInEitherPrecision() {
    MemoryPlan plan = MemoryPlan.of(config("hidden", "32", "optimizer", "sgd",
        "precision", "float64"), 1000, 784, 10);
    assertEquals(0, plan.stateValues());
    assertEquals(1000L * (784 + 8), plan.cacheBytes());
  }

  @Test
  void theDefaultRunFitsHalfAGibibyteAndNotAThirdOfOne() {
    MemoryPlan plan = MemoryPlan.of(config("hidden", "256", "optimizer", "adam"), 70_000, 784,
        10);
    plan.check(2, 512 * MIB, 0, 0);
    ConfigException refused = assertThrows(ConfigException.class,
        () -> plan.check(2, 384 * MIB, 0, 0));
    // By hand: driver 152·P = 29.5 MiB, a task 72·P + 8·4096·1316 = 55.1 MiB, the broadcast
    // 24·P = 4.7 MiB, the cache 70,000·792 bytes = 52.9 MiB; 197.2 MiB in all.
    assertEquals("memory: expected the run to fit in the driver's heap of 384 MiB (84 MiB"
        + " usable beside Spark's reserve); found it needs about 198 MiB (203,530 parameters"
        + " and 407,060 optimizer values: driver 30 MiB, 2 tasks × 56 MiB, broadcast 5 MiB,"
        + " cache 53 MiB, building it 51 MiB a task) with the local master's 2 task slots: lower --hidden, --block-rows"
        + " or the data, or give the driver more memory (SPARKGRAD_DRIVER_MEMORY for"
        + " scripts/sparkgrad, --driver-memory / spark.driver.memory for spark-submit)",
        refused.getMessage());
  }

  /**
   * Building the blocks costs a task a few tens of MiB whatever the data's size: its chunk
   * buffers (2 × 16 MiB + a 256 KiB chunk) and Spark's writer buffers (96 KiB a partition, at
   * most 200 counted); a reduce task copies one chunk at a time straight into its blocks. A task
   * slot runs a build task or a step, never both.
   */
  @Test
  void theBuildIsCountedPerTaskSlotAndDoesNotGrowWithTheData() {
    MemoryPlan auto = MemoryPlan.of(config("hidden", "8", "optimizer", "sgd", "block-rows", "16"),
        60_000, 784, 10);
    long map200 = 2 * 16 * MIB + 256 * 1024 + 200 * 96 * 1024;
    assertEquals(53_477_376, map200);
    assertEquals(map200, auto.buildBytes(), "partitions auto: up to 200 writer buffers");
    assertEquals(21_183L * (789 + 792 + 8) + 16 * 792, 33_672_459);
    MemoryPlan two = MemoryPlan.of(config("hidden", "8", "optimizer", "sgd", "block-rows", "16",
        "partitions", "2"), 60_000, 784, 10);
    assertEquals(2 * 16 * MIB + 256 * 1024 + 2 * 96 * 1024, two.buildBytes());
    assertTrue(two.taskBytes() < two.buildBytes(), "a tiny network's step costs less");
    assertEquals(two.driverBytes() + 2 * two.buildBytes() + two.executorBytes()
        + two.cacheBytes(), two.localBytes(2));
    MemoryPlan larger = MemoryPlan.of(config("hidden", "8", "optimizer", "sgd", "block-rows",
        "16", "partitions", "2"), 8_100_000, 784, 10);
    assertEquals(two.buildBytes(), larger.buildBytes());
  }

  /** MNIST ×40 in a 2 GiB heap: the network fits, the data's 1.8 GiB of blocks do not (exit 8). */
  @Test
  void dataTooLargeForTheHeapIsRefusedAsDataThatDoesNotFit() {
    MemoryPlan plan = MemoryPlan.of(config(), 2_410_000, 784, 10);
    plan.check(2, 6 * GIB, 0, 0);
    DataDoesNotFitException refused = assertThrows(DataDoesNotFitException.class,
        () -> plan.check(2, 2 * GIB, 0, 0));
    String message = refused.getMessage();
    assertTrue(message.startsWith("memory: expected the data to fit in the driver's heap of"
        + " 2.0 GiB (1.7 GiB usable beside Spark's reserve); found the run needs about 1.9 GiB"),
        message);
    assertTrue(message.endsWith("with the local master's 2 task slots, of which the data's"
        + " 2,410,000 examples take 1.8 GiB as cached blocks and building them 51 MiB a task:"
        + " give the driver more memory (SPARKGRAD_DRIVER_MEMORY for scripts/sparkgrad,"
        + " --driver-memory / spark.driver.memory for spark-submit), or train on less data"),
        message);
    // 4.4 GiB holds the whole run (1.9 GiB), but Spark stores blocks in 0.6 of 4.1 GiB only,
    // and while it caches the 2 partitions at once each may need half its size again: 1.8 GiB
    // of blocks need 2.7 GiB of storage.
    MemoryPlan two = MemoryPlan.of(config("partitions", "2"), 2_410_000, 784, 10);
    two.check(2, 5000 * MIB, 0, 0);
    DataDoesNotFitException storage = assertThrows(DataDoesNotFitException.class,
        () -> two.check(2, 4500 * MIB, 0, 0));
    assertEquals("memory: expected the data's cached blocks to fit in Spark's storage memory of"
        + " the driver's heap of 4.4 GiB (spark.memory.fraction 0.6 of 4.1 GiB beside Spark's"
        + " reserve: 2.5 GiB); found the data's 2,410,000 examples take 1.8 GiB as cached blocks"
        + " and 911 MiB more while Spark caches them (half of each partition cached at once):"
        + " give the driver more memory (SPARKGRAD_DRIVER_MEMORY for scripts/sparkgrad,"
        + " --driver-memory / spark.driver.memory for spark-submit), or --partitions more"
        + " partitions, or train on less data", storage.getMessage());
    // partitions auto: 4 partitions of at most 512 MiB on 2 slots, 455 MiB more: 4.4 GiB is enough.
    plan.check(2, 4500 * MIB, 0, 0);
    // With 8 partitions only 2 of them are cached at once: 228 MiB more, and 4.4 GiB is enough.
    MemoryPlan eight = MemoryPlan.of(config("partitions", "8"), 2_410_000, 784, 10);
    eight.check(2, 4500 * MIB, 0, 0);
    assertEquals(1_908_720_000L / 8 * 2 / 2,
        io.sparkgrad.data.BlockedData.unrollingBytes(eight.cacheBytes(), 8, 2));
  }

  @Test
  void aHugeHiddenLayerIsRefusedBeforeAnythingIsAllocated() {
    MemoryPlan plan = MemoryPlan.of(config("hidden", "500000"), 70_000, 784, 10);
    assertThrows(ConfigException.class, () -> plan.check(2, 6 * GIB, 0, 0));
  }

  @Test
  void clusterMastersCheckTheDriverAndAnExecutorApart() {
    MemoryPlan plan = MemoryPlan.of(config("hidden", "20000", "optimizer", "adam"), 70_000, 784,
        10);
    // The driver's part fits 6 GiB; two tasks and the broadcast do not fit a 1 GiB executor.
    plan.check(0, 6 * GIB, 8 * GIB, 2);
    ConfigException executor = assertThrows(ConfigException.class,
        () -> plan.check(0, 6 * GIB, GIB, 2));
    assertEquals(true, executor.getMessage().startsWith("memory: expected an executor's part of"
        + " the run to fit in spark.executor.memory 1.0 GiB; found it needs about "),
        executor.getMessage());
    assertEquals(true, executor.getMessage().endsWith("raise spark.executor.memory"));
    ConfigException driver = assertThrows(ConfigException.class,
        () -> plan.check(0, 1 * GIB, 8 * GIB, 2));
    assertEquals(true, driver.getMessage().contains("SPARKGRAD_DRIVER_MEMORY"),
        driver.getMessage());
  }
}
