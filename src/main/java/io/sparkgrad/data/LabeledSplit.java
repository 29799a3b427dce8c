package io.sparkgrad.data;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * One split of labelled images as the trainer, the evaluator and the predictor take it: its size
 * and image size, known on the driver, and its examples, read by the executors. Four sources
 * give the same thing: an IDX folder ({@link IdxSplit}), a Parquet table and a DataFrame of the
 * user's own application ({@link FrameSplit}), and images already in the driver's memory
 * ({@link LabeledImages}, for tests and small tools).
 */
public interface LabeledSplit {
  /** Where the examples come from, for messages and provenance. */
  String source();

  /** Number of examples. */
  int count();

  int imageRows();

  int imageCols();

  /** Pixels per example (the network's input size). */
  default int features() {
    return imageRows() * imageCols();
  }

  /**
   * The {@code selection}'s examples (of this split's {@link #count()}), each with its index in
   * the selection, read where Spark runs the tasks. Nothing of the data passes the driver.
   */
  Examples examples(JavaSparkContext jsc, ExampleSelection selection);

  /**
   * The examples as records that tasks read at any position (raw IDX), or null when they can
   * only be read in order: then {@link BlockedData} moves them to their partitions through
   * Spark's shuffle, else each task reads its own share straight from storage.
   */
  default PositionedRecords positioned() {
    return null;
  }

  /** The examples of a split as an RDD, and what to free once nothing reads them any more. */
  record Examples(JavaRDD<Example> rdd, Runnable release) {}

  /**
   * The pixels of the examples {@code indices} (a report's few worst-classified pictures), keyed
   * by index: the executors read the split and only those examples reach the driver.
   */
  default Map<Integer, byte[]> pixelsOf(JavaSparkContext jsc, Collection<Integer> indices) {
    Map<Integer, byte[]> pixels = new TreeMap<>();
    if (indices.isEmpty()) {
      return pixels;
    }
    Set<Integer> wanted = new HashSet<>(indices);
    Examples examples = examples(jsc, ExampleSelection.all(count()));
    try {
      for (Example e : examples.rdd().filter(e -> wanted.contains(e.index())).collect()) {
        pixels.put(e.index(), e.pixels());
      }
      return pixels;
    } finally {
      examples.release().run();
    }
  }

  /**
   * The whole split in the driver's memory when its pixels take at most {@code maxBytes}, else
   * null: for checks of small data sets, never for training.
   */
  default LabeledImages inMemory(JavaSparkContext jsc, long maxBytes) {
    if ((long) count() * features() > maxBytes) {
      return null;
    }
    Examples examples = examples(jsc, ExampleSelection.all(count()));
    try {
      List<Example> all = new java.util.ArrayList<>(examples.rdd().collect());
      all.sort(Comparator.comparingInt(Example::index));
      int d = features();
      byte[] pixels = new byte[all.size() * d];
      byte[] labels = new byte[all.size()];
      for (Example e : all) {
        System.arraycopy(e.pixels(), 0, pixels, e.index() * d, d);
        labels[e.index()] = (byte) e.label();
      }
      return new LabeledImages(source(), imageRows(), imageCols(), pixels, labels);
    } finally {
      examples.release().run();
    }
  }
}
