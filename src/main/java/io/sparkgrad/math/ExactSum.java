package io.sparkgrad.math;

import java.io.Serializable;

/**
 * A vector of sums that is exact in 128-bit fixed point, so that adding partial sums in any
 * order, or any tree shape, gives the same bits.
 *
 * <p>Why: Spark merges partition results in the order tasks finish, and floating-point addition
 * is not associative, so a double sum over three or more partitions could differ in its last
 * bits from run to run. Each value here is a two's-complement integer {@code hi·2^64 + lo} in
 * units of 2^−64 (64 integer bits, 64 fraction bits): integer addition is associative and
 * commutative, so the result is a function of the inputs alone. Converting a double rounds it
 * (deterministically) to the nearest multiple of 2^−64 ≈ 5.4e−20: an absolute error that is
 * negligible beside any gradient that matters (magnitudes of 2^−11 and above keep all 53
 * significant bits). A value of magnitude 2^62 or more, or a non-finite one, is refused: it
 * means training has diverged.
 */
public final class ExactSum implements Serializable {
  private static final double LIMIT = 0x1.0p62;

  private final long[] hi;
  private final long[] lo;

  public ExactSum(int size) {
    this.hi = new long[size];
    this.lo = new long[size];
  }

  public int size() {
    return hi.length;
  }

  /** Adds {@code values[i]} to sum i for every i; throws on a non-finite or huge value. */
  public ExactSum addAll(double[] values) {
    if (values.length != hi.length) {
      throw new IllegalArgumentException(
          "values: expected " + hi.length + "; found " + values.length);
    }
    for (int i = 0; i < values.length; i++) {
      add(i, values[i]);
    }
    return this;
  }

  /** Adds {@code value} to sum {@code i}. */
  public void add(int i, double value) {
    if (!(Math.abs(value) < LIMIT)) {
      throw new NonFiniteValueException(i, value);
    }
    if (value == 0) {
      return;
    }
    // |value| = whole + fraction, both exact for a non-negative double; the fraction is then
    // rounded once, to the nearest multiple of 2^-64.
    double magnitude = Math.abs(value);
    double wholePart = Math.floor(magnitude);
    double scaled = (magnitude - wholePart) * 0x1.0p32;
    double upper = Math.floor(scaled);
    double lower = Math.rint((scaled - upper) * 0x1.0p32);
    long whole = (long) wholePart;
    long upperBits = (long) upper;
    long lowerBits = (long) lower;
    if (lowerBits == 1L << 32) { // rounding carried into the next 32-bit digit
      lowerBits = 0;
      upperBits++;
    }
    if (upperBits == 1L << 32) {
      upperBits = 0;
      whole++;
    }
    long addLo = (upperBits << 32) | lowerBits;
    long addHi = whole;
    if (value < 0) { // two's-complement negation of the 128-bit (addHi, addLo)
      addLo = -addLo;
      addHi = addLo == 0 ? -addHi : ~addHi;
    }
    long newLo = lo[i] + addLo;
    long carry = Long.compareUnsigned(newLo, lo[i]) < 0 ? 1 : 0;
    lo[i] = newLo;
    hi[i] += addHi + carry;
  }

  /** Adds another sum of the same size into this one and returns this. */
  public ExactSum merge(ExactSum other) {
    if (other.hi.length != hi.length) {
      throw new IllegalArgumentException(
          "merge: expected a sum of " + hi.length + " values; found " + other.hi.length);
    }
    for (int i = 0; i < hi.length; i++) {
      long newLo = lo[i] + other.lo[i];
      long carry = Long.compareUnsigned(newLo, lo[i]) < 0 ? 1 : 0;
      lo[i] = newLo;
      hi[i] += other.hi[i] + carry;
    }
    return this;
  }

  /** Sum {@code i} rounded to a double. */
  public double get(int i) {
    long h = hi[i];
    long l = lo[i];
    if (h >= 0) {
      return h + unsignedFractionToDouble(l);
    }
    // Convert the magnitude, so a small negative sum keeps its relative precision.
    long negLo = -l;
    long negHi = negLo == 0 ? -h : ~h;
    return -(negHi + unsignedFractionToDouble(negLo));
  }

  /** All sums, each multiplied by {@code scale}, as doubles. */
  public double[] toArray(double scale) {
    double[] out = new double[hi.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = get(i) * scale;
    }
    return out;
  }

  private static double unsignedFractionToDouble(long fraction) {
    double upper = (fraction >>> 32) * 0x1.0p-32;
    double lower = (fraction & 0xFFFFFFFFL) * 0x1.0p-64;
    return upper + lower;
  }

  /** A value that cannot enter an exact sum: NaN, infinite, or 2^62 or larger in magnitude. */
  public static final class NonFiniteValueException extends ArithmeticException {
    private final int index;
    private final double value;

    public NonFiniteValueException(int index, double value) {
      super("value " + index + " is " + value + " (expected a finite value below 2^62 in"
          + " magnitude)");
      this.index = index;
      this.value = value;
    }

    public int index() {
      return index;
    }

    public double value() {
      return value;
    }
  }
}
