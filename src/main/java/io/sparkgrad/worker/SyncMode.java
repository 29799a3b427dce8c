package io.sparkgrad.worker;

/** How the partitions of a job combine their work. */
public enum SyncMode {
  /** Each job is one step: partitions return gradient sums; the driver takes the step. */
  GRADIENT,
  /** Each job is K steps: partitions step locally from the broadcast weights and return updates. */
  LOCAL_STEPS
}
