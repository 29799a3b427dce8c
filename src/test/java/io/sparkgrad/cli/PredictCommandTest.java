package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.predict.CraftedPng;
import io.sparkgrad.predict.DrawnDigits;
import io.sparkgrad.evaluation.Scorer;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkgrad predict} in-process on the shared local[2] session, with a model trained by
 * the {@code train} command on a slice of MNIST ({@link SmallModel}).
 */
class PredictCommandTest {
  @TempDir static Path work;
  static Path model;
  static Path data;
  static ModelStore.LoadedModel loaded;

  @BeforeAll
  static void trainModel() throws IOException {
    model = SmallModel.model();
    data = SmallModel.data();
    loaded = ModelStore.read(model.toString(), new Configuration());
  }

  /** CSV output (one part file with a header) as maps from column to value, by line. */
  static List<Map<String, String>> readCsv(Path folder) throws IOException {
    List<Path> parts;
    try (Stream<Path> files = Files.list(folder)) {
      parts = files.filter(p -> p.getFileName().toString().startsWith("part-")
          && p.getFileName().toString().endsWith(".csv")).sorted().toList();
    }
    assertEquals(1, parts.size(), "one CSV part file: " + parts);
    List<String> lines = Files.readAllLines(parts.get(0));
    String[] header = lines.get(0).split(",");
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] values = line.split(",");
      assertEquals(header.length, values.length, line);
      Map<String, String> row = new TreeMap<>();
      for (int c = 0; c < header.length; c++) {
        row.put(header[c], values[c]);
      }
      rows.add(row);
    }
    return rows;
  }

  @Test
  void digitsDrawnIntoLargerImagesOfEitherPolarityAreRecognised() throws IOException {
    // Ten test digits the model gets right as 28×28 originals (so the test measures the
    // conversion, not the model), each drawn twice; one in three light-on-dark ones as JPEG.
    LabeledImages test = IdxFolders.mnist().test();
    Scorer<?> scorer =
        Scorer.create(loaded.spec(), loaded.precision(), BlasChoice.AUTO, loaded.params());
    List<Integer> chosen = new ArrayList<>();
    for (int i = 0; chosen.size() < 10; i++) {
      scorer.scorePixels(test.pixels(), i * 784, 1);
      if (scorer.predicted(0) == test.label(i)) {
        chosen.add(i);
      }
    }
    Path folder = Files.createDirectories(work.resolve("drawn"));
    Map<String, Integer> labels = new TreeMap<>();
    int jpegs = 0;
    for (int i : chosen) {
      String dark = String.format("test-%04d-dark-on-light.png", i);
      ImageIO.write(DrawnDigits.draw(test, i, true), "png", folder.resolve(dark).toFile());
      boolean jpeg = i % 3 == 0;
      jpegs += jpeg ? 1 : 0;
      String light = String.format("test-%04d-light-on-dark.%s", i, jpeg ? "jpg" : "png");
      ImageIO.write(DrawnDigits.draw(test, i, false), jpeg ? "jpg" : "png",
          folder.resolve(light).toFile());
      labels.put(dark, test.label(i));
      labels.put(light, test.label(i));
    }
    Files.writeString(folder.resolve("README.txt"), "not an image: ignored by name");

    Path out = work.resolve("drawn-predictions");
    CommandRun.Outcome outcome = CommandRun.run("predict", "--model", model.toString(),
        "--input", folder.toString(), "--out", out.toString(), "--format", "csv");
    assertEquals(0, outcome.code(), outcome.err());
    assertTrue(outcome.out().contains("predicted 20 examples from "), outcome.out());

    List<Map<String, String>> rows = readCsv(out);
    assertEquals(20, rows.size());
    int[] correct = new int[2]; // dark on light, light on dark
    for (Map<String, String> row : rows) {
      String name = Path.of(row.get("file").replaceFirst("^file:", "")).getFileName().toString();
      int predicted = Integer.parseInt(row.get("predicted"));
      double sum = 0;
      double max = 0;
      for (int k = 0; k < 10; k++) {
        double p = Double.parseDouble(row.get("p" + k));
        sum += p;
        max = Math.max(max, p);
      }
      assertEquals(1.0, sum, 1e-6, name + ": probabilities sum to 1");
      assertEquals(max, Double.parseDouble(row.get("probability")), 0.0, name);
      boolean right = predicted == labels.get(name);
      correct[name.contains("dark-on-light") ? 0 : 1] += right ? 1 : 0;
      System.out.printf("%s: label %d, predicted %d (p = %s)%s%n", name, labels.get(name),
          predicted, row.get("probability"), right ? "" : "  <-- wrong");
    }
    // Bound: at least 9 of the 10 in each polarity (the originals are all classified right).
    assertTrue(correct[0] >= 9, "dark on light: " + correct[0] + " of 10 right");
    assertTrue(correct[1] >= 9, "light on dark: " + correct[1] + " of 10 right");

    // A glob picks its matches only.
    Path jpegOut = work.resolve("jpeg-predictions");
    CommandRun.Outcome globbed = CommandRun.run("predict", "--model", model.toString(),
        "--input", folder.resolve("*.jpg").toString(), "--out", jpegOut.toString());
    assertEquals(0, globbed.code(), globbed.err());
    List<Row> jpegRows = SparkTestSession.get().read().parquet(jpegOut.toString())
        .select("file", "predicted").collectAsList();
    assertEquals(jpegs, jpegRows.size());
    assertTrue(jpegRows.stream().allMatch(r -> r.getString(0).endsWith(".jpg")));
  }

  @Test
  void idxFileIdxFolderAndParquetTableGiveTheSamePredictions() throws IOException {
    SparkSession spark = SparkTestSession.get();
    // The first 2000 training and 1000 test images, as an IDX folder and as a Parquet table.
    Path subset = IdxFolders.mnistSubset(work.resolve("mnist-3000"), 2000, SmallModel.TEST);
    Path table = work.resolve("mnist-3000.parquet");
    assertEquals(0, CommandRun.run("prepare", "--data", subset.toString(), "--out",
        table.toString()).code());

    Path fromFolder = work.resolve("from-folder");
    Path fromTable = work.resolve("from-table");
    Path fromFile = work.resolve("from-file");
    CommandRun.Outcome folderRun = CommandRun.run("predict", "--model", model.toString(),
        "--input", subset.toString(), "--out", fromFolder.toString());
    assertEquals(0, folderRun.code(), folderRun.err());
    assertTrue(folderRun.out().contains("predicted 1000 examples"), folderRun.out());
    assertTrue(folderRun.out().contains("accuracy against the labels: "), folderRun.out());
    assertEquals(0, CommandRun.run("predict", "--model", model.toString(), "--input",
        table.toString(), "--out", fromTable.toString(), "--split", "test").code());
    assertEquals(0, CommandRun.run("predict", "--model", model.toString(), "--input",
        subset.resolve("t10k-images-idx3-ubyte.gz").toString(), "--out", fromFile.toString())
        .code());

    List<Row> folderRows = spark.read().parquet(fromFolder.toString())
        .orderBy("index").collectAsList();
    List<Row> tableRows = spark.read().parquet(fromTable.toString())
        .orderBy("index").collectAsList();
    List<Row> fileRows = spark.read().parquet(fromFile.toString())
        .orderBy("index").collectAsList();
    assertEquals(List.of("split", "index", "label", "predicted", "probability", "p0", "p1", "p2",
        "p3", "p4", "p5", "p6", "p7", "p8", "p9"), List.of(spark.read()
        .parquet(fromTable.toString()).columns()));
    assertEquals(List.of("index", "predicted", "probability", "p0"),
        List.of(spark.read().parquet(fromFile.toString()).columns()).subList(0, 4));
    assertEquals(SmallModel.TEST, folderRows.size());
    assertEquals(SmallModel.TEST, tableRows.size());
    assertEquals(SmallModel.TEST, fileRows.size());
    LabeledImages test = IdxFolders.mnist().test();
    double maxDifference = 0;
    for (int i = 0; i < SmallModel.TEST; i++) {
      Row f = folderRows.get(i);
      Row t = tableRows.get(i);
      Row x = fileRows.get(i);
      assertEquals(i, f.getInt(1));
      assertEquals(i, t.getInt(1));
      assertEquals(i, x.getInt(0));
      assertEquals("test", t.getString(0));
      assertEquals(test.label(i), f.getInt(2), "label column");
      assertEquals(test.label(i), t.getInt(2), "label column");
      assertEquals(f.getInt(3), t.getInt(3), "predicted, example " + i);
      assertEquals(f.getInt(3), x.getInt(1), "predicted, example " + i);
      for (int k = 0; k < 11; k++) {
        maxDifference = Math.max(maxDifference, Math.abs(f.getDouble(4 + k) - t.getDouble(4 + k)));
        maxDifference = Math.max(maxDifference, Math.abs(f.getDouble(4 + k) - x.getDouble(2 + k)));
      }
    }
    System.out.println(
        "largest probability difference IDX folder / table / file: " + maxDifference);
    assertTrue(maxDifference <= 1e-12, "max difference " + maxDifference);

    Path everything = work.resolve("from-table-all");
    assertEquals(0, CommandRun.run("predict", "--model", model.toString(), "--input",
        table.toString(), "--out", everything.toString(), "--split", "all").code());
    assertEquals(2000 + SmallModel.TEST, spark.read().parquet(everything.toString()).count());
    assertEquals(2000,
        spark.read().parquet(everything.toString()).where("split = 'train'").count());
  }

  @Test
  void imagesThatCannotBeUsedAreRefusedNamingTheFileWithoutWritingOutput() throws IOException {
    LabeledImages test = IdxFolders.mnist().test();
    Path broken = Files.createDirectories(work.resolve("broken"));
    ImageIO.write(DrawnDigits.draw(test, 0, true), "png", broken.resolve("good.png").toFile());
    Files.writeString(broken.resolve("seven.png"), "this is text, not a PNG");
    Path out = work.resolve("never");
    CommandRun.Outcome garbage = CommandRun.run("predict", "--model", model.toString(),
        "--input", broken.toString(), "--out", out.toString());
    assertEquals(ExitCode.BAD_DATA.code(), garbage.code(), garbage.err());
    assertEquals("sparkgrad: error: file:" + broken.resolve("seven.png") + ": content: expected a"
        + " PNG or JPEG image (or another format javax.imageio reads); found bytes no image reader"
        + " recognises (they start 74 68 69 73 20 69 73 20)\n", garbage.err());

    // Every unusable file is found; the first is reported in full, the others are named.
    java.awt.image.BufferedImage blank = new java.awt.image.BufferedImage(40, 30,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    ImageIO.write(blank, "png", broken.resolve("blank.png").toFile());
    CommandRun.Outcome two = CommandRun.run("predict", "--model", model.toString(),
        "--input", broken.toString(), "--out", out.toString());
    assertEquals(ExitCode.BAD_DATA.code(), two.code(), two.err());
    assertTrue(two.err().startsWith("sparkgrad: error: file:" + broken.resolve("blank.png")
        + ": digit: expected strokes at least 16 gray levels"), two.err());
    assertTrue(two.err().endsWith("; 1 more file was refused too, e.g. file:"
        + broken.resolve("seven.png") + "\n"), two.err());

    Path bombs = Files.createDirectories(work.resolve("bombs"));
    Files.write(bombs.resolve("huge.png"), CraftedPng.declaring(100_000, 100_000));
    CommandRun.Outcome bomb = CommandRun.run("predict", "--model", model.toString(),
        "--input", bombs.toString(), "--out", out.toString());
    assertEquals(ExitCode.BAD_DATA.code(), bomb.code(), bomb.err());
    assertEquals("sparkgrad: error: file:" + bombs.resolve("huge.png") + ": image size: expected"
        + " at most 50000000 pixels (--max-pixels); found 100000×100000 = 10000000000 pixels"
        + " declared by its PNG header (refused before decoding)\n", bomb.err());

    CommandRun.Outcome limited = CommandRun.run("predict", "--model", model.toString(),
        "--input", broken.resolve("good.png").toString(), "--out", out.toString(),
        "--max-pixels", "7999");
    assertEquals(ExitCode.BAD_DATA.code(), limited.code(), limited.err());
    assertTrue(limited.err().contains("good.png: image size: expected at most 7999 pixels"
        + " (--max-pixels); found 100×80 = 8000 pixels"), limited.err());
    assertFalse(Files.exists(out), "nothing written");
    try (Stream<Path> left = Files.list(work)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".never")),
          "no temporary output left behind");
    }
  }

  @Test
  void badOptionsInputsAndExistingOutputsAreRefused() throws IOException {
    Path out = work.resolve("refusals");
    String m = model.toString();
    String input = data.resolve("t10k-images-idx3-ubyte.gz").toString();

    CommandRun.Outcome help = CommandRun.run("predict", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--max-pixels N"), help.out());
    assertTrue(CommandRun.run("--help").out().contains("  predict   "), "listed in the usage");

    CommandRun.Outcome format = CommandRun.run("predict", "--model", m, "--input", input,
        "--out", out.toString(), "--format", "json");
    assertEquals(ExitCode.USAGE.code(), format.code());
    assertEquals("sparkgrad: error: format: expected one of parquet, csv; found 'json'\n",
        format.err());
    CommandRun.Outcome split = CommandRun.run("predict", "--model", m, "--input", input,
        "--out", out.toString(), "--split", "train");
    assertEquals(ExitCode.USAGE.code(), split.code(), split.err());
    assertTrue(split.err().contains("--split: applies to an IDX folder or a Parquet table"),
        split.err());

    CommandRun.Outcome noModel = CommandRun.run("predict", "--model",
        work.resolve("no-model").toString(), "--input", input, "--out", out.toString());
    assertEquals(ExitCode.BAD_MODEL.code(), noModel.code(), noModel.err());
    CommandRun.Outcome noInput = CommandRun.run("predict", "--model", m, "--input",
        work.resolve("no-input").toString(), "--out", out.toString());
    assertEquals(ExitCode.BAD_DATA.code(), noInput.code(), noInput.err());
    assertTrue(noInput.err().contains("no-input: input: expected an IDX images file"),
        noInput.err());
    CommandRun.Outcome labels = CommandRun.run("predict", "--model", m, "--input",
        data.resolve("t10k-labels-idx1-ubyte.gz").toString(), "--out", out.toString());
    assertEquals(ExitCode.BAD_DATA.code(), labels.code(), labels.err());
    assertTrue(labels.err().contains("found an IDX labels file (magic 0x00000801): predict needs"
        + " the images file"), labels.err());

    // Images of another size than the model's 28×28.
    LabeledImages small = SyntheticImages.make(20, 14, 14, 10, 3);
    Path other = IdxFolders.write(work.resolve("small-images"), small, small);
    CommandRun.Outcome size = CommandRun.run("predict", "--model", m, "--input",
        other.toString(), "--out", out.toString());
    assertEquals(ExitCode.BAD_DATA.code(), size.code(), size.err());
    assertTrue(size.err().contains(": image size: expected 28×28 (the model's input image size);"
        + " found 14×14"), size.err());
    Path otherTable = work.resolve("small-images.parquet");
    assertEquals(0, CommandRun.run("prepare", "--data", other.toString(), "--out",
        otherTable.toString()).code());
    CommandRun.Outcome tableSize = CommandRun.run("predict", "--model", m, "--input",
        otherTable.toString(), "--out", out.toString());
    assertEquals(ExitCode.BAD_DATA.code(), tableSize.code(), tableSize.err());
    assertTrue(tableSize.err().matches(java.util.regex.Pattern.quote("sparkgrad: error: file:"
        + otherTable + ": split test, index ") + "\\d+" + java.util.regex.Pattern.quote(
        ": columns 'rows'×'cols': expected 28×28 (the model's input image size); found 14×14\n")),
        tableSize.err());

    assertEquals(0, CommandRun.run("predict", "--model", m, "--input", input, "--out",
        out.toString()).code());
    CommandRun.Outcome exists = CommandRun.run("predict", "--model", m, "--input", input,
        "--out", out.toString());
    assertEquals(ExitCode.OUTPUT_PROBLEM.code(), exists.code());
    assertEquals("sparkgrad: error: " + out + ": already exists; choose another --out or pass"
        + " --overwrite\n", exists.err());
    CommandRun.Outcome replaced = CommandRun.run("predict", "--model", m, "--input", input,
        "--out", out.toString(), "--format", "csv", "--overwrite");
    assertEquals(0, replaced.code(), replaced.err());
    assertEquals(SmallModel.TEST, readCsv(out).size());
  }
}
