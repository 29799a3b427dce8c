package io.sparkgrad.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A set of labelled images in memory, exactly as stored in IDX: one unsigned byte per pixel,
 * examples one after another (row-major {@code count × rows·cols}), one label byte per example.
 * Pixels stay bytes here and in the cached blocks; they are scaled to [0, 1] when a batch is
 * gathered ({@link io.sparkgrad.math.Kernels#scalePixels}). One of the sources of a
 * {@link LabeledSplit}: for tests and small tools, since the driver holds every example.
 *
 * @param source where the data came from (for messages and provenance)
 * @param imageRows height of each image
 * @param imageCols width of each image
 * @param pixels {@code count·imageRows·imageCols} bytes
 * @param labels {@code count} bytes, each an unsigned class index
 */
public record LabeledImages(
    String source, int imageRows, int imageCols, byte[] pixels, byte[] labels)
    implements Serializable, LabeledSplit {

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
  @Override
  public int features() {
    return imageRows * imageCols;
  }

  /**
   * The selected examples, from images the driver holds: they travel once, as a broadcast read
   * by one task per 64 MiB of pixels, which lives until {@code release} runs.
   */
  @Override
  public Examples examples(JavaSparkContext jsc, ExampleSelection selection) {
    if (selection.splitCount() != count()) {
      throw new IllegalArgumentException(source + ": selection of " + selection.splitCount()
          + " examples for " + count());
    }
    Broadcast<LabeledImages> broadcast = jsc.broadcast(this);
    int count = count();
    int slices = (int) Math.max(jsc.defaultParallelism(), (long) pixels.length / (64 << 20) + 1);
    List<Integer> numbers = new ArrayList<>(slices);
    for (int s = 0; s < slices; s++) {
      numbers.add(s);
    }
    JavaRDD<Example> rdd = jsc.parallelize(numbers, slices).flatMap(s -> {
      LabeledImages images = broadcast.value();
      int inputs = images.features();
      int from = (int) ((long) s * count / slices);
      int to = (int) ((long) (s + 1) * count / slices);
      List<Example> out = new ArrayList<>();
      for (int e = from; e < to; e++) {
        int index = selection.indexOf(e);
        if (index >= 0) {
          out.add(new Example(index, images.label(e),
              Arrays.copyOfRange(images.pixels(), e * inputs, (e + 1) * inputs)));
        }
      }
      return out.iterator();
    });
    return new Examples(rdd, broadcast::destroy);
  }

  @Override
  public LabeledImages inMemory(JavaSparkContext jsc, long maxBytes) {
    return this;
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
