package io.sparkgrad.math;


/**
 * Inverted dropout at rate p: each unit is zeroed with probability p and the kept ones are
 * scaled by 1/(1 − p), so the expected activation is unchanged and nothing is rescaled at
 * prediction time.
 *
 * <p>A unit is dropped when a 16-bit slice of the random stream falls below p·65536, so four
 * units share one {@code nextLong()} (a mask costs a quarter of a draw per unit) and the
 * effective rate is p rounded to a multiple of 1/65536 (the scale uses that effective rate).
 */
public final class Dropout {
  public static final Dropout NONE = new Dropout(0);

  private final double rate;
  private final int threshold;
  private final double keepScale;

  private Dropout(double rate) {
    this.rate = rate;
    this.threshold = (int) Math.round(rate * 65536);
    this.keepScale = 1.0 / (1.0 - threshold / 65536.0);
  }

  /** Dropout at {@code rate}; {@code key} names the setting in the error. */
  public static Dropout of(String key, double rate) {
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException(
          key + ": expected a drop probability in [0, 1); found " + rate);
    }
    return rate == 0 ? NONE : new Dropout(rate);
  }

  public boolean active() {
    return threshold > 0;
  }

  /** 1/(1 − effective rate): the factor of a kept unit. */
  public double keepScale() {
    return keepScale;
  }

  /** Units whose 16-bit slice is below this are dropped. */
  int threshold() {
    return threshold;
  }

  @Override
  public String toString() {
    return "dropout(" + rate + ")";
  }
}
