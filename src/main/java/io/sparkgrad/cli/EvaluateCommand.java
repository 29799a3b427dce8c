package io.sparkgrad.cli;

import io.sparkgrad.io.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.data.BlockedData;
import io.sparkgrad.data.ExampleSelection;
import io.sparkgrad.data.ConcatSplit;
import io.sparkgrad.data.IdxSplit;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.data.LabeledSplit;
import io.sparkgrad.data.Split;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.DataSetFormat;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.evaluation.MetricsTable;
import io.sparkgrad.evaluation.SparkEvaluator;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Precision;
import io.sparkgrad.io.OutputClaim;
import io.sparkgrad.io.OutputException;
import io.sparkgrad.io.OutputKind;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.report.HtmlReport;
import io.sparkgrad.report.ReportContent;
import io.sparkgrad.config.CommandLine;
import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.Key;
import io.sparkgrad.config.KeyTable;
import io.sparkgrad.config.Values;
import io.sparkgrad.training.ReplicaLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code sparkgrad evaluate}: a saved model on a data set, on Spark (cached blocks, one tree
 * aggregation). Prints a summary, appends a row to the metrics table ({@link MetricsTable}),
 * writes a report, and exits {@link ExitCode#BELOW_MIN_ACCURACY} when the accuracy is below
 * {@code --min-accuracy} (after the metrics are written).
 *
 * <p>A model whose input size (or declared image size) differs from the data's is refused as
 * {@link ExitCode#BAD_MODEL}: the data is what is being measured against, the model is the
 * thing that does not fit it.
 */
final class EvaluateCommand {
  private static final DateTimeFormatter RUN_DATE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd", Locale.ROOT).withResolverStyle(ResolverStyle.STRICT);

  private static final KeyTable.Builder O = KeyTable.builder("--");
  static final Key<String> MODEL = O.key("model", "the model folder").hint("FOLDER").text()
      .required();
  static final Key<String> DATA = O.key("data", "an IDX folder or a Parquet table from 'prepare'")
      .hint("PATH").text().required();
  static final Key<Which> SPLIT = O.key("split", "which examples").hint("test|train|all")
      .parsedBy((label, text) -> Which.parse(text), Which::label).defaultValue("test");
  static final Key<String> METRICS_OUT = O.key("metrics-out", "Parquet metrics table to append"
      + " the run's row to, partitioned by run_date (created when missing)")
      .hint("PATH").text().optional("none");
  static final Key<Double> MIN_ACCURACY = O.key("min-accuracy", "exit 7 when the accuracy is"
      + " below X (0..1), after the metrics and the report are written")
      .parsedBy(EvaluateCommand::parseFraction, x -> Double.toString(x)).optional(null);
  static final Key<LocalDate> RUN_DATE_OPTION = O.key("run-date", "the run_date partition")
      .hint("YYYY-MM-DD").parsedBy((label, text) -> parseRunDate(text), LocalDate::toString)
      .optional("today, UTC");
  static final Key<String> REPORT = O.key("report", "the HTML report").hint("PATH").text()
      .optional("with --metrics-out, <metrics-out>.reports/<run-date>/<model id>-<split>.html;"
          + " without it, none");
  static final Key<Boolean> OVERWRITE = O.key("overwrite", "replace an existing --report (the"
      + " default report under <metrics-out>.reports/ is replaced on a rerun)").flag()
      .defaultValue("false");
  static final Key<String> MASTER = O.key("master", "Spark master when not set by spark-submit")
      .hint("URL").text().defaultValue("local[*]");
  static final Key<Integer> PARTITIONS = O.key("partitions", "data partitions").hint("N")
      .parsedBy((label, text) -> parseCount(label, text, 0, 100_000), i -> Integer.toString(i))
      .defaultValue("0", "Spark's default parallelism");
  static final Key<Integer> WORST = O.key("worst",
      "worst-classified examples to keep and draw").hint("N")
      .parsedBy((label, text) -> parseCount(label, text, 0, 1000), i -> Integer.toString(i))
      .defaultValue("24");
  static final KeyTable OPTIONS = O.build();
  /** The option names, in help order. */
  static final List<String> VALUED = OPTIONS.names();

  private final PrintStream out;

  EvaluateCommand(PrintStream out) {
    this.out = out;
  }

  /** Which examples to evaluate. */
  enum Which {
    TEST, TRAIN, ALL;

    static Which parse(String text) {
      for (Which w : values()) {
        if (w.label().equals(text)) {
          return w;
        }
      }
      throw new ConfigException("--split: expected test, train or all; found '" + text + "'");
    }

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static String usage() {
    return """
        usage: sparkgrad evaluate --model <folder> --data <IDX folder or Parquet table> [options]

        Evaluates a saved model on Spark: accuracy, mean loss, per-class precision/recall/F1 and
        support, the confusion matrix, the confidence distribution and the worst-classified
        examples. Prints a summary, appends one row to the metrics table and writes a report.

        options:
        """ + OPTIONS.help();
  }

  ExitCode run(List<String> args) throws IOException {
    CommandLine line = CommandLine.parse(args, OPTIONS);
    if (line.help()) {
      out.print(usage());
      return ExitCode.OK;
    }
    Values options = line.values(OPTIONS);
    String modelPath = options.get(MODEL);
    String dataPath = options.get(DATA);
    Which split = options.get(SPLIT);
    LocalDate runDate = options.given(RUN_DATE_OPTION)
        ? options.get(RUN_DATE_OPTION)
        : LocalDate.now(ZoneOffset.UTC);
    Double minAccuracy = options.get(MIN_ACCURACY);
    int partitions = options.get(PARTITIONS);
    int worst = options.get(WORST);
    String metricsOut = options.get(METRICS_OUT);
    boolean overwrite = options.get(OVERWRITE);
    String master = options.get(MASTER);
    MasterUrl.check(master);

    Configuration hadoop = new Configuration();
    ModelStore.LoadedModel model = SavedModels.read(modelPath, hadoop);
    TrainingConfig config = SavedModels.config(model);
    Precision precision = config.distribution().precision();
    int blockRows = config.distribution().blockRows();
    long seed = config.run().seed();
    boolean reportNamed = options.given(REPORT);
    String reportPath = reportNamed
        ? options.get(REPORT)
        : metricsOut == null ? null
            : new Path(metricsOut).toString() + ".reports/" + runDate + "/" + model.modelId()
                + "-" + split.label() + ".html";
    List<OutputClaim.Input> inputs = List.of(new OutputClaim.Input("--model", modelPath),
        new OutputClaim.Input("--data", dataPath));
    if (metricsOut != null) {
      checkMetricsTable(metricsOut, inputs, hadoop);
    }
    // A report named with --report is replaced only with --overwrite; the default one (under
    // <metrics-out>.reports/) is the run's own and replaced on a rerun, when it is sparkgrad's.
    try (OutputClaim report = reportPath == null ? null
        : OutputClaim.take(OutputKind.REPORT, reportPath, "--report",
            overwrite || !reportNamed, metricsOut == null ? inputs : List.of(inputs.get(0),
                inputs.get(1), new OutputClaim.Input("--metrics-out", metricsOut)), hadoop)) {
      return evaluate(line, model, dataPath, split, runDate, minAccuracy, partitions, worst,
          metricsOut, report, precision, blockRows, seed, master, hadoop);
    } finally {
      Interruption.clear();
    }
  }

  private ExitCode evaluate(CommandLine line, ModelStore.LoadedModel model,
      String dataPath, Which split, LocalDate runDate, Double minAccuracy, int partitions,
      int worst, String metricsOut, OutputClaim report, Precision precision, int blockRows,
      long seed, String master, Configuration hadoop) throws IOException {
    String modelPath = model.folder();
    Interruption.stage(out, "loading the data from " + dataPath, null, null);

    DataSetFormat format = DataSetFormat.detect(new Path(dataPath), hadoop);
    DataSetFolder folder = null;
    IdxSplit trainSplit = null;
    IdxSplit testSplit = null;
    if (format == DataSetFormat.IDX_FOLDER) {
      // The IDX headers are read and checked before Spark starts; the executors read the rest.
      folder = DataSetFolder.at(dataPath, hadoop);
      trainSplit = IdxSplit.open(folder, Split.TRAIN, hadoop);
      testSplit = IdxSplit.open(folder, Split.TEST, hadoop);
      checkFits(model, testSplit, folder.folder().toString());
    }
    try (SparkSessions sessions = SparkSessions.start("sparkgrad-evaluate", master)) {
      SparkSession spark = sessions.session();
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      LabeledData data = folder != null
          ? LabeledData.idx(jsc, folder, trainSplit, testSplit, model.spec().outputs(), hadoop)
          : LabeledData.parquet(spark, dataPath, model.spec().outputs());
      checkFits(model, data.test(), data.source());
      LabeledSplit images = imagesOf(data, split);
      int trainCount = data.train().count();
      IntFunction<String> exampleName = split == Which.ALL
          ? i -> i < trainCount ? "train #" + i : "test #" + (i - trainCount)
          : i -> split.label() + " #" + i;
      if (partitions > images.count()) {
        throw new ConfigException("--partitions: expected at most the " + images.count()
            + " examples of the " + split.label() + " split (a partition without examples is an"
            + " empty task); found " + partitions);
      }
      // As training does: the slots, more for large data.
      int parts = partitions > 0 ? partitions : ReplicaLayout.autoPartitions(jsc,
          BlockedData.cachedBytes(images.count(), images.features()));
      Interruption.stage(out, "evaluating " + modelPath + " on the " + split.label() + " split of "
          + dataPath, null, null);
      EvaluationSums sums;
      try (BlockedData blocks = BlockedData.of(jsc, images,
          ExampleSelection.all(images.count()), parts, seed, blockRows,
          "sparkgrad-evaluate-" + split.label())) {
        sums = new SparkEvaluator(jsc, model.spec(), precision, BlasChoice.AUTO)
            .evaluate(blocks.rdd(), model.params(), worst);
      }
      Instant evaluatedAt = Instant.now();
      String qualifiedModel = qualified(modelPath, hadoop);
      printSummary(model, qualifiedModel, data, format, split, sums, exampleName);

      if (metricsOut != null) {
        MetricsTable.Run run = new MetricsTable.Run(UUID.randomUUID().toString(),
            model.modelId(), qualifiedModel, data.source(), data.sha256(), split.label(),
            runDate, evaluatedAt, minAccuracy, sums);
        Path partition = MetricsTable.append(spark, metricsOut, run);
        out.println("metrics: appended run " + run.runId() + " to " + partition);
      }
      if (report != null) {
        Interruption.stage(out, "writing the report " + report.path(), null, null);
        ReportContent content = reportContent(model, qualifiedModel, data, split, runDate,
            evaluatedAt, sums, images.pixelsOf(jsc, TrainCommand.worstIndices(sums)),
            exampleName, hadoop);
        byte[] html = HtmlReport.bytes(content);
        report.write((fs, temporary) -> ModelStore.writeBytes(fs, temporary, html));
        out.println("report: " + report.path());
      }
      if (minAccuracy != null && !(sums.accuracy() >= minAccuracy)) {
        throw new CommandException(ExitCode.BELOW_MIN_ACCURACY, String.format(Locale.ROOT,
            "accuracy %.4f is below --min-accuracy %s (%s split of %s)%s", sums.accuracy(),
            line.given().get(MIN_ACCURACY.name()), split.label(), data.source(),
            metricsOut == null ? "" : "; the metrics were written to " + metricsOut));
      }
      return ExitCode.OK;
    }
  }

  /**
   * YYYY-MM-DD, a real calendar date from 1900 on; anything else is a usage error naming the
   * value. Earlier dates would be read back changed (Parquet stores dates before 1582 in the
   * Julian calendar, and Spark rebases them).
   */
  static LocalDate parseRunDate(String text) {
    LocalDate date;
    try {
      date = LocalDate.parse(text, RUN_DATE);
    } catch (DateTimeParseException e) {
      throw new ConfigException(
          "--run-date: expected a date YYYY-MM-DD; found '" + text + "'");
    }
    if (date.isBefore(FIRST_RUN_DATE)) {
      throw new ConfigException("--run-date: expected a date from " + FIRST_RUN_DATE
          + " to 9999-12-31; found '" + text + "'");
    }
    return date;
  }

  private static final LocalDate FIRST_RUN_DATE = LocalDate.of(1900, 1, 1);

  /**
   * An existing --metrics-out must be a metrics table (run_date=… partitions): a row appended
   * to a data table or any other folder would break it. It must also stay apart from the inputs.
   */
  private static void checkMetricsTable(String metricsOut, List<OutputClaim.Input> inputs,
      Configuration hadoop) throws IOException {
    OutputClaim.checkApart(metricsOut, "--metrics-out", inputs, hadoop);
    Path table = new Path(metricsOut);
    FileSystem fs = table.getFileSystem(hadoop);
    if (fs.exists(table) && !OutputKind.METRICS_TABLE.recognizes(fs, table)) {
      throw new OutputException(OutputException.Reason.NOT_OURS, metricsOut
          + ": --metrics-out: expected a metrics table (a folder of run_date=YYYY-MM-DD"
          + " partitions written by sparkgrad evaluate); found "
          + (fs.getFileStatus(table).isDirectory() ? "a folder that is not one" : "a file")
          + ", so nothing was appended (choose another --metrics-out)");
    }
  }

  private static double parseFraction(String label, String text) {
    double value;
    try {
      value = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!(value >= 0 && value <= 1)) {
      throw new ConfigException(label + ": expected a number in [0, 1]; found '" + text + "'");
    }
    return value;
  }

  private static int parseCount(String label, String text, int min, int max) {
    int value;
    try {
      value = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      value = Integer.MIN_VALUE;
    }
    if (value < min || value > max) {
      throw new ConfigException(
          label + ": expected an integer in " + min + ".." + max + "; found '" + text + "'");
    }
    return value;
  }

  /** Refuses a model whose inputs (or declared image size) differ from the data's images. */
  static void checkFits(ModelStore.LoadedModel model, LabeledSplit images, String source) {
    String metadata = model.folder() + "/" + ModelStore.METADATA;
    if (model.spec().inputs() != images.features()) {
      throw new CommandException(ExitCode.BAD_MODEL, String.format(Locale.ROOT,
          "%s: architecture.inputs: expected %d (the %d×%d images of %s); found %d",
          metadata, images.features(), images.imageRows(), images.imageCols(), source,
          model.spec().inputs()));
    }
    int rows = model.imageRows();
    int cols = model.imageCols();
    if (rows > 0 && cols > 0 && (rows != images.imageRows() || cols != images.imageCols())) {
      throw new CommandException(ExitCode.BAD_MODEL, String.format(Locale.ROOT,
          "%s: architecture.image_rows×image_cols: expected %d×%d (the images of %s); found %d×%d",
          metadata, images.imageRows(), images.imageCols(), source, rows, cols));
    }
  }

  private static LabeledSplit imagesOf(LabeledData data, Which split) {
    return switch (split) {
      case TEST -> data.test();
      case TRAIN -> data.train();
      case ALL -> new ConcatSplit(data.source() + " train+test", data.train(), data.test());
    };
  }

  private static String qualified(String path, Configuration hadoop) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(hadoop).makeQualified(p).toString();
  }

  private void printSummary(ModelStore.LoadedModel model, String modelPath, LabeledData data,
      DataSetFormat format, Which split, EvaluationSums s, IntFunction<String> exampleName) {
    out.printf(Locale.ROOT, "sparkgrad evaluate: model %s (%s, id %s)%n", modelPath,
        model.spec().describe(), model.modelId());
    out.printf(Locale.ROOT, "data: %s (%s), split %s: %,d examples%n", data.source(),
        format == DataSetFormat.IDX_FOLDER ? "IDX" : "Parquet", split.label(), s.count());
    out.printf(Locale.ROOT, "accuracy %.2f%% (%d of %d), mean loss %.4f, macro F1 %.4f%n",
        100 * s.accuracy(), s.correct(), s.count(), s.meanLoss(), s.macroF1());
    out.println("class  precision  recall      f1  support");
    for (int k = 0; k < s.classes(); k++) {
      out.printf(Locale.ROOT, "%5d  %9.4f  %6.4f  %6.4f  %7d%n", k, s.precision(k), s.recall(k),
          s.f1(k), s.support(k));
    }
    out.println("confusion matrix (rows: true class, columns: predicted class)");
    StringBuilder head = new StringBuilder("      ");
    for (int p = 0; p < s.classes(); p++) {
      head.append(String.format(Locale.ROOT, "%6d", p));
    }
    out.println(head);
    for (int a = 0; a < s.classes(); a++) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%6d", a));
      for (int p = 0; p < s.classes(); p++) {
        line.append(String.format(Locale.ROOT, "%6d", s.confusion(a, p)));
      }
      out.println(line);
    }
    out.printf(Locale.ROOT,
        "confidence (score of the predicted class): mean %.4f when right, %.4f when wrong%n",
        s.meanConfidenceCorrect(), s.meanConfidenceWrong());
    long[] histogram = s.confidenceHistogram();
    StringBuilder bins = new StringBuilder("  per 0.05 bin from 0:");
    for (long count : histogram) {
      bins.append(' ').append(count);
    }
    out.println(bins);
    List<EvaluationSums.Example> worst = s.worst();
    if (!worst.isEmpty()) {
      out.println("worst classified (lowest score of the true class):");
      for (EvaluationSums.Example x : worst.subList(0, Math.min(10, worst.size()))) {
        out.printf(Locale.ROOT, "  %-12s true %d predicted %d  p(true) %.4f  p(predicted) %.4f%n",
            exampleName.apply(x.index()), x.actual(), x.predicted(), x.trueScore(),
            x.confidence());
      }
    }
  }

  private static ReportContent reportContent(ModelStore.LoadedModel model, String modelPath,
      LabeledData data, Which split, LocalDate runDate, Instant evaluatedAt, EvaluationSums sums,
      Map<Integer, byte[]> pictures, IntFunction<String> exampleName, Configuration hadoop) {
    JsonNode trainingMetrics = readTrainingMetrics(model, hadoop);
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("model", modelPath);
    facts.put("model id", model.modelId());
    facts.put("network", model.spec().describe());
    facts.put("trained", model.metadata().path("finished").asText("unknown"));
    facts.put("data", data.source());
    facts.put("data SHA-256", MetricsTable.combinedSha256(data.sha256()));
    facts.put("split", split.label());
    facts.put("run date", runDate.toString());
    facts.put("evaluated at", evaluatedAt.toString());
    facts.put("test accuracy at training", trainingMetrics == null ? "unknown"
        : trainingMetrics.path("test_accuracy").asText("unknown"));
    return new ReportContent("sparkgrad evaluation", modelPath, facts, trainingMetrics,
        split.label() + " split of " + data.source() + ", " + sums.count() + " examples", sums,
        pictures, exampleName, model.spec(), model.params(), data.test().imageRows(),
        data.test().imageCols());
  }

  /** The model's metrics.json, or null when it is missing or unreadable (the report says so). */
  private static JsonNode readTrainingMetrics(ModelStore.LoadedModel model, Configuration hadoop) {
    Path path = new Path(model.folder(), ModelStore.METRICS);
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      if (!fs.exists(path)) {
        return null;
      }
      try (InputStream in = fs.open(path)) {
        return Json.mapper().readTree(in);
      }
    } catch (IOException e) {
      return null;
    }
  }
}
