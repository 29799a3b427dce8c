package io.sparkgrad.cli;

import io.sparkgrad.training.EpochMetrics;
import io.sparkgrad.training.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * One line per epoch on standard output with the figures and an ETA; within an epoch that runs
 * longer than a few seconds, a progress line every few seconds on standard error.
 */
final class ConsoleListener implements TrainingListener {
  private static final double QUIET_SECONDS = 3;
  private static final double PROGRESS_INTERVAL_SECONDS = 5;

  private final PrintStream out;
  private final PrintStream err;
  private double lastProgressAt;
  private int lastEpoch;
  private boolean checkpointAnnounced;

  ConsoleListener(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public void progress(int epoch, int stepsDone, int stepsTotal, double epochSeconds) {
    if (epoch != lastEpoch) {
      lastEpoch = epoch;
      lastProgressAt = 0;
    }
    if (stepsDone >= stepsTotal || epochSeconds < QUIET_SECONDS
        || epochSeconds - lastProgressAt < PROGRESS_INTERVAL_SECONDS) {
      return;
    }
    lastProgressAt = epochSeconds;
    double eta = epochSeconds / stepsDone * (stepsTotal - stepsDone);
    err.printf(Locale.ROOT, "  epoch %d: %d/%d steps (%.0f%%), %.0f s, about %.0f s left%n",
        epoch, stepsDone, stepsTotal, 100.0 * stepsDone / stepsTotal, epochSeconds, eta);
  }

  @Override
  public void layout(int partitions, int replicas, int threadsPerReplica) {
    out.printf(Locale.ROOT, "layout: %d partition%s, %d model replica%s on %d thread%s each%n",
        partitions, partitions == 1 ? "" : "s", replicas, replicas == 1 ? "" : "s",
        threadsPerReplica, threadsPerReplica == 1 ? "" : "s");
  }

  @Override
  public void checkpointWritten(int epochsDone, String folder) {
    if (!checkpointAnnounced) {
      checkpointAnnounced = true;
      out.println("checkpoints: " + folder + " (the newest is kept until the model is written)");
    }
  }

  @Override
  public void resumed(int epochsDone, String folder) {
    out.println(epochsDone == 0
        ? "resume: no complete checkpoint in " + folder + "; starting from the beginning"
        : "resume: continuing after epoch " + epochsDone + " from " + folder);
  }

  @Override
  public void backingOff(
      io.sparkgrad.training.DivergenceException cause, double rateScale, int backoff,
      int maxBackoffs) {
    err.printf(Locale.ROOT, "  %s%n  back-off %d of %d: rolling back the epoch and running it"
        + " again at %.4g × the scheduled learning rate%n", cause.getMessage(), backoff,
        maxBackoffs, rateScale);
  }

  @Override
  public void epochFinished(EpochMetrics m, int totalEpochs) {
    double eta = m.trainingSecondsSoFar() / m.epoch() * (totalEpochs - m.epoch());
    String validation = Double.isNaN(m.validationAccuracy())
        ? ""
        : String.format(Locale.ROOT, "  val loss %.4f acc %6.2f%%", m.validationLoss(),
            100 * m.validationAccuracy());
    out.printf(Locale.ROOT,
        "epoch %3d/%d  train loss %.4f acc %6.2f%%%s  test loss %.4f acc %6.2f%%  %6.2f s"
            + "  %,9.0f ex/s  lr %.2e  eta %s%n",
        m.epoch(), totalEpochs, m.trainLoss(), 100 * m.trainAccuracy(), validation, m.testLoss(),
        100 * m.testAccuracy(), m.seconds(), m.examplesPerSecond(), m.learningRate(),
        m.epoch() == totalEpochs ? "-" : String.format(Locale.ROOT, "%.0f s", eta));
    out.flush();
  }
}
