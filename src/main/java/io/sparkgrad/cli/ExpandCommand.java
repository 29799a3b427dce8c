package io.sparkgrad.cli;

import io.sparkgrad.config.CommandLine;
import io.sparkgrad.config.Key;
import io.sparkgrad.config.KeyTable;
import io.sparkgrad.config.Values;
import io.sparkgrad.data.DataExpansion;
import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.io.OutputClaim;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code sparkgrad expand --data <IDX folder> --copies K --out <folder>}: a K-times larger
 * training set of seeded deformations ({@link DataExpansion}), written by Spark tasks as raw IDX
 * part files that {@code train} reads.
 */
final class ExpandCommand {
  /** The deformation of the ready configuration best-augmented: affine plus elastic. */
  static final String DEFAULT_AUGMENT =
      "shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=6";

  private static final KeyTable.Builder O = KeyTable.builder("--");
  static final Key<String> DATA = O.key("data", "the IDX folder to expand").hint("FOLDER").text()
      .required();
  static final Key<Integer> COPIES = O.key("copies",
      "copies of every training image (copy 0 as it is, 1..K-1 deformed)").hint("K").integer()
      .check(k -> k >= 1 && k <= 100_000, "an integer in 1..100000").required();
  static final Key<String> OUT = O.key("out", "the folder to write").hint("FOLDER").text()
      .required();
  static final Key<Long> SEED = O.key("seed", "seed of the deformations").hint("N").longInteger()
      .defaultValue("42");
  static final Key<AugmentationSpec> AUGMENT = O.key("augment", "the deformation of copies 1..K-1")
      .hint("SPEC").parsedBy((label, text) -> AugmentationSpec.parse(text),
          AugmentationSpec::label)
      .defaultValue(DEFAULT_AUGMENT);
  static final Key<Boolean> OVERWRITE = O.key("overwrite",
      "replace an existing --out written with other settings").flag().defaultValue("false");
  static final Key<String> MASTER = O.key("master", "Spark master when not set by spark-submit")
      .hint("URL").text().defaultValue("local[*]");
  static final KeyTable OPTIONS = O.build();

  private final PrintStream out;

  ExpandCommand(PrintStream out) {
    this.out = out;
  }

  ExitCode run(List<String> args) throws IOException {
    CommandLine line = CommandLine.parse(args, OPTIONS);
    if (line.help()) {
      out.println("usage: sparkgrad expand --data <IDX folder> --copies K --out <folder>"
          + " [--seed 42] [--augment SPEC] [--overwrite] [--master URL]\n\n"
          + "Writes K copies of every training image (copy 0 as it is, copies 1..K-1 seeded"
          + " deformations) as raw IDX part files, and copies the test split unchanged.\n"
          + "Disk: K x (training images x (rows x cols + 1) bytes) plus the test files"
          + " (--copies 135 of MNIST: 6.4 GB). Running it again with the same settings does"
          + " nothing.\n\noptions:");
      out.print(OPTIONS.help());
      return ExitCode.OK;
    }
    Values options = line.values(OPTIONS);
    int copies = options.get(COPIES);
    long start = System.nanoTime();
    // The expansion is never the data it expands, nor inside it, nor holding it.
    OutputClaim.checkApart(options.get(OUT), "--out",
        List.of(new OutputClaim.Input("--data", options.get(DATA))), new Configuration());
    try (SparkSessions sessions =
        SparkSessions.start("sparkgrad-expand", options.get(MASTER))) {
      JavaSparkContext jsc =
          JavaSparkContext.fromSparkContext(sessions.session().sparkContext());
      DataExpansion.Result result = DataExpansion.expand(jsc, new Path(options.get(DATA)),
          new Path(options.get(OUT)), copies, options.get(SEED), options.get(AUGMENT),
          options.get(OVERWRITE), jsc.hadoopConfiguration());
      out.printf(Locale.ROOT, "%s %,d training examples (%d copies) in %s: %d part pairs,"
              + " %.2f GB on disk, %.1f s%n",
          result.existed() ? "already expanded:" : "expanded", result.trainExamples(), copies,
          result.out(), result.parts(), result.bytes() / 1e9,
          (System.nanoTime() - start) / 1e9);
    }
    return ExitCode.OK;
  }
}
