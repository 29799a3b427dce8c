package io.sparkgrad.config;

import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Precision;
import io.sparkgrad.worker.SyncMode;
import java.io.Serializable;

/**
 * How the work is spread and computed. Each component is the value of the training key of its
 * name ({@link Groups}).
 *
 * @param syncPeriod steps per Spark job: 1 = exact synchronous mini-batch SGD; K &gt; 1 = K
 *     local steps per partition between aggregations; 0 = one aggregation per epoch
 * @param partitions 0 = the task slots
 * @param replicas 0 = auto: one on a local master, one per executor on a cluster
 */
public record Distribution(
    int syncPeriod, int partitions, int replicas, int blockRows, Precision precision, BlasChoice blas,
    String master) implements Serializable {

  /** The synchronization mode implied by the period. */
  public SyncMode syncMode() {
    return syncPeriod == 1 ? SyncMode.GRADIENT : SyncMode.LOCAL_STEPS;
  }

  /** Steps per job for an epoch of {@code stepsPerEpoch} steps. */
  public int stepsPerJob(int stepsPerEpoch) {
    return syncPeriod == 0 ? stepsPerEpoch : Math.min(syncPeriod, stepsPerEpoch);
  }
}
