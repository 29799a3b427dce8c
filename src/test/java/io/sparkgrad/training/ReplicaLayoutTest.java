package io.sparkgrad.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The model depends on the replicas, not on how the data is partitioned: on a real local[2]
 * Spark, runs that differ only in the partition count end with bit-identical weights, for one
 * replica (two threads) and for two.
 */
class ReplicaLayoutTest {
  private static final LabeledImages TRAIN = SyntheticImages.make(700, 8, 6, 4, 1);
  private static final LabeledImages TEST = SyntheticImages.make(150, 8, 6, 4, 2);
  private static final DataSet DATA = new DataSet("synthetic", TRAIN, TEST, 4, Map.of());

  private static TrainingResult train(String... keyValues) {
    // A batch of 150 is three chunks for one replica: threads and chunks both at work.
    String[] common = {"epochs", "2", "batch-size", "150", "learning-rate", "0.01",
        "block-rows", "64", "dropout", "0.2"};
    String[] all = Arrays.copyOf(common, common.length + keyValues.length);
    System.arraycopy(keyValues, 0, all, common.length, keyValues.length);
    TrainingConfig config = SparkTrainerTest.config(all);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    return new SparkTrainer(jsc, TrainingListener.NONE).train(TrainingSetup.of(config, DATA), DATA);
  }

  @Test
  void oneReplicaGivesTheSameWeightsForAnyPartitionCount() {
    TrainingResult onOne = train("partitions", "1", "replicas", "1");
    assertEquals(1, onOne.replicas());
    assertEquals(2, onOne.threadsPerReplica(), "local[2]'s two cores serve the replica");
    for (String partitions : new String[] {"2", "3", "8"}) {
      TrainingResult other = train("partitions", partitions, "replicas", "1");
      assertEquals(Integer.parseInt(partitions), other.partitions());
      assertArrayEquals(onOne.params(), other.params(), partitions + " partitions");
    }
  }

  @Test
  void twoReplicasGiveTheSameWeightsForAnyMultipleOfTwoPartitions() {
    TrainingResult onTwo = train("partitions", "2", "replicas", "2");
    assertEquals(2, onTwo.replicas());
    assertEquals(1, onTwo.threadsPerReplica());
    TrainingResult onSix = train("partitions", "6", "replicas", "2");
    assertArrayEquals(onTwo.params(), onSix.params(), "6 partitions as 2 replicas");
    // replicas auto on a local master is two; partitions auto gives them one each.
    TrainingResult auto = train();
    assertEquals(2, auto.replicas(), "replicas auto on local[2]");
    assertEquals(2, auto.partitions(), "partitions auto on local[2]");
    assertArrayEquals(onTwo.params(), auto.params(), "auto is two replicas");
    // partitions auto on local[2] with three replicas: the two slots rounded up to three.
    assertEquals(3, train("replicas", "3").partitions(), "partitions auto, 3 replicas");
    // Two replicas averaging their local steps are another model than one replica.
    assertFalse(Arrays.equals(onTwo.params(), train("partitions", "2", "replicas", "1").params()),
        "one replica and two give different weights");
  }

  @Test
  void partitionsAutoGrowsWithTheDataSoThatNoPartitionCachesMoreThan512MiB() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    assertEquals(2, ReplicaLayout.autoPartitions(jsc, 60_000L * 792), "MNIST on local[2]");
    assertEquals(4, ReplicaLayout.autoPartitions(jsc, 2_400_000L * 792), "MNIST ×40: 1.9 GB");
    // 8.1 M examples, 6.4 GB: 12 partitions of at most 512 MiB (a multiple of the slots).
    assertEquals(12, ReplicaLayout.autoPartitions(jsc, 8_100_000L * 792), "mnist8m");
  }

  @Test
  void moreReplicasThanPartitionsIsRefused() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> train("partitions", "2", "replicas", "3"));
    assertEquals("replicas: expected at most the 2 partitions of the data (a replica needs one);"
        + " found 3", e.getMessage());
  }
}
