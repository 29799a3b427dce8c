package io.sparkgrad.training;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.Distribution;
import io.sparkgrad.config.LocalMaster;
import io.sparkgrad.data.ExampleBlock;
import java.io.Serializable;
import org.apache.spark.Partition;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.CoalescedRDD;
import org.apache.spark.rdd.PartitionCoalescer;
import org.apache.spark.rdd.PartitionGroup;
import org.apache.spark.rdd.RDD;
import scala.Option;
import scala.reflect.ClassTag$;

/**
 * Where a run's work goes, by three documented rules that keep the model's arithmetic apart from
 * how Spark splits the data and how many cores run it:
 *
 * <ul>
 *   <li><b>slots</b>, the tasks that really run at once: a local master's cores, at most the
 *       machine's processors (local[64] on 2 cores has 2); on a cluster, the cores granted to
 *       the registered executors (local-cluster[1,1,…] has 1, though Spark's default
 *       parallelism there is 2).
 *   <li><b>partitions</b> (auto = slots, more for large data, rounded up to a multiple of the
 *       replicas) say where the data lives and how many tasks read and evaluate it; they do
 *       not change the model.
 *   <li><b>replicas</b> are the model copies that take steps: auto = {@link #LOCAL_REPLICAS} on a
 *       local master whatever its cores, and one per executor on a cluster, never more than the
 *       partitions, and only as many as the accuracy rule of local SGD allows:
 *       each replica at least {@link #MIN_ROWS_PER_REPLICA} rows of a step, and replicas ×
 *       steps between averagings at most {@link #MAX_REPLICA_STEPS} (measured: README,
 *       docs/scaling.md). One replica is exact mini-batch SGD, always allowed. Replica r owns partitions [⌊r·P/R⌋, ⌊(r+1)·P/R⌋); with P a
 *       multiple of R (auto always is) that is the examples at seeded positions [r·n/R,
 *       (r+1)·n/R), whatever P. Each replica runs on {@code slots / replicas} threads.
 * </ul>
 *
 * The model depends on the replicas (and the seed, batch and sync period), never on the
 * partitions, slots or threads.
 */
public record ReplicaLayout(int slots, int partitions, int replicas, int threadsPerReplica) {
  /** The fewest rows of a step that replicas auto gives each replica. */
  public static final int MIN_ROWS_PER_REPLICA = 32;

  /**
   * The most replicas × local steps between averagings that replicas auto allows: 4 replicas
   * averaged once per 469-step MNIST epoch (1,876) still reached 98.1%.
   */
  public static final int MAX_REPLICA_STEPS = 1900;


  /**
   * replicas auto on a local master, whatever its cores: two, the laptop's model and speed since
   * the first release (two replicas of one thread ran an epoch as fast as one of two threads,
   * and reached 98% an epoch sooner on MNIST's default run: 4 against 5).
   */
  static final int LOCAL_REPLICAS = 2;

  private static boolean isLocal(JavaSparkContext jsc) {
    return LocalMaster.cores(jsc.master()) > 0;
  }

  /** The tasks of {@code jsc} that really run at once. */
  public static int slots(JavaSparkContext jsc) {
    int local = LocalMaster.cores(jsc.master());
    if (local > 0) {
      return Math.min(local, Runtime.getRuntime().availableProcessors());
    }
    // The executors' granted cores (Spark's task slots, as barrier stages count them), not the
    // default parallelism: that is at least 2, and a 1-core executor given two threads would
    // run on a core it was not granted (on YARN or Kubernetes, cgroups make that a queue).
    int granted = jsc.sc().maxNumConcurrentTasks(
        jsc.sc().resourceProfileManager().defaultResourceProfile());
    return granted > 0 ? granted : Math.max(1, jsc.defaultParallelism());
  }

  /**
   * The most cached bytes partitions auto puts in one partition. Spark reserves up to 1.5× a
   * partition's size while it caches it, so a few large partitions need far more headroom than
   * many small ones (8.1 M examples in 2 partitions of 3.2 GB did not cache in 6.7 GB of
   * storage; docs/benchmarks/scale-out.md).
   */
  static final long MAX_AUTO_PARTITION_BYTES = 512L << 20;

