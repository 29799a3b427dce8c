package io.sparkgrad.data;

import java.io.Serializable;
import java.util.Objects;

/**
 * A set of labelled images in memory, exactly as stored in IDX: one unsigned byte per pixel,
 * examples one after another (row-major {@code count × rows·cols}), one label byte per example.
 * Pixels stay bytes here; they are scaled to [0, 1] once, when blocks are built
 * ({@link io.sparkgrad.math.Kernels#scalePixels}).
 *
 * @param source where the data came from (for messages and provenance)
 * @param imageRows height of each image
 * @param imageCols width of each image
 * @param pixels {@code count·imageRows·imageCols} bytes
 * @param labels {@code count} bytes, each an unsigned class index
 */
public record LabeledImages(
    String source, int imageRows, int imageCols, byte[] pixels, byte[] labels)
    implements Serializable {

  public LabeledImages {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    if (imageRows <= 0 || imageCols <= 0) {
      throw new IllegalArgumentException(
          source + ": image size: expected positive rows and columns; found " + imageRows + "×"
              + imageCols);
    }
    long expected = (long) labels.length * imageRows * imageCols;
    if (pixels.length != expected) {
      throw new IllegalArgumentException(
          source + ": pixels: expected " + labels.length + "×" + imageRows + "×" + imageCols + " = "
              + expected + " bytes; found " + pixels.length);
    }
  }

  /** Number of examples. */
  public int count() {
    return labels.length;
  }

  /** Pixels per example (the network's input size). */
  public int features() {
    return imageRows * imageCols;
  }

  /** The label of example {@code i} as 0..255. */
  public int label(int i) {
    return labels[i] & 0xFF;
  }

  /** The largest label present, or -1 when there are no examples. */
  public int maxLabel() {
    int max = -1;
    for (byte b : labels) {
      max = Math.max(max, b & 0xFF);
    }
    return max;
  }

  /** Counts of each label 0..classes−1; throws if a label is outside that range. */
  public long[] labelCounts(int classes) {
    long[] counts = new long[classes];
    for (int i = 0; i < labels.length; i++) {
      int label = label(i);
      if (label >= classes) {
        throw new IllegalArgumentException(
            source + ": label of example " + i + ": expected 0.." + (classes - 1) + "; found "
                + label);
      }
      counts[label]++;
    }
    return counts;
  }
}
