package io.sparkgrad.training;

/**
 * What a trainer reports while it runs. All methods are called on the driver thread, except
 * {@link #checkpointWritten}, called by the thread that writes checkpoints.
 */
public interface TrainingListener {
  /** Once the data is cached: how the work is laid out ({@code ReplicaLayout}). */
  default void layout(int partitions, int replicas, int threadsPerReplica) {}

  /** After each job: {@code stepsDone} of {@code stepsTotal} steps of the epoch are done. */
  default void progress(int epoch, int stepsDone, int stepsTotal, double epochSeconds) {}

  /** After each epoch's evaluation. */
  default void epochFinished(EpochMetrics metrics, int totalEpochs) {}

  /** After a checkpoint of {@code epochsDone} epochs is in place in {@code folder}. */
  default void checkpointWritten(int epochsDone, String folder) {}

  /** At start with --resume: {@code epochsDone} epochs restored (0: no checkpoint found). */
  default void resumed(int epochsDone, String folder) {}

  /** Divergence under the back-off policy: the epoch is run again at a lower rate. */
  default void backingOff(DivergenceException cause, double rateScale, int backoff, int maxBackoffs) {}

  TrainingListener NONE = new TrainingListener() {};
}
