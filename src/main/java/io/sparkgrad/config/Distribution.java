package io.sparkgrad.config;

import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Precision;
import io.sparkgrad.worker.SyncMode;
import java.util.Objects;

/** How the work is spread and computed: synchronization, partitions, blocks, arithmetic, master. */
public record Distribution(Values values) {
  public Distribution {
    Objects.requireNonNull(values, "values");
  }

  /**
   * Steps per Spark job: 1 = exact synchronous mini-batch SGD; K &gt; 1 = K local steps per
   * partition between aggregations; 0 = one aggregation per epoch.
   */
  public int syncPeriod() {
    return values.get(TrainingKeys.SYNC_PERIOD);
  }

  /** 0 = Spark's default parallelism. */
  public int partitions() {
    return values.get(TrainingKeys.PARTITIONS);
  }

  public int blockRows() {
    return values.get(TrainingKeys.BLOCK_ROWS);
  }

  public Precision precision() {
    return values.get(TrainingKeys.PRECISION);
  }

  public BlasChoice blas() {
    return values.get(TrainingKeys.BLAS);
  }

  public String master() {
    return values.get(TrainingKeys.MASTER);
  }

  /** The synchronization mode implied by the period. */
  public SyncMode syncMode() {
    return syncPeriod() == 1 ? SyncMode.GRADIENT : SyncMode.LOCAL_STEPS;
  }

  /** Steps per job for an epoch of {@code stepsPerEpoch} steps. */
  public int stepsPerJob(int stepsPerEpoch) {
    return syncPeriod() == 0 ? stepsPerEpoch : Math.min(syncPeriod(), stepsPerEpoch);
  }
}
