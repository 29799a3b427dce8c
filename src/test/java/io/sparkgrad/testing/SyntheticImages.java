package io.sparkgrad.testing;

import io.sparkgrad.data.LabeledImages;
import java.util.SplittableRandom;

/**
 * Small labelled images made by the test: class k lights up the k-th horizontal band of a
 * rows×cols image, with noise everywhere. Learnable, but not in one step.
 */
public final class SyntheticImages {
  private SyntheticImages() {}

  public static LabeledImages make(int count, int rows, int cols, int classes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] pixels = new byte[count * rows * cols];
    byte[] labels = new byte[count];
    int band = Math.max(1, rows / classes);
    for (int i = 0; i < count; i++) {
      int label = random.nextInt(classes);
      labels[i] = (byte) label;
      for (int r = 0; r < rows; r++) {
        boolean lit = r / band == label;
        for (int c = 0; c < cols; c++) {
          int value = random.nextInt(0, 110) + (lit && random.nextInt(3) > 0 ? 120 : 0);
          pixels[i * rows * cols + r * cols + c] = (byte) value;
        }
      }
    }
    return new LabeledImages("synthetic(" + seed + ")", rows, cols, pixels, labels);
  }
}
