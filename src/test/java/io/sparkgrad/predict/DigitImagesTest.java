package io.sparkgrad.predict;

import io.sparkgrad.data.ImageSize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.DataFormatException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** The MNIST-style conversion on images whose right answer is known by construction. */
class DigitImagesTest {
  private static final ImageSize MNIST = new ImageSize(28, 28);

  /** A w×h image of {@code background} with a filled rectangle of {@code ink}. */
  private static BufferedImage rectangle(int type, Color background, Color ink) {
    BufferedImage image = new BufferedImage(200, 150, type);
    Graphics2D g = image.createGraphics();
    g.setComposite(java.awt.AlphaComposite.Src);
    g.setColor(background);
    g.fillRect(0, 0, 200, 150);
    g.setColor(ink);
    g.fillRect(30, 20, 30, 60); // 30 wide, 60 tall, far from the centre
    g.dispose();
    return image;
  }

  /**
   * {top, bottom, left, right} of the nonzero pixels, and the centre of mass {y, x} in pixel
   * index coordinates.
   */
  private static double[] geometry(byte[] digit, ImageSize size) {
    int top = size.rows();
    int bottom = -1;
    int left = size.cols();
    int right = -1;
    double mass = 0;
    double cy = 0;
    double cx = 0;
    for (int y = 0; y < size.rows(); y++) {
      for (int x = 0; x < size.cols(); x++) {
        int v = digit[y * size.cols() + x] & 0xFF;
        if (v > 0) {
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
          left = Math.min(left, x);
          right = Math.max(right, x);
          mass += v;
          cy += v * y;
          cx += v * x;
        }
      }
    }
    return new double[] {top, bottom, left, right, cy / mass, cx / mass};
  }

  @Test
  void longerSideIsScaledTo20PixelsAndTheCentreOfMassIsCentred() {
    byte[] digit = DigitImages.toDigit("rect.png",
        rectangle(BufferedImage.TYPE_INT_RGB, Color.WHITE, Color.BLACK), MNIST);
    assertEquals(28 * 28, digit.length);
    double[] g = geometry(digit, MNIST);
    assertEquals(20, g[1] - g[0] + 1, "height of the ink");
    assertEquals(10, g[3] - g[2] + 1, "width of the ink (aspect ratio 1:2 kept)");
    assertEquals(14.0, g[4], 0.5, "centre of mass at pixel 14, rows (as in MNIST)");
    assertEquals(14.0, g[5], 0.5, "centre of mass at pixel 14, columns");
    assertEquals(255, digit[14 * 28 + 14] & 0xFF, "full ink inside");
    assertEquals(0, digit[0], "black background");
  }

  @Test
  void polarityAndTransparencyDoNotChangeTheResult() {
    byte[] darkOnLight = DigitImages.toDigit("a.png",
        rectangle(BufferedImage.TYPE_INT_RGB, Color.WHITE, Color.BLACK), MNIST);
    byte[] lightOnDark = DigitImages.toDigit("b.png",
        rectangle(BufferedImage.TYPE_INT_RGB, Color.BLACK, Color.WHITE), MNIST);
    byte[] onTransparent = DigitImages.toDigit("c.png",
        rectangle(BufferedImage.TYPE_INT_ARGB, new Color(0, 0, 0, 0), Color.BLACK), MNIST);
    byte[] lowContrast = DigitImages.toDigit("d.png",
        rectangle(BufferedImage.TYPE_INT_RGB, new Color(200, 200, 170), new Color(90, 60, 60)),
        MNIST);
    assertArrayEquals(darkOnLight, lightOnDark);
    assertArrayEquals(darkOnLight, onTransparent);
    assertArrayEquals(darkOnLight, lowContrast, "contrast is stretched to 0..255");
  }

  @Test
  void grayImagesAreReadAsStoredWithoutAColourConversion() {
    BufferedImage gray = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(1, 1, 0, 128);
    gray.getRaster().setSample(2, 1, 0, 255);
    float[] luminance = DigitImages.luminance(gray);
    assertEquals(128f, luminance[1 * 4 + 1], 0f);
    assertEquals(255f, luminance[1 * 4 + 2], 0f);
    assertEquals(0f, luminance[0], 0f);

    BufferedImage gray16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
    gray16.getRaster().setSample(1, 0, 0, 65535);
    assertEquals(255f, DigitImages.luminance(gray16)[1], 1e-3f);
  }

