package io.sparkgrad.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Inverted dropout masks: their rate, their scale, their determinism across element types. */
class DropoutTest {
  private final DoubleKernels doubles = new DoubleKernels(Blas.get(BlasChoice.JAVA));
  private final FloatKernels floats = new FloatKernels(Blas.get(BlasChoice.JAVA));

  @Test
  void dropsAboutTheRateAndScalesTheRest() {
    for (double rate : new double[] {0.1, 0.5, 0.8}) {
      Dropout dropout = Dropout.of("dropout", rate);
      double[] mask = new double[200_001]; // not a multiple of 4: the last draw is partly used
      doubles.dropoutMask(mask, 0, mask.length, dropout, new SplittableRandom(11));
      long dropped = 0;
      double sum = 0;
      for (double m : mask) {
        if (m == 0) {
          dropped++;
        } else {
          assertEquals(1 / (1 - rate), m, 1e-4, "a kept unit is scaled by 1/(1 − p)");
        }
        sum += m;
      }
      // Binomial: the standard deviation of the dropped fraction is below 0.0012 here.
      assertEquals(rate, (double) dropped / mask.length, 0.006, "dropped fraction at p=" + rate);
      assertEquals(1.0, sum / mask.length, 0.02, "the mean of the mask stays 1");
    }
  }

  @Test
  void sameDrawsGiveTheSameMaskInBothPrecisionsAndInPlace() {
    Dropout dropout = Dropout.of("dropout", 0.3);
    double[] maskD = new double[1001];
    float[] maskF = new float[1001];
    doubles.dropoutMask(maskD, 0, maskD.length, dropout, new SplittableRandom(5));
    floats.dropoutMask(maskF, 0, maskF.length, dropout, new SplittableRandom(5));
    double[] x = new SplittableRandom(9).doubles(1001, 0.5, 1).toArray();
    double[] dropped = x.clone();
    doubles.dropoutInPlace(dropped, 0, dropped.length, dropout, new SplittableRandom(5));
    for (int i = 0; i < maskD.length; i++) {
      assertEquals(maskD[i], maskF[i], 1e-6, "unit " + i);
      assertEquals(x[i] * maskD[i], dropped[i], 0.0, "unit " + i);
    }
    double[] other = new double[1001];
    doubles.dropoutMask(other, 0, other.length, dropout, new SplittableRandom(6));
    assertFalse(java.util.Arrays.equals(maskD, other), "another stream, another mask");
  }

  @Test
  void writesOnlyItsRange() {
    float[] mask = new float[20];
    java.util.Arrays.fill(mask, 7f);
    floats.dropoutMask(mask, 5, 10, Dropout.of("dropout", 0.5), new SplittableRandom(1));
    for (int i = 0; i < 20; i++) {
      if (i < 5 || i >= 15) {
        assertEquals(7f, mask[i], "outside the range: untouched");
      } else {
        assertTrue(mask[i] == 0f || mask[i] == 2f, "inside the range: 0 or 2; found " + mask[i]);
      }
    }
  }

  @Test
  void rateOutsideZeroToOneIsRefusedByName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Dropout.of("input-dropout", 1.0));
    assertEquals("input-dropout: expected a drop probability in [0, 1); found 1.0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Dropout.of("dropout", -0.1));
    assertThrows(IllegalArgumentException.class, () -> Dropout.of("dropout", Double.NaN));
    assertFalse(Dropout.of("dropout", 0).active());
  }
}
