package io.sparkgrad.cli;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.data.DataExpansion;
import io.sparkgrad.data.augment.AugmentationSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code sparkgrad expand --data <IDX folder> --copies K --out <folder>}: a K-times larger
 * training set of seeded deformations ({@link DataExpansion}), written by Spark tasks as raw IDX
 * part files that {@code train} reads.
 */
final class ExpandCommand {
  /** The deformation of the ready configuration best-augmented: affine plus elastic. */
  static final String DEFAULT_AUGMENT = "shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=6";

  private final PrintStream out;

  ExpandCommand(PrintStream out) {
    this.out = out;
  }

  ExitCode run(List<String> args) throws IOException {
    Map<String, String> options = SimpleOptions.parse(
        args, List.of("data", "out", "copies", "seed", "augment", "master"), List.of("overwrite"));
    if (options.containsKey("help")) {
      out.println("usage: sparkgrad expand --data <IDX folder> --copies K --out <folder>"
          + " [--seed 42] [--augment " + DEFAULT_AUGMENT + "] [--overwrite] [--master URL]\n\n"
          + "Writes K copies of every training image (copy 0 as it is, copies 1..K-1 seeded"
          + " deformations) as raw IDX part files, and copies the test split unchanged.\n"
          + "Disk: K x (training images x (rows x cols + 1) bytes) plus the test files"
          + " (--copies 135 of MNIST: 6.4 GB). Running it again with the same settings does"
          + " nothing.");
      return ExitCode.OK;
    }
    String data = SimpleOptions.required(options, "data");
    String target = SimpleOptions.required(options, "out");
    int copies = parseInt("copies", SimpleOptions.required(options, "copies"), 1, 100_000);
    long seed = parseLong("seed", options.getOrDefault("seed", "42"));
    AugmentationSpec augmentation;
    try {
      augmentation = AugmentationSpec.parse(options.getOrDefault("augment", DEFAULT_AUGMENT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--augment: " + e.getMessage());
    }
    long start = System.nanoTime();
    try (SparkSessions sessions =
        SparkSessions.start("sparkgrad-expand", options.getOrDefault("master", "local[*]"))) {
      JavaSparkContext jsc =
          JavaSparkContext.fromSparkContext(sessions.session().sparkContext());
      DataExpansion.Result result = DataExpansion.expand(jsc, new Path(data), new Path(target),
          copies, seed, augmentation, options.containsKey("overwrite"),
          jsc.hadoopConfiguration());
      out.printf(Locale.ROOT, "%s %,d training examples (%d copies) in %s: %d part pairs,"
              + " %.2f GB on disk, %.1f s%n",
          result.existed() ? "already expanded:" : "expanded", result.trainExamples(), copies,
          result.out(), result.parts(), result.bytes() / 1e9,
          (System.nanoTime() - start) / 1e9);
    }
    return ExitCode.OK;
  }

  private static int parseInt(String key, String text, int min, int max) {
    long value = parseLong(key, text);
    if (value < min || value > max) {
      throw new ConfigException(
          "--" + key + ": expected an integer in " + min + ".." + max + "; found '" + text + "'");
    }
    return (int) value;
  }

  private static long parseLong(String key, String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException("--" + key + ": expected an integer; found '" + text + "'");
    }
  }
}
