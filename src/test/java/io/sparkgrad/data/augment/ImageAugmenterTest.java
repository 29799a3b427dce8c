package io.sparkgrad.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.testing.MnistFixture;
import io.sparkgrad.math.Seeds;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The augmenter on real MNIST digits (the first {@value #PER_CLASS} training images of each
 * class) and on small hand-made images whose expected output is known exactly: what a distorted
 * digit keeps, reproducibility, the geometry of the sampling map with explicit parameters, the
 * elastic field against a direct double-precision Gaussian blur, and float against double.
 */
class ImageAugmenterTest {
  private static final int SIDE = 28;
  private static final int PIXELS = SIDE * SIDE;
  private static final int PER_CLASS = 30;
  private static final long RUN_SEED = 20240607L;
  private static final String REALISTIC =
      "shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4";

  /** 300 digits, 30 per class, pixel values in [0, 1]. */
  private static float[][] digits;

  @BeforeAll
  static void loadDigits() throws IOException {
    LabeledImages images = MnistFixture.trainingSplit();
    assertEquals(SIDE, images.imageRows());
    assertEquals(SIDE, images.imageCols());
    digits = new float[10 * PER_CLASS][];
    int[] taken = new int[10];
    int n = 0;
    for (int i = 0; i < images.count() && n < digits.length; i++) {
      int label = images.label(i);
      if (taken[label] < PER_CLASS) {
        float[] digit = new float[PIXELS];
        for (int p = 0; p < PIXELS; p++) {
          digit[p] = (images.pixels()[i * PIXELS + p] & 0xFF) / 255f;
        }
        digits[n++] = digit;
        taken[label]++;
      }
    }
    assertEquals(digits.length, n);
  }

  /** The seed of example {@code index}, as training derives it (epoch 0). */
  private static long seed(long index) {
    return Seeds.derive(RUN_SEED, Seeds.Stream.AUGMENTATION, index);
  }

  // ---------------------------------------------------------------------------------------------
  // What an augmented digit keeps

  /**
   * For each spec, 300 real digits × 3 seeds: pixel values stay in [0, 1]; the pixel mass (sum of
   * intensities) stays within [minMass, maxMass] of the original's and is 1 on average (±0.03);
   * the intensity centroid moves by at most maxShift + margin pixels along each axis.
   *
   * <p>The bounds are the measured extremes over these 900 augmentations (printed in the test
   * output under {@code target/surefire-reports}) with some room, and each has a reason:
   * <ul>
   *   <li>shift: bilinear interpolation keeps the mass and moves the centroid by exactly the
   *       shift, so only the border can take mass away (MNIST digits sit in the central 20×20
   *       box): measured 0.961..1.000 and at most 2.000 pixels. Bounds 0.95..1 + 1e-6, margin
   *       0.001.
   *   <li>rotate 10°: keeps the mass up to interpolation; the centroid turns about the image
   *       centre, moving by its offset from the centre times 2·sin 5° ≈ 0.17: measured
   *       0.985..1.001 and 0.23 pixel. Bounds 0.95..1.05, margin 0.4.
   *   <li>scale ±10%: the mass goes with the area, s² in 0.81..1.21, the centroid by its offset
   *       from the centre times 0.1: measured 0.804..1.221 and 0.28 pixel. Bounds 0.78..1.24,
   *       margin 0.4.
   *   <li>elastic, α = 34: the field stretches and compresses the plane locally (its divergence
   *       has a standard deviation near 0.35 at σ = 4), and a digit spans only a few correlation
   *       lengths, so its mass changes a lot at σ = 4 and less at σ = 6; the centroid follows the
   *       field's mean over the digit. Measured 0.61..1.58 and 3.98 pixels at σ = 4, 0.73..1.37
   *       and 2.43 pixels at σ = 6. That is as strong as Simard et al.'s reference recipe
   *       (scipy's gaussian_filter with mode "constant" and map_coordinates of order 1, run on
   *       the same 300 digits: 0.61..1.80 and 3.64 pixels at σ = 4, 0.73..1.33 and 2.25 at
   *       σ = 6). Bounds 0.45..1.9, margin 5 at σ = 4; 0.6..1.5, margin 3 at σ = 6.
   *   <li>all together (σ = 4): measured 0.54..1.69, 5.02 pixels (shift 2 + 3.02). Bounds
   *       0.45..1.9, margin 4.5.
   * </ul>
   * A wrong kernel normalisation, α applied twice or a transform that loses or doubles strokes
   * lands outside these bounds; the mean-mass check catches a systematic bias that stays inside.
   */
  @ParameterizedTest
  @CsvSource({
    "'" + REALISTIC + "', 0.45, 1.9, 4.5",
    "shift=2, 0.95, 1.000001, 0.001",
    "rotate=10, 0.95, 1.05, 0.4",
    "scale=0.1, 0.78, 1.24, 0.4",
    "'elastic-alpha=34,elastic-sigma=4', 0.45, 1.9, 5",
    "'elastic-alpha=34,elastic-sigma=6', 0.6, 1.5, 3"
  })
  void augmentedDigitsKeepTheirMassAndCentroid(
      String text, double minMass, double maxMass, double margin) {
    AugmentationSpec spec = AugmentationSpec.parse(text);
    ImageAugmenter augmenter = new ImageAugmenter(spec, SIDE, SIDE);
    float[] out = new float[PIXELS];
    double minRatio = Double.POSITIVE_INFINITY;
    double maxRatio = Double.NEGATIVE_INFINITY;
    double sumRatio = 0;
    double maxMove = 0;
    double minValue = Double.POSITIVE_INFINITY;
    double maxValue = Double.NEGATIVE_INFINITY;
    int changed = 0;
    for (int d = 0; d < digits.length; d++) {
      double mass = mass(digits[d]);
      double[] centroid = centroid(digits[d]);
      for (int s = 0; s < 3; s++) {
        augmenter.augment(digits[d], 0, out, 0, seed(d * 3L + s));
        for (float v : out) {
          minValue = Math.min(minValue, v);
          maxValue = Math.max(maxValue, v);
        }
        changed += Arrays.equals(out, digits[d]) ? 0 : 1;
        double ratio = mass(out) / mass;
        double[] moved = centroid(out);
        double move = Math.max(Math.abs(moved[0] - centroid[0]), Math.abs(moved[1] - centroid[1]));
        minRatio = Math.min(minRatio, ratio);
        maxRatio = Math.max(maxRatio, ratio);
        sumRatio += ratio;
        maxMove = Math.max(maxMove, move);
        String where = text + ", digit " + d + ", seed " + s;
        assertTrue(ratio >= minMass && ratio <= maxMass, where + ": mass ratio " + ratio);
        assertTrue(move <= spec.maxShift() + margin, where + ": centroid moved " + move);
      }
    }
    double meanRatio = sumRatio / (3 * digits.length);
    System.out.printf(Locale.ROOT, "%s: mass ratio %.3f..%.3f (mean %.3f), centroid moved at most"
            + " %.3f px, values %.3g..%.3g%n",
        text, minRatio, maxRatio, meanRatio, maxMove, minValue, maxValue);
    assertTrue(minValue >= 0 && maxValue <= 1, text + ": values " + minValue + ".." + maxValue);
    assertEquals(1, meanRatio, 0.03, text + ": mean mass ratio");
    assertEquals(3 * digits.length, changed, text + ": every augmented digit differs");
  }

  /**
   * With the shift alone, the centroid moves by exactly the drawn shift (up to the border), so
   * the moves show the draws: uniform in [−2, 2] per axis, so over 900 examples they reach
   * beyond ±1.8 on both sides and average about 0.
   */
  @Test
  void shiftsAreDrawnUniformlyWithinTheBound() {
    ImageAugmenter augmenter = new ImageAugmenter(AugmentationSpec.parse("shift=2"), SIDE, SIDE);
    float[] out = new float[PIXELS];
    double[] min = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
    double[] max = {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
    double[] sum = new double[2];
    int n = 0;
    for (int d = 0; d < digits.length; d++) {
      double[] before = centroid(digits[d]);
      for (int s = 0; s < 3; s++) {
        augmenter.augment(digits[d], 0, out, 0, seed(d * 3L + s));
        double[] after = centroid(out);
        for (int axis = 0; axis < 2; axis++) {
          double move = after[axis] - before[axis];
          min[axis] = Math.min(min[axis], move);
          max[axis] = Math.max(max[axis], move);
          sum[axis] += move;
        }
        n++;
      }
    }
    for (int axis = 0; axis < 2; axis++) {
      String name = axis == 0 ? "x" : "y";
      assertTrue(min[axis] >= -2.001 && max[axis] <= 2.001,
          name + " shifts " + min[axis] + ".." + max[axis]);
      assertTrue(min[axis] < -1.8 && max[axis] > 1.8,
          name + " shifts " + min[axis] + ".." + max[axis]);
      // the mean of 900 uniform(−2, 2) has a standard deviation of 2/√(3·900) ≈ 0.04
      assertEquals(0, sum[axis] / n, 0.2, name + " mean shift");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reproducibility and the identity

  @Test
  void theSameSeedGivesIdenticalOutputAndAnotherSeedAnother() {
    AugmentationSpec spec = AugmentationSpec.parse(REALISTIC);
    ImageAugmenter first = new ImageAugmenter(spec, SIDE, SIDE);
    ImageAugmenter second = new ImageAugmenter(spec, SIDE, SIDE);
    for (int d = 0; d < 20; d++) {
      float[] a = new float[PIXELS];
      float[] b = new float[PIXELS];
      float[] other = new float[PIXELS];
      first.augment(digits[d], 0, a, 0, seed(d));
      first.augment(digits[d + 1], 0, other, 0, seed(99)); // scratch state in between
      second.augment(digits[d], 0, b, 0, seed(d));
      assertArrayEquals(a, b, "float, digit " + d); // bit for bit
      first.augment(digits[d], 0, other, 0, seed(d + 1000));
      assertFalse(Arrays.equals(a, other), "another seed, digit " + d);

      double[] source = toDouble(digits[d]);
      double[] da = new double[PIXELS];
      double[] db = new double[PIXELS];
      double[] dOther = new double[PIXELS];
      first.augment(source, 0, da, 0, seed(d));
      second.augment(source, 0, db, 0, seed(d));
      assertArrayEquals(da, db, "double, digit " + d);
      first.augment(source, 0, dOther, 0, seed(d + 1000));
      assertFalse(Arrays.equals(da, dOther), "double, another seed, digit " + d);
    }
  }

  /**
   * The randomness is {@code new SplittableRandom(seed)}'s, drawn in the documented order: the
   * affine parameters are its first four doubles (shift x, shift y, rotation, scale), each
   * uniform over its range, and the elastic noise comes from the longs that follow.
   */
  @Test
  void theParametersAndTheNoiseAreSplittableRandomsStreamInOrder() {
    ImageAugmenter affine = new ImageAugmenter(
        AugmentationSpec.parse("shift=2,rotate=10,scale=0.1"), SIDE, SIDE);
    ImageAugmenter elastic = new ImageAugmenter(
        AugmentationSpec.parse("elastic-alpha=34,elastic-sigma=4"), SIDE, SIDE);
    float[] out = new float[PIXELS];
    float[] expected = new float[PIXELS];
    for (long seed : new long[] {0, 1, -1, Long.MIN_VALUE, seed(5), seed(6)}) {
      SplittableRandom random = new SplittableRandom(seed);
      double shiftX = 2 * (2 * random.nextDouble() - 1);
      double shiftY = 2 * (2 * random.nextDouble() - 1);
      double degrees = 10 * (2 * random.nextDouble() - 1);
      double scale = 1 + 0.1 * (2 * random.nextDouble() - 1);
      affine.augment(digits[1], 0, out, 0, seed);
      affine.transform(digits[1], 0, expected, 0, degrees, scale, shiftX, shiftY);
      assertArrayEquals(expected, out, "seed " + seed);

      elastic.augment(digits[1], 0, out, 0, seed);
      for (int i = 0; i < PIXELS; i++) {
        long bits = random.nextLong();
        assertEquals((int) (bits >> 40) * 0x1p-23f, elastic.noiseX[i], "seed " + seed);
        assertEquals((int) (bits << 24 >> 40) * 0x1p-23f, elastic.noiseY[i], "seed " + seed);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "shift=0,rotate=0,scale=0,elastic-alpha=0", "elastic-sigma=4"})
  void noAugmentationCopiesExactly(String text) {
    AugmentationSpec spec = AugmentationSpec.parse(text);
    assertFalse(spec.enabled());
    ImageAugmenter augmenter = new ImageAugmenter(spec, SIDE, SIDE);
    float[] src = new float[3 * PIXELS];
    System.arraycopy(digits[7], 0, src, PIXELS, PIXELS);
    float[] dst = new float[2 * PIXELS + 5];
    Arrays.fill(dst, -1f);
    augmenter.augment(src, PIXELS, dst, 5, 123);
    assertArrayEquals(digits[7], Arrays.copyOfRange(dst, 5, 5 + PIXELS));
    for (int i = 0; i < 5; i++) {
      assertEquals(-1f, dst[i], "untouched before the range");
    }
    assertEquals(-1f, dst[5 + PIXELS], "untouched after the range");

    double[] source = toDouble(digits[7]);
    double[] out = new double[PIXELS];
    augmenter.augment(source, 0, out, 0, 123);
    assertArrayEquals(source, out);
  }

  @Test
  void offsetsAndInPlaceGiveTheSameImage() {
    ImageAugmenter augmenter = new ImageAugmenter(AugmentationSpec.parse(REALISTIC), SIDE, SIDE);
    float[] expected = new float[PIXELS];
    augmenter.augment(digits[3], 0, expected, 0, seed(3));

    float[] block = new float[4 * PIXELS];
    System.arraycopy(digits[3], 0, block, 2 * PIXELS, PIXELS);
    augmenter.augment(block, 2 * PIXELS, block, PIXELS, seed(3));
    assertArrayEquals(expected, Arrays.copyOfRange(block, PIXELS, 2 * PIXELS));

    float[] inPlace = digits[3].clone();
    augmenter.augment(inPlace, 0, inPlace, 0, seed(3));
    assertArrayEquals(expected, inPlace);
  }

  @Test
  void refusesRangesOutsideTheArraysAndBadSizes() {
    ImageAugmenter augmenter = new ImageAugmenter(AugmentationSpec.parse("shift=2"), SIDE, SIDE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> augmenter.augment(new float[PIXELS + 10], 11, new float[PIXELS], 0, 1));
    assertEquals("src: expected 784 pixels (28×28) from offset 11; found an array of 794",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> augmenter.augment(new double[PIXELS], 0, new double[PIXELS - 1], 0, 1));
    assertEquals("dst: expected 784 pixels (28×28) from offset 0; found an array of 783",
        e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> augmenter.augment(new float[PIXELS], -1, new float[PIXELS], 0, 1));
    e = assertThrows(IllegalArgumentException.class,
        () -> new ImageAugmenter(AugmentationSpec.NONE, 0, 28));
    assertTrue(e.getMessage().startsWith("image size: expected a positive width and height"),
        e.getMessage());
  }

  // ---------------------------------------------------------------------------------------------
  // The geometry of the sampling map, with explicit parameters (no elastic field)

  @Test
  void aWholePixelShiftMovesTheImageExactly() {
    ImageAugmenter augmenter = new ImageAugmenter(AugmentationSpec.NONE, SIDE, SIDE);
    float[] digit = digits[0];
    float[] out = new float[PIXELS];
    int[][] shifts = {{3, -2}, {-1, 0}, {0, 4}, {-4, -4}};
    for (int[] t : shifts) {
      augmenter.transform(digit, 0, out, 0, 0, 1, t[0], t[1]);
      for (int y = 0; y < SIDE; y++) {
        for (int x = 0; x < SIDE; x++) {
          int sx = x - t[0];
          int sy = y - t[1];
          float expected = sx >= 0 && sx < SIDE && sy >= 0 && sy < SIDE ? digit[sy * SIDE + sx] : 0;
          assertEquals(expected, out[y * SIDE + x], 0f,
              "shift " + t[0] + "," + t[1] + " at " + x + "," + y);
        }
      }
    }
    // A shift by the whole width leaves nothing.
    augmenter.transform(digit, 0, out, 0, 0, 1, SIDE, 0);
    assertArrayEquals(new float[PIXELS], out);
  }

  @Test
  void aSubPixelShiftInterpolatesLinearly() {
    // 4×1 image [a b c d] shifted right by 0.25: out[x] = 0.75·in[x] + 0.25·in[x−1].
    ImageAugmenter augmenter = new ImageAugmenter(AugmentationSpec.NONE, 4, 1);
    float[] in = {0.2f, 1f, 0.6f, 0f};
    float[] out = new float[4];
    augmenter.transform(in, 0, out, 0, 0, 1, 0.25, 0);
    float[] expected = {0.75f * 0.2f, 0.75f * 1f + 0.25f * 0.2f, 0.75f * 0.6f + 0.25f * 1f,
        0.25f * 0.6f};
    assertArrayEquals(expected, out, 1e-6f);
    // and along y, with the rows outside the image read as 0
    ImageAugmenter column = new ImageAugmenter(AugmentationSpec.NONE, 1, 4);
    column.transform(in, 0, out, 0, 0, 1, 0, 0.25);
    assertArrayEquals(expected, out, 1e-6f);
  }

  @Test
  void aQuarterTurnRotatesCounterClockwiseAboutTheCentre() {
    // 5×5, one pixel right of the centre (3, 2): a quarter turn counter-clockwise as seen (rows
    // going down) takes it above the centre, to (2, 1).
    ImageAugmenter small = new ImageAugmenter(AugmentationSpec.NONE, 5, 5);
    float[] in = new float[25];
    in[2 * 5 + 3] = 1f;
    float[] out = new float[25];
    small.transform(in, 0, out, 0, 90, 1, 0, 0);
    float[] expected = new float[25];
    expected[1 * 5 + 2] = 1f;
    assertArrayEquals(expected, out, 1e-6f);

    // A real digit, 28×28 (centre 13.5, 13.5): source (x, y) lands on (y, 27 − x).
    ImageAugmenter augmenter = new ImageAugmenter(AugmentationSpec.NONE, SIDE, SIDE);
    float[] digit = digits[5];
    float[] turned = new float[PIXELS];
    augmenter.transform(digit, 0, turned, 0, 90, 1, 0, 0);
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        assertEquals(digit[y * SIDE + x], turned[(SIDE - 1 - x) * SIDE + y], 1e-6f,
            "source " + x + "," + y);
      }
    }
    // Four quarter turns give the digit back.
    float[] back = digit.clone();
    for (int i = 0; i < 4; i++) {
      augmenter.transform(back, 0, back, 0, 90, 1, 0, 0);
    }
    assertArrayEquals(digit, back, 1e-5f);
  }

  @Test
  void scalingAboutTheCentreKeepsTheCentrePixel() {
    // 7×7, centre (3, 3). Scale 2: output (3 + 2k, 3 + 2m) samples source (3 + k, 3 + m).
    ImageAugmenter augmenter = new ImageAugmenter(AugmentationSpec.NONE, 7, 7);
    float[] in = new float[49];
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < in.length; i++) {
      in[i] = random.nextFloat();
    }
    float[] out = new float[49];
    augmenter.transform(in, 0, out, 0, 0, 2, 0, 0);
    for (int k = -1; k <= 1; k++) {
      for (int m = -1; m <= 1; m++) {
        assertEquals(in[(3 + m) * 7 + 3 + k], out[(3 + 2 * m) * 7 + 3 + 2 * k], 0f, k + "," + m);
      }
    }
    // Scale 1/2 and 1.37, any rotation: the centre pixel stays.
    for (double scale : new double[] {0.5, 1.37}) {
      for (double degrees : new double[] {0, 33, -170}) {
        augmenter.transform(in, 0, out, 0, degrees, scale, 0, 0);
        assertEquals(in[3 * 7 + 3], out[3 * 7 + 3], 1e-6f, "scale " + scale + ", " + degrees + "°");
      }
    }
    // Scale 1/2: source (3 + 2k) lands on 3 + k.
    augmenter.transform(in, 0, out, 0, 0, 0.5, 0, 0);
    assertEquals(in[1 * 7 + 5], out[2 * 7 + 4], 0f);
    assertEquals(0f, out[0], 0f, "source (−3, −3) is outside");
  }

  // ---------------------------------------------------------------------------------------------
  // The elastic field

  /**
   * The field against a direct double-precision evaluation of α·(G_σ ∗ noise) from the same
   * noise (2-D sum over every pixel, kernel truncated at ⌈3σ⌉, normalised, zero outside). Equal
   * up to float rounding on the grid where it is computed exactly (every h-th row and column,
   * h = max(1, ⌊σ/2⌋)); elsewhere within the interpolation error estimated in the class comment,
   * 0.11·h²/σ² of the field's standard deviation midway between grid points (2.7% at σ = 4 and
   * 6, 0 below 4): the RMS error below 1.5 times that, the largest below 10 times. Measured on
   * 28×28, RMS and largest: 2.7% and 15% at σ = 4, 1.8% and 9% at σ = 5, 3.0% and 14% at σ = 6,
   * 2.9% and 16% at σ = 8.5 (up to 1.25 times the estimate on the 13×10 image).
   */
  @ParameterizedTest
  @ValueSource(doubles = {4, 5, 6, 8.5, 1.5, 3.9})
  void theElasticFieldIsTheGaussianBlurOfTheNoise(double sigma) {
    double alpha = 34;
    AugmentationSpec spec = new AugmentationSpec(0, 0, 0, alpha, sigma);
    int step = ImageAugmenter.gridStep(sigma);
    for (int[] size : new int[][] {{SIDE, SIDE}, {13, 10}, {9, 1}}) {
      int w = size[0];
      int h = size[1];
      ImageAugmenter augmenter = new ImageAugmenter(spec, w, h);
      float[] in = new float[w * h];
      double worstExact = 0;
      double sumSquaresError = 0;
      double sumSquares = 0;
      double worst = 0;
      int examples = 20;
      for (int example = 0; example < examples; example++) {
        augmenter.augment(in, 0, in.clone(), 0, seed(example));
        double[][] exact = {blur(augmenter.noiseX, w, h, sigma, alpha),
            blur(augmenter.noiseY, w, h, sigma, alpha)};
        float[][] field = {augmenter.fieldX, augmenter.fieldY};
        for (int f = 0; f < 2; f++) {
          for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
              double error = Math.abs(field[f][y * w + x] - exact[f][y * w + x]);
              if (x % step == 0 && y % step == 0) {
                worstExact = Math.max(worstExact, error);
              }
              worst = Math.max(worst, error);
              sumSquaresError += error * error;
              sumSquares += exact[f][y * w + x] * exact[f][y * w + x];
            }
          }
        }
      }
      double rms = Math.sqrt(sumSquares / (2.0 * examples * w * h));
      double rmsError = Math.sqrt(sumSquaresError / (2.0 * examples * w * h));
      System.out.printf(Locale.ROOT,
          "sigma %.1f, %d×%d: field RMS %.3f px; where exact, max error %.2g; overall RMS error"
              + " %.4f (%.2f%% of the field), max %.4f (%.2f%%)%n",
          sigma, w, h, rms, worstExact, rmsError, 100 * rmsError / rms, worst, 100 * worst / rms);
      String where = "sigma " + sigma + ", " + w + "×" + h;
      assertTrue(worstExact < 1e-5 * alpha, where + ": error where exact " + worstExact);
      double interpolation = step == 1 ? 0 : 0.108 * step * step / (sigma * sigma);
      assertTrue(rmsError <= 1.5 * interpolation * rms + 1e-5 * alpha,
          where + ": RMS error " + rmsError + " of " + rms);
      assertTrue(worst <= 10 * interpolation * rms + 1e-5 * alpha,
          where + ": max error " + worst + " of " + rms);
    }
  }

  /**
   * The field's strength where the border does not reach: per axis, α·√(Σ_k g_k² / 3) for the
   * normalised kernel g (uniform(−1, 1) noise has variance 1/3), about 1.4 pixels at α = 34,
   * σ = 4; and the noise is uniform in [−1, 1) with mean 0 and variance 1/3.
   */
  @Test
  void theFieldHasTheExpectedStrength() {
    double alpha = 34;
    double sigma = 4;
    ImageAugmenter augmenter =
        new ImageAugmenter(new AugmentationSpec(0, 0, 0, alpha, sigma), SIDE, SIDE);
    float[] image = new float[PIXELS];
    double sumSquares = 0;
    double noiseSum = 0;
    double noiseSquares = 0;
    float noiseMin = 1;
    float noiseMax = -1;
    int examples = 2000;
    int centre = 14 * SIDE + 14;
    for (int example = 0; example < examples; example++) {
      augmenter.augment(image, 0, image, 0, seed(example));
      sumSquares += augmenter.fieldX[centre] * augmenter.fieldX[centre]
          + augmenter.fieldY[centre] * augmenter.fieldY[centre];
      for (float v : augmenter.noiseX) {
        noiseSum += v;
        noiseSquares += v * v;
        noiseMin = Math.min(noiseMin, v);
        noiseMax = Math.max(noiseMax, v);
      }
    }
    int radius = 12;
    double norm = 0;
    double squares = 0;
    for (int k = -radius; k <= radius; k++) {
      double g = Math.exp(-k * k / (2 * sigma * sigma));
      norm += g;
      squares += g * g;
    }
    double perAxis = squares / (norm * norm); // Σ g_k² along one axis, normalised
    double expected = alpha * Math.sqrt(perAxis * perAxis / 3); // the 2-D kernel is the product
    double measured = Math.sqrt(sumSquares / (2.0 * examples));
    System.out.printf(Locale.ROOT, "field std at the centre: %.3f px, expected %.3f px%n",
        measured, expected);
    // 4000 samples: the estimate of a standard deviation is within ±1.1% (1σ), allow 5%.
    assertEquals(expected, measured, 0.05 * expected);
    long n = (long) examples * PIXELS;
    assertEquals(0, noiseSum / n, 0.002);
    assertEquals(1.0 / 3, noiseSquares / n, 0.002);
    assertTrue(noiseMin >= -1f && noiseMin < -0.999f && noiseMax < 1f && noiseMax > 0.999f,
        noiseMin + ".." + noiseMax);
  }

  /**
   * One sampling map: with the elastic field alone, output pixel q is the bilinear sample of the
   * source at q + field(q) (zero outside), computed here independently in double precision.
   */
  @Test
  void theElasticMapSamplesTheSourceAtTheDisplacedPoint() {
    ImageAugmenter augmenter = new ImageAugmenter(
        AugmentationSpec.parse("elastic-alpha=34,elastic-sigma=4"), SIDE, SIDE);
    float[] out = new float[PIXELS];
    double worst = 0;
    for (int d = 0; d < 50; d++) {
      augmenter.augment(digits[d], 0, out, 0, seed(d));
      for (int y = 0; y < SIDE; y++) {
        for (int x = 0; x < SIDE; x++) {
          int i = y * SIDE + x;
          double expected = bilinear(digits[d], SIDE, SIDE,
              x + (double) augmenter.fieldX[i], y + (double) augmenter.fieldY[i]);
          worst = Math.max(worst, Math.abs(expected - out[i]));
        }
      }
    }
    assertTrue(worst < 1e-5, "max difference " + worst);
  }

  @Test
  void theAffineMapComposesRotationScaleAndShift() {
    // Against the formula source(q) = R(−θ)·(q − c − t)/s + c, sampled here in double.
    ImageAugmenter augmenter = new ImageAugmenter(AugmentationSpec.NONE, SIDE, SIDE);
    float[] out = new float[PIXELS];
    double theta = Math.toRadians(17);
    double scale = 0.93;
    double tx = 1.3;
    double ty = -0.6;
    augmenter.transform(digits[9], 0, out, 0, 17, scale, tx, ty);
    double c = (SIDE - 1) / 2.0;
    double worst = 0;
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        double rx = x - c - tx;
        double ry = y - c - ty;
        double u = (Math.cos(theta) * rx - Math.sin(theta) * ry) / scale + c;
        double v = (Math.sin(theta) * rx + Math.cos(theta) * ry) / scale + c;
        double expected = bilinear(digits[9], SIDE, SIDE, u, v);
        worst = Math.max(worst, Math.abs(expected - out[y * SIDE + x]));
      }
    }
    assertTrue(worst < 1e-5, "max difference " + worst);
  }

  // ---------------------------------------------------------------------------------------------
  // float and double

  @Test
  void floatAndDoubleAgree() {
    ImageAugmenter augmenter = new ImageAugmenter(AugmentationSpec.parse(REALISTIC), SIDE, SIDE);
    float[] f = new float[PIXELS];
    double[] d = new double[PIXELS];
    double worst = 0;
    for (int i = 0; i < 100; i++) {
      augmenter.augment(digits[i], 0, f, 0, seed(i));
      augmenter.augment(toDouble(digits[i]), 0, d, 0, seed(i));
      for (int p = 0; p < PIXELS; p++) {
        worst = Math.max(worst, Math.abs(f[p] - d[p]));
      }
    }
    System.out.printf(Locale.ROOT, "float against double: max difference %.2g%n", worst);
    assertTrue(worst < 1e-6, "max difference " + worst);
  }

  // ---------------------------------------------------------------------------------------------

  private static double mass(float[] image) {
    double sum = 0;
    for (float v : image) {
      sum += v;
    }
    return sum;
  }

  /** The intensity-weighted mean (x, y). */
  private static double[] centroid(float[] image) {
    double sum = 0;
    double sx = 0;
    double sy = 0;
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        double v = image[y * SIDE + x];
        sum += v;
        sx += v * x;
        sy += v * y;
      }
    }
    return new double[] {sx / sum, sy / sum};
  }

  private static double[] toDouble(float[] image) {
    double[] out = new double[image.length];
    for (int i = 0; i < image.length; i++) {
      out[i] = image[i];
    }
    return out;
  }

  /** The bilinear sample of {@code image} at (u, v), pixels outside the image being 0. */
  private static double bilinear(float[] image, int w, int h, double u, double v) {
    int x0 = (int) Math.floor(u);
    int y0 = (int) Math.floor(v);
    double fx = u - x0;
    double fy = v - y0;
    return (1 - fx) * (1 - fy) * pixel(image, w, h, x0, y0)
        + fx * (1 - fy) * pixel(image, w, h, x0 + 1, y0)
        + (1 - fx) * fy * pixel(image, w, h, x0, y0 + 1)
        + fx * fy * pixel(image, w, h, x0 + 1, y0 + 1);
  }

  private static double pixel(float[] image, int w, int h, int x, int y) {
    return x >= 0 && x < w && y >= 0 && y < h ? image[y * w + x] : 0;
  }

  /** α·(G_σ ∗ noise) by the direct 2-D sum, in double: the oracle for the elastic field. */
  private static double[] blur(float[] noise, int w, int h, double sigma, double alpha) {
    int radius = (int) Math.ceil(3 * sigma);
    double norm = 0;
    for (int k = -radius; k <= radius; k++) {
      norm += Math.exp(-k * k / (2 * sigma * sigma));
    }
    double[] out = new double[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double sum = 0;
        for (int sy = Math.max(0, y - radius); sy <= Math.min(h - 1, y + radius); sy++) {
          for (int sx = Math.max(0, x - radius); sx <= Math.min(w - 1, x + radius); sx++) {
            double g = Math.exp(-((sx - x) * (sx - x) + (sy - y) * (sy - y)) / (2 * sigma * sigma));
            sum += g * noise[sy * w + sx];
          }
        }
        out[y * w + x] = alpha * sum / (norm * norm);
      }
    }
    return out;
  }
}
