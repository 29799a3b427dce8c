package io.sparkgrad.predict;

import io.sparkgrad.data.ImageSize;
import io.sparkgrad.data.DataFormatException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.util.Arrays;

/**
 * Turns a picture of one digit of any size into the network's input the way MNIST digits were
 * made (LeCun et al.: "normalized to fit in a 20x20 pixel box while preserving their aspect
 * ratio … centered in a 28x28 image by computing the center of mass of the pixels"):
 *
 * <ol>
 *   <li>grayscale luminance {@code 0.299 R + 0.587 G + 0.114 B} (gray images: their samples,
 *       scaled to 0..255), transparent pixels composited over white;
 *   <li>polarity: the background level is the median of the outermost ring of pixels; if it is
 *       light (above 127.5) the image is inverted, so that the digit is light on dark as in MNIST;
 *   <li>contrast: values are stretched so the background level becomes 0 and the brightest
 *       pixel 255 (clamped); an image whose brightest pixel is less than {@value #MIN_CONTRAST}
 *       levels above the background has no digit and is refused;
 *   <li>crop to the bounding box of the ink: the pixels of at least {@value #INK_THRESHOLD};
 *   <li>scale so the longer side fills the box (20 px for a 28×28 model; 20/28 of the model's
 *       rows and columns in general), aspect ratio kept: area averaging when shrinking, bilinear
 *       when enlarging;
 *   <li>scale the values so the brightest pixel is 255 again (resampling softens thin strokes;
 *       every MNIST image has a pixel of 255);
 *   <li>place on a black canvas of the model's rows×cols, moved by whole pixels so the
 *       intensity-weighted centre of mass falls on the centre pixel (index rows/2, cols/2: 14, 14
 *       for 28×28, where MNIST's centres of mass lie), as far as the digit stays inside;
 *   <li>round to bytes 0..255 (the network then sees byte / 255, like the training data).
 * </ol>
 *
 * <p>Plain Java on arrays; one call per image.
 */
public final class DigitImages {
  /** MNIST's digit box: 20 px of the 28 px canvas. */
  public static final double BOX_FRACTION = 20.0 / 28.0;
  /** Ink: pixels at least this bright (of 255) after the contrast stretch. */
  public static final int INK_THRESHOLD = 64;
  /** The least difference between the background and the brightest pixel that is a digit. */
  public static final int MIN_CONTRAST = 16;

  private DigitImages() {}

  /** {@code rows × cols} bytes, row-major: the digit in {@code image} as an MNIST-like image. */
  public static byte[] toDigit(String file, BufferedImage image, ImageSize size) {
    int width = image.getWidth();
    int height = image.getHeight();
    float[] gray = luminance(image);

    // Polarity and background level from the border ring.
    float background = borderMedian(gray, width, height);
    if (background > 127.5f) {
      for (int i = 0; i < gray.length; i++) {
        gray[i] = 255f - gray[i];
      }
      background = 255f - background;
    }
    float peak = 0;
    for (float v : gray) {
      peak = Math.max(peak, v);
    }
    float contrast = peak - background;
    if (contrast < MIN_CONTRAST) {
      throw new DataFormatException(file + ": digit: expected strokes at least " + MIN_CONTRAST
          + " gray levels lighter or darker than the background; found a uniform image (the"
          + " brightest pixel is " + Math.round(Math.max(0, contrast))
          + " levels from the background " + Math.round(background) + ")");
    }

    // Stretch, and find the ink's bounding box.
    int top = height;
    int bottom = -1;
    int left = width;
    int right = -1;
    float scale = 255f / contrast;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = y * width + x;
        float v = Math.min(255f, Math.max(0f, (gray[i] - background) * scale));
        gray[i] = v;
        if (v >= INK_THRESHOLD) {
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
      }
    }
    int boxHeight = bottom - top + 1;
    int boxWidth = right - left + 1;

