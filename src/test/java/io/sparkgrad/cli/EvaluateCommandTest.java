package io.sparkgrad.cli;

import io.sparkgrad.io.Json;
import io.sparkgrad.cli.CommandRun.Outcome;
import static io.sparkgrad.cli.CommandRun.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.evaluation.MetricsTable;
import io.sparkgrad.report.HeadlessChromium;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkgrad evaluate} in-process on the shared local[2] session, on a model that
 * {@code train} writes from a slice of the real MNIST into a folder whose name holds markup.
 */
class EvaluateCommandTest {
  @TempDir static Path work;
  static Path data;
  static Path model;
  static JsonNode trainingMetrics;
  static JsonNode metadata;


  @BeforeAll
  static void trainAModel() throws IOException {
    data = IdxFolders.mnistSubset(work.resolve("mnist-small"), 3000, 1000);
    SparkTestSession.get();
    // The path is shown in both reports: it must come out as text, never as markup.
    model = work.resolve("model-<script>alert('x')<");
    Outcome trained = run("train", "--data", data.toString(), "--model", model.toString(),
        "--epochs", "2", "--hidden", "32", "--learning-rate", "0.005");
    assertEquals(0, trained.code(), trained.err());
    trainingMetrics = Json.mapper().readTree(model.resolve("metrics.json").toFile());
    metadata = Json.mapper().readTree(model.resolve("metadata.json").toFile());
  }


