package io.sparkgrad.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/**
 * Small images as PNG {@code data:} URIs (javax.imageio, no AWT display needed): the examples
 * as the network sees them, and first-layer weights on a diverging colour scale.
 */
final class Pictures {
  private Pictures() {}

  /**
   * An 8-bit grayscale image of {@code rows×cols} unsigned bytes, row-major, from
   * {@code pixels[offset...]}: 0 black, 255 white (MNIST digits are white on black).
   */
  static BufferedImage grayscale(byte[] pixels, int offset, int rows, int cols) {
    BufferedImage image = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setDataElements(0, 0, cols, rows,
        java.util.Arrays.copyOfRange(pixels, offset, offset + rows * cols));
    return image;
  }

  /**
   * The weights into hidden unit {@code h} as a {@code rows×cols} image: input i = r·cols + c is
   * pixel (r, c), and its weight W1(h, i) sits at {@code params[w1Offset + h + i·hidden]} (W1 is
   * hidden×inputs, column-major). Scaled by the unit's largest |weight|: positive red, negative
   * blue, zero white.
   */
  static BufferedImage weights(
      double[] params, int w1Offset, int hidden, int h, int rows, int cols) {
    int inputs = rows * cols;
    double max = 0;
    for (int i = 0; i < inputs; i++) {
      max = Math.max(max, Math.abs(params[w1Offset + h + i * hidden]));
    }
    BufferedImage image = new BufferedImage(cols, rows, BufferedImage.TYPE_INT_RGB);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double w = params[w1Offset + h + (r * cols + c) * hidden];
        image.setRGB(c, r, diverging(max == 0 ? 0 : w / max));
      }
    }
    return image;
  }

  /** t in [-1, 1] → RGB: -1 blue (33,102,172), 0 white, +1 red (178,24,43). */
  static int diverging(double t) {
    double s = Math.max(-1, Math.min(1, t));
    int[] end = s >= 0 ? new int[] {178, 24, 43} : new int[] {33, 102, 172};
    double a = Math.abs(s);
    int red = (int) Math.round(255 + (end[0] - 255) * a);
    int green = (int) Math.round(255 + (end[1] - 255) * a);
    int blue = (int) Math.round(255 + (end[2] - 255) * a);
    return (red << 16) | (green << 8) | blue;
  }

  /** {@code data:image/png;base64,...}. */
  static String dataUri(BufferedImage image) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", bytes)) {
        throw new IllegalStateException("no PNG writer in this JDK");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory PNG write failed", e);
    }
    return "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes.toByteArray());
  }
}