  /**
   * The partitions of the data: the configured count, or the slots, more for data whose share
   * of a slot would exceed {@link #MAX_AUTO_PARTITION_BYTES} cached, rounded up to a multiple of
   * the slots and of a configured replica count (so that each replica has its own).
   */
  static int partitions(Distribution distribution, JavaSparkContext jsc, long cachedBytes) {
    if (distribution.partitions() > 0) {
      return distribution.partitions();
    }
    int partitions = autoPartitions(jsc, cachedBytes);
    int replicas = distribution.replicas() > 0 ? distribution.replicas()
        : isLocal(jsc) ? LOCAL_REPLICAS : 1;
    return (partitions + replicas - 1) / replicas * replicas;
  }

  /** The slots, or a multiple of them with at most {@link #MAX_AUTO_PARTITION_BYTES} a partition. */
  public static int autoPartitions(JavaSparkContext jsc, long cachedBytes) {
    return autoPartitions(slots(jsc), cachedBytes);
  }

  /** {@link #autoPartitions(JavaSparkContext, long)} for {@code slots} slots. */
  static int autoPartitions(int slots, long cachedBytes) {
    long bySize = (cachedBytes + MAX_AUTO_PARTITION_BYTES - 1) / MAX_AUTO_PARTITION_BYTES;
    return (int) Math.min(1 << 16, Math.max(slots, (bySize + slots - 1) / slots * slots));
  }

  /**
   * The layout once the data is placed in {@code partitions} partitions (on a cluster the
   * executors have registered by then).
   */
  static ReplicaLayout of(Distribution distribution, int batchSize, int stepsPerEpoch,
      JavaSparkContext jsc, int partitions) {
    int slots = slots(jsc);
    int replicas;
    if (distribution.replicas() > 0) {
      replicas = distribution.replicas();
      if (replicas > partitions) {
        throw new ConfigException("replicas: expected at most the " + partitions
            + " partitions of the data (a replica needs one); found " + replicas);
      }
    } else {
      // On a cluster, one a registered executor (block managers, less the driver's own).
      int units = isLocal(jsc) ? LOCAL_REPLICAS
          : Math.max(1, jsc.sc().getExecutorMemoryStatus().size() - 1);
      int stepsBetween = distribution.stepsPerJob(stepsPerEpoch);
      replicas = Math.min(Math.min(units, partitions), Math.max(1,
          Math.min(batchSize / MIN_ROWS_PER_REPLICA, MAX_REPLICA_STEPS / stepsBetween)));
    }
    return new ReplicaLayout(slots, partitions, replicas, Math.max(1, slots / replicas));
  }

  /** The training blocks as one Spark partition per replica: replica r's partitions, in order. */
  JavaRDD<ExampleBlock> perReplica(JavaRDD<ExampleBlock> blocks) {
    if (blocks.getNumPartitions() != partitions) {
      throw new IllegalArgumentException("expected " + partitions + " partitions of training"
          + " blocks; found " + blocks.getNumPartitions());
    }
    RDD<ExampleBlock> grouped = new CoalescedRDD<>(blocks.rdd(), replicas,
        Option.apply(new ReplicaGroups(replicas)), ClassTag$.MODULE$.apply(ExampleBlock.class));
    return JavaRDD.fromRDD(grouped, ClassTag$.MODULE$.apply(ExampleBlock.class));
  }

  /** Groups partitions [⌊r·P/R⌋, ⌊(r+1)·P/R⌋) as replica r, preferring where the first is cached. */
  private record ReplicaGroups(int replicas) implements PartitionCoalescer, Serializable {
    @Override
    public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
      Partition[] parts = parent.partitions();
      PartitionGroup[] groups = new PartitionGroup[replicas];
      for (int r = 0; r < replicas; r++) {
        int from = (int) ((long) r * parts.length / replicas);
        int to = (int) ((long) (r + 1) * parts.length / replicas);
        scala.collection.immutable.Seq<String> where = parent.preferredLocations(parts[from]);
        groups[r] = new PartitionGroup(where.isEmpty() ? Option.empty() : Option.apply(where.head()));
        for (int p = from; p < to; p++) {
          groups[r].partitions().addOne(parts[p]);
        }
      }
      return groups;
    }
  }
}