  static String[] evaluate(Path modelFolder, Path dataFolder, String... extra) {
    List<String> args = new ArrayList<>(List.of("evaluate", "--model", modelFolder.toString(),
        "--data", dataFolder.toString()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  static Dataset<Row> table(Path path) {
    return SparkTestSession.get().read().parquet(path.toString());
  }

  @Test
  void accuracyEqualsTrainingsTestAccuracyAndTwoRunDatesGiveTwoPartitions() throws IOException {
    Path metrics = work.resolve("metrics-history");
    Outcome first = run(evaluate(model, data, "--metrics-out", metrics.toString(),
        "--run-date", "2024-03-01"));
    assertEquals(0, first.code(), first.err());
    Outcome second = run(evaluate(model, data, "--metrics-out", metrics.toString(),
        "--run-date", "2024-03-02"));
    assertEquals(0, second.code(), second.err());

    double expected = trainingMetrics.path("test_accuracy").asDouble();
    assertTrue(first.out().contains(String.format(Locale.ROOT, "accuracy %.2f%%", 100 * expected)),
        first.out());
    try (Stream<Path> entries = Files.list(metrics)) {
      assertEquals(List.of("run_date=2024-03-01", "run_date=2024-03-02"),
          entries.map(p -> p.getFileName().toString()).sorted().toList(),
          "two partitions and nothing else visible (no staging folder left)");
    }

    SparkSession spark = SparkTestSession.get();
    assertEquals(DataTypes.DateType, table(metrics).schema().apply("run_date").dataType());
    List<Row> rows = spark.sql("SELECT CAST(run_date AS STRING) AS day, accuracy, examples,"
        + " correct, model_id, data_sha256, split, passed, size(precision) AS k,"
        + " aggregate(flatten(confusion), 0L, (a, x) -> a + x) AS confused"
        + " FROM parquet.`" + metrics + "` ORDER BY day").collectAsList();
    assertEquals(2, rows.size());
    assertEquals("2024-03-01", rows.get(0).getString(0));
    assertEquals("2024-03-02", rows.get(1).getString(0));
    for (Row row : rows) {
      assertEquals(expected, row.getDouble(1), 0.0, "exactly the accuracy train reported");
      assertEquals(1000L, row.getLong(2));
      assertEquals(Math.round(expected * 1000), row.getLong(3));
      assertEquals(metadata.path("model_id").asText(), row.getString(4));
      assertEquals(MetricsTable.combinedSha256(inputSha256()), row.getString(5));
      assertEquals("test", row.getString(6));
      assertTrue(row.isNullAt(7), "no --min-accuracy, no verdict");
      assertEquals(10, row.getInt(8));
      assertEquals(1000L, row.getLong(9), "the confusion matrix counts every example once");
    }
  }

  @Test
  void minAccuracyAboveTheModelsExitsSevenAfterWritingTheRow() {
    Path metrics = work.resolve("metrics-gate");
    Outcome below = run(evaluate(model, data, "--metrics-out", metrics.toString(),
        "--run-date", "2024-03-05", "--min-accuracy", "0.999"));
    assertEquals(ExitCode.BELOW_MIN_ACCURACY.code(), below.code(), below.err());
    assertTrue(below.err().startsWith("sparkgrad: error: accuracy 0."), below.err());
    assertTrue(below.err().contains("is below --min-accuracy 0.999"), below.err());
    List<Row> rows = table(metrics).select("min_accuracy", "passed", "accuracy").collectAsList();
    assertEquals(1, rows.size(), "the row is written although the run fails");
    assertEquals(0.999, rows.get(0).getDouble(0), 0.0);
    assertFalse(rows.get(0).getBoolean(1));

    Outcome above = run(evaluate(model, data, "--metrics-out", metrics.toString(),
        "--run-date", "2024-03-05", "--min-accuracy", "0.5"));
    assertEquals(0, above.code(), above.err());
    assertEquals(2, table(metrics).count(), "both runs of the day are in its partition");
    assertEquals(1, table(metrics).where("passed").count());
  }

  @Test
  void aMissingModelFolderIsABadModel() {
    Path missing = work.resolve("no-such-model");
    Outcome outcome = run(evaluate(missing, data));
    assertEquals(ExitCode.BAD_MODEL.code(), outcome.code(), outcome.err());
    assertEquals("sparkgrad: error: " + missing + ": no such model folder\n", outcome.err());
  }

  @Test
  void anUnknownFormatVersionIsABadModel() throws IOException {
    Path copy = copyOf(model, work.resolve("model-version-99"));
    ObjectNode edited = (ObjectNode) Json.mapper().readTree(copy.resolve("metadata.json").toFile());
    edited.put("format_version", 99);
    Files.write(copy.resolve("metadata.json"), Json.toBytes(edited));
    Outcome outcome = run(evaluate(copy, data));
    assertEquals(ExitCode.BAD_MODEL.code(), outcome.code(), outcome.err());
    assertEquals("sparkgrad: error: " + copy.resolve("metadata.json")
        + ": format_version: expected 1; found 99\n", outcome.err());
  }

  @Test
  void aModelWhoseInputSizeDiffersFromTheDataIsABadModel() throws IOException {
    Path small = IdxFolders.write(work.resolve("images-14x14"),
        SyntheticImages.make(200, 14, 14, 10, 1), SyntheticImages.make(100, 14, 14, 10, 2));
    Outcome outcome = run(evaluate(model, small, "--metrics-out",
        work.resolve("metrics-never").toString()));
    assertEquals(ExitCode.BAD_MODEL.code(), outcome.code(), outcome.err());
    assertEquals("sparkgrad: error: " + model + "/metadata.json: architecture.inputs: expected 196"
        + " (the 14×14 images of file:" + small + "); found 784\n", outcome.err());
    assertFalse(Files.exists(work.resolve("metrics-never")), "nothing written");
  }

  @Test
  void badOptionValuesAreUsageErrorsNamingTheValue() {
    assertUsage("--run-date: expected a date YYYY-MM-DD; found '2024-02-30'",
        evaluate(model, data, "--run-date", "2024-02-30"));
    assertUsage("--run-date: expected a date YYYY-MM-DD; found '24-3-1'",
        evaluate(model, data, "--run-date", "24-3-1"));
    assertUsage("--min-accuracy: expected a number in [0, 1]; found '97'",
        evaluate(model, data, "--min-accuracy", "97"));
    assertUsage("--split: expected test, train or all; found 'validation'",
        evaluate(model, data, "--split", "validation"));
    assertUsage("--model: required", new String[] {"evaluate", "--data", data.toString()});
    assertUsage("unknown option '--min-acuracy'; expected one of --"
        + String.join(", --", EvaluateCommand.VALUED),
        evaluate(model, data, "--min-acuracy", "0.9"));
    Outcome help = run("evaluate", "--help");
    assertEquals(0, help.code());
    for (String option : EvaluateCommand.VALUED) {
      assertTrue(help.out().contains("--" + option), option);
    }
    assertTrue(run("--help").out().contains("  evaluate  "), "listed in the usage");
  }

  @Test
  void allSplitsAndTheParquetFormEvaluateTheSameModel() {
    Outcome all = run(evaluate(model, data, "--split", "all"));
    assertEquals(0, all.code(), all.err());
    assertTrue(all.out().contains("split all: 4,000 examples"), all.out());

    Path parquet = work.resolve("mnist-small.parquet");
    assertEquals(0, run("prepare", "--data", data.toString(), "--out", parquet.toString()).code());
    Path metrics = work.resolve("metrics-parquet");
    Outcome fromTable = run(evaluate(model, parquet, "--metrics-out", metrics.toString(),
        "--run-date", "2024-03-09", "--partitions", "3"));
    assertEquals(0, fromTable.code(), fromTable.err());
    Row row = table(metrics).select("accuracy", "data_path").first();
    assertEquals(trainingMetrics.path("test_accuracy").asDouble(), row.getDouble(0), 0.0,
        "Parquet data, 3 partitions: the same accuracy");
    assertTrue(row.getString(1).endsWith("mnist-small.parquet"), row.getString(1));
  }

  @org.junit.jupiter.api.Tag("external") // needs Debian's chromium / python3 with numpy
  @Test
  void bothReportsAreEscapedSelfContainedAndOpenInHeadlessChromium() throws IOException {
    Path metrics = work.resolve("metrics-report");
    Outcome outcome = run(evaluate(model, data, "--metrics-out", metrics.toString(),
        "--run-date", "2024-03-07"));
    assertEquals(0, outcome.code(), outcome.err());
    Path report = Paths.get(metrics + ".reports", "2024-03-07",
        metadata.path("model_id").asText() + "-test.html");
    assertTrue(outcome.out().contains("report: " + report), outcome.out());

    for (Path page : List.of(report, model.resolve("report.html"))) {
      String html = Files.readString(page);
      String lower = html.toLowerCase(Locale.ROOT);
      assertFalse(lower.contains("<script"), page + ": a script element");
      assertTrue(html.contains("model-&lt;script&gt;alert(&#39;x&#39;)&lt;"), page + ": escaped");
      assertFalse(lower.contains("http://") || lower.contains("https://"), page + ": a URL");
      Matcher src = Pattern.compile("\\b(src|href)\\s*=\\s*\"([^\"]*)\"").matcher(html);
      int images = 0;
      while (src.find()) {
        assertTrue(src.group(2).startsWith("data:image/png;base64,"), page + ": " + src.group());
        images++;
      }
      assertEquals(24 + 32, images, page + ": 24 worst examples and all 32 hidden units");
      String dom = HeadlessChromium.dumpDom(page, work.resolve("chromium"));
      for (String id : List.of("summary", "curves", "confusion", "classes", "confidence", "worst",
          "weights")) {
        assertTrue(dom.contains("id=\"" + id + "\""), page + ": section " + id);
      }
      assertEquals(8, dom.split("<circle ", -1).length - 1,
          page + ": 2 epochs × (train, test) × (loss, accuracy) = 8 points on the curves");
    }
    // The screenshot stays in target/ for a person to look at (docs/report.png is made the same
    // way from a model trained on all of MNIST; README, "The report").
    Path screenshot = Paths.get(System.getProperty("sparkgrad.project.dir", "."),
        "target", "report-screenshot.png");
    Files.createDirectories(screenshot.getParent());
    HeadlessChromium.screenshot(report, screenshot, work.resolve("chromium"));
    assertTrue(Files.size(screenshot) > 50_000, "screenshot of " + Files.size(screenshot) + " B");
  }

  private static Map<String, String> inputSha256() {
    Map<String, String> files = new TreeMap<>();
    metadata.path("input_sha256").properties()
        .forEach(e -> files.put(e.getKey(), e.getValue().asText()));
    return files;
  }

  private static void assertUsage(String message, String... args) {
    Outcome outcome = run(args);
    assertEquals(ExitCode.USAGE.code(), outcome.code(), outcome.err());
    assertEquals("sparkgrad: error: " + message + "\n", outcome.err());
  }

  private static Path copyOf(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      // As `cp from/* to/` would: without Hadoop's hidden .crc side files, so that the edited
      // metadata.json is read as edited rather than refused for its stale checksum.
      for (Path f : files.filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
        Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return to;
  }
}
