package io.sparkgrad.training;

/** Training produced a non-finite loss or gradient; names where, and the likely cause. */
public class DivergenceException extends RuntimeException {
  private final int epoch;
  private final int step;

  public DivergenceException(int epoch, int step, String detail, Throwable cause) {
    super("training diverged in epoch " + epoch + " at step " + step + ": " + detail
        + ". Likely cause: the learning rate is too large for this optimizer, or the data holds"
        + " extreme values; lower --learning-rate (or check the data) and run again", cause);
    this.epoch = epoch;
    this.step = step;
  }

  public int epoch() {
    return epoch;
  }

  public int step() {
    return step;
  }
}
