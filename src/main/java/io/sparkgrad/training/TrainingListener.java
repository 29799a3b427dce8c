package io.sparkgrad.training;

/** What a trainer reports while it runs. All methods are called on the driver thread. */
public interface TrainingListener {
  /** After each job: {@code stepsDone} of {@code stepsTotal} steps of the epoch are done. */
  default void progress(int epoch, int stepsDone, int stepsTotal, double epochSeconds) {}

  /** After each epoch's evaluation. */
  default void epochFinished(EpochMetrics metrics, int totalEpochs) {}

  TrainingListener NONE = new TrainingListener() {};
}
