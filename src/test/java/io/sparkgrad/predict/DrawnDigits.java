package io.sparkgrad.predict;

import io.sparkgrad.data.LabeledImages;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Real MNIST digits drawn into larger pictures with java.awt, as a person's image might be. */
public final class DrawnDigits {
  private DrawnDigits() {}

  /**
   * The 28×28 image {@code i} of {@code images} enlarged 2.5× with bilinear interpolation onto a
   * 100×80 canvas, off-centre by an amount that varies with {@code i}: dark ink on white, or
   * light ink on black.
   */
  public static BufferedImage draw(LabeledImages images, int i, boolean darkOnLight) {
    BufferedImage digit = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int v = images.pixels()[i * 784 + y * 28 + x] & 0xFF;
        int level = darkOnLight ? 255 - v : v;
        digit.setRGB(x, y, new Color(level, level, level).getRGB());
      }
    }
    BufferedImage canvas = new BufferedImage(100, 80, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas.createGraphics();
    g.setColor(darkOnLight ? Color.WHITE : Color.BLACK);
    g.fillRect(0, 0, 100, 80);
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
        RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(digit, 5 + (i * 7) % 25, 2 + i % 8, 70, 70, null);
    g.dispose();
    return canvas;
  }
}
