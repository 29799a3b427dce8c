package io.sparkgrad.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExactSumTest {

  @Test
  void anyMergeOrderGivesTheSameBits() {
    SplittableRandom random = new SplittableRandom(3);
    int parts = 6;
    int size = 500;
    double[][] values = new double[parts][size];
    for (double[] row : values) {
      for (int i = 0; i < size; i++) {
        row[i] = random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-12, 9));
      }
    }
    ExactSum leftToRight = new ExactSum(size);
    for (double[] row : values) {
      leftToRight.merge(new ExactSum(size).addAll(row));
    }
    // A different tree: ((5+3)+(1+0)) + ((4+2)).
    ExactSum a = new ExactSum(size).addAll(values[5]).merge(new ExactSum(size).addAll(values[3]));
    ExactSum b = new ExactSum(size).addAll(values[1]).merge(new ExactSum(size).addAll(values[0]));
    ExactSum c = new ExactSum(size).addAll(values[4]).merge(new ExactSum(size).addAll(values[2]));
    ExactSum tree = a.merge(b).merge(c);
    double worstRelative = 0;
    for (int i = 0; i < size; i++) {
      assertEquals(
          Double.doubleToRawLongBits(leftToRight.get(i)), Double.doubleToRawLongBits(tree.get(i)),
          "sum " + i);
      BigDecimal exact = BigDecimal.ZERO;
      for (double[] row : values) {
        exact = exact.add(new BigDecimal(row[i]));
      }
      double reference = exact.round(MathContext.DECIMAL128).doubleValue();
      double scaleOfTerms = 0;
      for (double[] row : values) {
        scaleOfTerms = Math.max(scaleOfTerms, Math.abs(row[i]));
      }
      // Each term is rounded to 2^-64 at most once; the result then once to double.
      double allowed = Math.ulp(reference) * 2 + parts * 0x1.0p-64;
      assertEquals(reference, tree.get(i), allowed, "sum " + i + " of terms up to " + scaleOfTerms);
      if (reference != 0) {
        worstRelative = Math.max(worstRelative, Math.abs(tree.get(i) - reference) / Math.abs(reference));
      }
    }
    System.out.printf("ExactSum: max relative error %.3e over %d sums%n", worstRelative, size);
  }

  @Test
  void smallNegativeValuesKeepTheirPrecision() {
    ExactSum sum = new ExactSum(1);
    sum.add(0, -1e-10);
    assertEquals(-1e-10, sum.get(0), 0x1.0p-64);
    sum.add(0, 3e-10);
    assertEquals(2e-10, sum.get(0), 2 * 0x1.0p-64);
    sum.add(0, -1e6);
    assertEquals(-1e6 + 2e-10, sum.get(0), Math.ulp(1e6));
  }

  @Test
  void nonFiniteAndHugeValuesAreRefused() {
    ExactSum sum = new ExactSum(3);
    ExactSum.NonFiniteValueException e =
        assertThrows(ExactSum.NonFiniteValueException.class, () -> sum.add(2, Double.NaN));
    assertEquals(2, e.index());
    assertThrows(ArithmeticException.class, () -> sum.add(0, Double.NEGATIVE_INFINITY));
    assertThrows(ArithmeticException.class, () -> sum.add(0, 0x1.0p62));
  }
}
