package io.sparkgrad.training;

import io.sparkgrad.math.ExactSum;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checks that turn a run gone wrong (infinities, NaN, an exploding loss) into a
 * DivergenceException.
 */
final class DivergenceGuard {
  /**
   * How many times the initial weights' loss a loss may reach before training counts as
   * diverged. A working run only lowers its loss; a learning rate far too large multiplies it by
   * thousands or more without ever producing an infinity (Adam's steps are bounded by the rate).
   */
  static final double DIVERGENCE_LOSS_FACTOR = 1000;

  private static final Pattern NON_FINITE_MESSAGE = Pattern.compile(
      "NonFiniteValueException: value (-?\\d+) is (\\S+) \\(expected");

  private DivergenceGuard() {}

  /** Throws unless {@code loss} is finite and at most the factor times the initial loss. */
  static void checkNotExploded(int epoch, int step, String what, double loss, double initialLoss) {
    checkFinite(epoch, step, what, loss);
    if (loss > DIVERGENCE_LOSS_FACTOR * initialLoss) {
      throw new DivergenceException(epoch + 1, step, String.format(Locale.ROOT,
          "%s rose to %.4g, more than %.0f times the initial weights' %.4g", what, loss,
          DIVERGENCE_LOSS_FACTOR, initialLoss), null);
    }
  }

  static void checkFinite(int epoch, int step, String what, double value) {
    if (!Double.isFinite(value)) {
      throw new DivergenceException(epoch + 1, step, what + " is " + value, null);
    }
  }

  /** Throws at the first weight that is not finite. */
  static void checkWeights(int epoch, int step, double[] params) {
    for (double value : params) {
      checkFinite(epoch, step, "a weight", value);
    }
  }

  /**
   * The non-finite value behind a failed job, if that is why it failed. Spark may hand back the
   * executor's exception itself or only its text, so both are recognised.
   */
  static ExactSum.NonFiniteValueException nonFiniteCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ExactSum.NonFiniteValueException nonFinite) {
        return nonFinite;
      }
      Matcher matcher = NON_FINITE_MESSAGE.matcher(String.valueOf(t.getMessage()));
      if (matcher.find()) {
        return new ExactSum.NonFiniteValueException(
            Integer.parseInt(matcher.group(1)), Double.parseDouble(matcher.group(2)));
      }
    }
    return null;
  }
}