    // The longer side fills the box; the aspect ratio is kept.
    int targetRows = Math.max(1, (int) Math.round(size.rows() * BOX_FRACTION));
    int targetCols = Math.max(1, (int) Math.round(size.cols() * BOX_FRACTION));
    double s = Math.min((double) targetRows / boxHeight, (double) targetCols / boxWidth);
    int outRows = clamp((int) Math.round(boxHeight * s), 1, targetRows);
    int outCols = clamp((int) Math.round(boxWidth * s), 1, targetCols);
    float[] digit = resample(gray, width, top, left, boxHeight, boxWidth, outRows, outCols);

    // Resampling softens thin strokes; MNIST's brightest pixel is 255 in every image.
    float max = 0;
    for (float v : digit) {
      max = Math.max(max, v);
    }
    float gain = max > 0 ? 255f / max : 1f;

    // Centre of mass (pixel index coordinates) to the centre pixel, index rows/2 and cols/2:
    // where MNIST has it (its mean centre of mass is at index 14.0 of 0..27, both ways).
    double mass = 0;
    double cy = 0;
    double cx = 0;
    for (int y = 0; y < outRows; y++) {
      for (int x = 0; x < outCols; x++) {
        double v = digit[y * outCols + x];
        mass += v;
        cy += v * y;
        cx += v * x;
      }
    }
    int offsetY = (size.rows() - outRows) / 2;
    int offsetX = (size.cols() - outCols) / 2;
    if (mass > 0) {
      offsetY = clamp((int) Math.round(size.rows() / 2 - cy / mass), 0, size.rows() - outRows);
      offsetX = clamp((int) Math.round(size.cols() / 2 - cx / mass), 0, size.cols() - outCols);
    }
    byte[] canvas = new byte[size.pixels()];
    for (int y = 0; y < outRows; y++) {
      for (int x = 0; x < outCols; x++) {
        int value = clamp(Math.round(digit[y * outCols + x] * gain), 0, 255);
        canvas[(offsetY + y) * size.cols() + offsetX + x] = (byte) value;
      }
    }
    return canvas;
  }

  /** Luminance 0..255 per pixel, row-major; transparent pixels composited over white. */
  static float[] luminance(BufferedImage image) {
    int width = image.getWidth();
    int height = image.getHeight();
    float[] gray = new float[Math.multiplyExact(width, height)];
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    if (model.getColorSpace().getType() == ColorSpace.TYPE_GRAY
        && !(model instanceof IndexColorModel)
        && raster.getNumBands() == model.getNumComponents()) {
      // Gray samples as stored: getRGB would pass them through a linear-to-sRGB conversion.
      float grayMax = (1 << model.getComponentSize(0)) - 1;
      boolean alpha = model.hasAlpha() && raster.getNumBands() > 1;
      float alphaMax = alpha ? (1 << model.getComponentSize(1)) - 1 : 1;
      int[] samples = new int[width];
      int[] alphas = new int[width];
      for (int y = 0; y < height; y++) {
        raster.getSamples(0, y, width, 1, 0, samples);
        if (alpha) {
          raster.getSamples(0, y, width, 1, 1, alphas);
        }
        for (int x = 0; x < width; x++) {
          float v = samples[x] * 255f / grayMax;
          if (alpha) {
            float a = alphas[x] / alphaMax;
            v = v * a + 255f * (1 - a);
          }
          gray[y * width + x] = v;
        }
      }
      return gray;
    }
    int[] argb = new int[width];
    for (int y = 0; y < height; y++) {
      image.getRGB(0, y, width, 1, argb, 0, width);
      for (int x = 0; x < width; x++) {
        int p = argb[x];
        float a = (p >>> 24) / 255f;
        float v = 0.299f * ((p >> 16) & 0xFF) + 0.587f * ((p >> 8) & 0xFF) + 0.114f * (p & 0xFF);
        gray[y * width + x] = v * a + 255f * (1 - a);
      }
    }
    return gray;
  }

  /** The median of the outermost ring of pixels (all pixels of an image 2 pixels thin or less). */
  static float borderMedian(float[] gray, int width, int height) {
    float[] ring;
    if (width <= 2 || height <= 2) {
      ring = gray.clone();
    } else {
      ring = new float[2 * width + 2 * (height - 2)];
      int n = 0;
      for (int x = 0; x < width; x++) {
        ring[n++] = gray[x];
        ring[n++] = gray[(height - 1) * width + x];
      }
      for (int y = 1; y < height - 1; y++) {
        ring[n++] = gray[y * width];
        ring[n++] = gray[y * width + width - 1];
      }
    }
    Arrays.sort(ring);
    int mid = ring.length / 2;
    return ring.length % 2 == 1 ? ring[mid] : (ring[mid - 1] + ring[mid]) / 2;
  }

  /**
   * The {@code boxHeight × boxWidth} window at (top, left) of the row-major {@code source} (of
   * width {@code width}), resampled to {@code outRows × outCols}: separable, each axis by area
   * averaging when it shrinks and bilinear interpolation when it grows.
   */
  static float[] resample(
      float[] source, int width, int top, int left, int boxHeight, int boxWidth,
      int outRows, int outCols) {
    Axis vertical = Axis.of(boxHeight, outRows);
    Axis horizontal = Axis.of(boxWidth, outCols);
    // Columns first: [boxHeight × outCols], then rows: [outRows × outCols].
    float[] wide = new float[boxHeight * outCols];
    for (int y = 0; y < boxHeight; y++) {
      int row = (top + y) * width + left;
      for (int x = 0; x < outCols; x++) {
        double sum = 0;
        double[] w = horizontal.weights[x];
        int first = horizontal.first[x];
        for (int j = 0; j < w.length; j++) {
          sum += w[j] * source[row + first + j];
        }
        wide[y * outCols + x] = (float) sum;
      }
    }
    float[] out = new float[outRows * outCols];
    for (int y = 0; y < outRows; y++) {
      double[] w = vertical.weights[y];
      int first = vertical.first[y];
      for (int x = 0; x < outCols; x++) {
        double sum = 0;
        for (int j = 0; j < w.length; j++) {
          sum += w[j] * wide[(first + j) * outCols + x];
        }
        out[y * outCols + x] = (float) sum;
      }
    }
    return out;
  }

  /** For each output index, the first input index it reads and the weights (summing to 1). */
  record Axis(int[] first, double[][] weights) {
    static Axis of(int in, int out) {
      int[] first = new int[out];
      double[][] weights = new double[out][];
      double step = (double) in / out;
      for (int o = 0; o < out; o++) {
        if (out <= in) {
          // Area average over [o·step, (o+1)·step): each input pixel weighted by its overlap.
          double from = o * step;
          double to = (o + 1) * step;
          int lo = (int) Math.floor(from);
          int hi = Math.min(in, (int) Math.ceil(to));
          double[] w = new double[hi - lo];
          for (int i = lo; i < hi; i++) {
            w[i - lo] = (Math.min(to, i + 1) - Math.max(from, i)) / step;
          }
          first[o] = lo;
          weights[o] = w;
        } else {
          // Bilinear: the output pixel centre mapped into the input, clamped to its edges.
          double position = Math.max(0, Math.min(in - 1, (o + 0.5) * step - 0.5));
          int lo = Math.min((int) Math.floor(position), Math.max(0, in - 2));
          double t = position - lo;
          if (in == 1) {
            first[o] = 0;
            weights[o] = new double[] {1};
          } else {
            first[o] = lo;
            weights[o] = new double[] {1 - t, t};
          }
        }
      }
      return new Axis(first, weights);
    }
  }

  private static int clamp(int value, int low, int high) {
    return Math.max(low, Math.min(high, value));
  }
}