  @Test
  void otherModelSizesGetTheSameProportions() {
    ImageSize small = new ImageSize(16, 12); // box: round(16·20/28) = 11 rows, 9 columns
    byte[] digit = DigitImages.toDigit("rect.png",
        rectangle(BufferedImage.TYPE_INT_RGB, Color.WHITE, Color.BLACK), small);
    assertEquals(16 * 12, digit.length);
    double[] g = geometry(digit, small);
    assertEquals(11, g[1] - g[0] + 1, "the longer side fills 20/28 of the rows");
    assertTrue(g[3] - g[2] + 1 <= 6 && g[3] - g[2] + 1 >= 5, "width " + (g[3] - g[2] + 1));
    assertEquals(8.0, g[4], 0.5, "centre of mass at the centre pixel, rows");
    assertEquals(6.0, g[5], 0.5, "centre of mass at the centre pixel, columns");
  }

  @Test
  void resamplingWeightsAreAveragesThatKeepTheMass() {
    for (int[] pair : new int[][] {{60, 20}, {7, 20}, {20, 20}, {1, 20}, {100, 3}, {21, 20}}) {
      DigitImages.Axis axis = DigitImages.Axis.of(pair[0], pair[1]);
      double[] perInput = new double[pair[0]];
      for (int o = 0; o < pair[1]; o++) {
        double sum = 0;
        for (int j = 0; j < axis.weights()[o].length; j++) {
          double w = axis.weights()[o][j];
          assertTrue(w >= 0, "weights are non-negative");
          sum += w;
          perInput[axis.first()[o] + j] += w;
        }
        assertEquals(1.0, sum, 1e-12, "output " + o + " of " + pair[0] + "→" + pair[1]);
      }
      if (pair[1] <= pair[0]) {
        for (double total : perInput) {
          // Area averaging: every input pixel contributes out/in of itself in all.
          assertEquals((double) pair[1] / pair[0], total, 1e-12);
        }
      }
    }
  }

  @Test
  void anImageWithoutADigitIsRefusedNamingTheFile() {
    BufferedImage blank = new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = blank.createGraphics();
    g.setColor(new Color(120, 120, 120));
    g.fillRect(0, 0, 50, 40);
    g.setColor(new Color(125, 125, 125));
    g.fillRect(10, 10, 5, 5);
    g.dispose();
    DataFormatException e = assertThrows(DataFormatException.class,
        () -> DigitImages.toDigit("blank.png", blank, MNIST));
    assertEquals("blank.png: digit: expected strokes at least 16 gray levels lighter or darker"
        + " than the background; found a uniform image (the brightest pixel is 5 levels from the"
        + " background 120)", e.getMessage());
  }

  /** The first 200 MNIST test digits, each drawn 2.5× larger in both polarities, converted back. */
  @Test
  void realMnistDigitsDrawnLargerComeBackCloseToThemselves() {
    io.sparkgrad.data.LabeledImages test = io.sparkgrad.testing.IdxFolders.mnist().test();
    int count = 200;
    double totalDifference = 0;
    double worst = 0;
    for (int i = 0; i < count; i++) {
      for (boolean darkOnLight : new boolean[] {true, false}) {
        BufferedImage drawn = DrawnDigits.draw(test, i, darkOnLight);
        byte[] digit = DigitImages.toDigit("test-" + i, drawn, MNIST);
        double difference = 0;
        for (int p = 0; p < 784; p++) {
          difference += Math.abs((digit[p] & 0xFF) - (test.pixels()[i * 784 + p] & 0xFF));
        }
        difference /= 784;
        totalDifference += difference;
        worst = Math.max(worst, difference);
      }
    }
    double mean = totalDifference / (2 * count);
    System.out.printf(
        "mean |converted - original| per pixel: %.2f gray levels (worst image %.2f)%n",
        mean, worst);
    // Measured 7.6 (two resamplings blur a little; the whole-pixel centring can differ by one
    // pixel). Centring the mass half a pixel off, or not restoring the peak, gives about 15.
    assertTrue(mean < 10, "mean difference " + mean + " gray levels per pixel");
  }
}
