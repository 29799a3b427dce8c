package io.sparkgrad.cli;

import io.sparkgrad.io.Sha256;
import io.sparkgrad.io.Json;
import io.sparkgrad.cli.CommandRun.Outcome;
import static io.sparkgrad.cli.CommandRun.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.config.Key;
import io.sparkgrad.config.KeyTable;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sparkgrad train} in-process on the shared local[2] session, on a slice of MNIST. */
class TrainCommandTest {
  @TempDir static Path work;
  static Path data;


  @BeforeAll
  static void writeData() throws IOException {
    data = IdxFolders.mnistSubset(work.resolve("mnist-small"), 3000, 1000);
    SparkTestSession.get(); // train reuses the running session and leaves it running
  }


  static String[] train(Path model, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--model",
        model.toString(), "--epochs", "2", "--hidden", "32", "--learning-rate", "0.005"));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  @Test
  void writesACompleteModelFolderAndRefusesToOverwriteIt() throws IOException {
    Path model = work.resolve("model-a");
    Outcome first = run(train(model));
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("  hidden               = 32"), "effective configuration printed");
    assertTrue(first.out().contains("epoch   2/2"), first.out());
    assertTrue(first.out().contains("model: " + model), first.out());

    ModelStore.LoadedModel loaded = ModelStore.read(model.toString(), new Configuration());
    assertEquals(784, loaded.spec().inputs());
    assertEquals(32, loaded.spec().hidden());
    assertEquals(10, loaded.spec().outputs());
    JsonNode metadata = loaded.metadata();
    assertEquals(1, metadata.path("format_version").asInt());
    assertEquals("relu", metadata.path("architecture").path("activation").asText());
    assertEquals("42", metadata.path("config").path("seed").asText());
    assertEquals(4, metadata.path("input_sha256").size());
    assertFalse(metadata.path("spark_version").asText().isEmpty());
    assertFalse(metadata.path("blas_implementation").asText().isEmpty());
    JsonNode metrics = Json.mapper().readTree(model.resolve("metrics.json").toFile());
    assertEquals(2, metrics.path("epochs").size());
    for (String field : List.of("epoch", "train_loss", "train_accuracy", "test_loss",
        "test_accuracy", "seconds")) {
      assertTrue(metrics.path("epochs").get(1).has(field), field);
    }
    double accuracy = metrics.path("test_accuracy").asDouble();
    assertTrue(accuracy > 0.8, "accuracy " + accuracy);
    // An independent check of the recorded accuracy: the written weights, read back from disk
    // and evaluated by 'evaluate', classify the same number of the 1000 test images correctly.
    Outcome evaluated = run("evaluate", "--model", model.toString(), "--data", data.toString());
    assertEquals(0, evaluated.code(), evaluated.err());
    Matcher correct = Pattern.compile("accuracy [0-9.]+% \\((\\d+) of 1000\\)")
        .matcher(evaluated.out());
    assertTrue(correct.find(), evaluated.out());
    assertEquals(Math.round(accuracy * 1000), Long.parseLong(correct.group(1)),
        "test accuracy in metrics.json against the evaluation of the written model");
    try (Stream<Path> siblings = Files.list(work)) {
      assertTrue(siblings.noneMatch(p -> p.getFileName().toString().startsWith(".model-a")),
          "no temporary sibling left behind");
    }

    byte[] weightsBefore = Files.readAllBytes(model.resolve("weights.bin"));
    Outcome again = run(train(model));
    assertEquals(ExitCode.OUTPUT_PROBLEM.code(), again.code());
    assertEquals("sparkgrad: error: " + model
        + ": already exists; choose another --model or pass --overwrite\n", again.err());
    assertArrayEquals(weightsBefore, Files.readAllBytes(model.resolve("weights.bin")));

    Outcome overwritten = run(train(model, "--overwrite", "--seed", "5"));
    assertEquals(0, overwritten.code(), overwritten.err());
    assertFalse(java.util.Arrays.equals(weightsBefore, Files.readAllBytes(model.resolve("weights.bin"))));
  }

  @Test
  void prepareThenTrainFromParquetGivesTheSameWeightsAsFromIdx() throws IOException {
    Path table = work.resolve("mnist-small.parquet");
    Outcome prepared = run("prepare", "--data", data.toString(), "--out", table.toString());
    assertEquals(0, prepared.code(), prepared.err());
    assertTrue(Files.exists(table.resolve("_SUCCESS")));
    Outcome again = run("prepare", "--data", data.toString(), "--out", table.toString());
    assertEquals(ExitCode.OUTPUT_PROBLEM.code(), again.code(), again.err());

    Path fromTable = work.resolve("from-parquet");
    Path fromIdx = work.resolve("from-idx");
    assertEquals(0, run("train", "--data", table.toString(), "--model", fromTable.toString(),
        "--epochs", "1", "--hidden", "16").code());
    assertEquals(0, run("train", "--data", data.toString(), "--model", fromIdx.toString(),
        "--epochs", "1", "--hidden", "16").code());
    assertArrayEquals(Files.readAllBytes(fromIdx.resolve("weights.bin")),
        Files.readAllBytes(fromTable.resolve("weights.bin")));
  }

  @Test
  void sameSeedWritesIdenticalWeightsAndAnotherSeedDoesNot() throws IOException {
    String[] layout = {"--sync-period", "7", "--partitions", "3"};
    Outcome first = run(train(work.resolve("twin-1"), layout));
    assertEquals(0, first.code(), first.err());
    Outcome second = run(train(work.resolve("twin-2"), layout));
    assertEquals(0, second.code(), second.err());
    List<String> otherSeed = new ArrayList<>(List.of(layout));
    otherSeed.addAll(List.of("--seed", "43"));
    Outcome third = run(train(work.resolve("other-seed"), otherSeed.toArray(String[]::new)));
    assertEquals(0, third.code(), third.err());
    String twin1 = Sha256.hex(Files.readAllBytes(work.resolve("twin-1/weights.bin")));
    assertEquals(twin1,
        Sha256.hex(Files.readAllBytes(work.resolve("twin-2/weights.bin"))));
    assertNotEquals(twin1,
        Sha256.hex(Files.readAllBytes(work.resolve("other-seed/weights.bin"))),
        "the seed reaches the weights");
  }

  @Test
  void invalidSettingsAreRefusedBeforeSparkWithKeyAndValue() {
    Path model = work.resolve("never");
    assertRefused(ExitCode.USAGE, "hidden: expected an integer ≥ 1; found 0", train(model, "--hidden", "0"));
    assertRefused(ExitCode.USAGE, "learning-rate: expected a finite number > 0; found -0.1",
        train(model, "--learning-rate", "-0.1"));
    assertRefused(ExitCode.USAGE, "activation: expected one of step, sigmoid, relu; found 'tanh'",
        train(model, "--activation", "tanh"));
    Outcome step = run(train(model, "--activation", "step"));
    assertEquals(ExitCode.USAGE.code(), step.code());
    assertTrue(step.err().startsWith("sparkgrad: error: activation: 'step' cannot be trained"), step.err());
    assertRefused(ExitCode.USAGE, "batch-size: expected at most the 3000 training examples; found 5000",
        train(model, "--batch-size", "5000"));
    assertRefused(ExitCode.USAGE, "unknown option '--hiden'; run with --help for the list of options",
        train(model, "--hiden", "5"));
    assertFalse(Files.exists(model), "nothing written");
  }

  @Test
  void malformedConfigFileNamesFileAndLine() throws IOException {
    Path config = work.resolve("bad.conf");
    Files.writeString(config, "# comment\nhidden = 64\nepochs 3\n");
    assertRefused(ExitCode.USAGE, config + ":3: expected 'key = value'; found 'epochs 3'",
        train(work.resolve("never"), "--config", config.toString()));
    Files.writeString(config, "hidden = 64\ncolour = blue\n");
    assertRefused(ExitCode.USAGE, config + ":2: unknown key 'colour'",
        train(work.resolve("never"), "--config", config.toString()));
  }

  @Test
  void missingDataIsABadDataExit() {
    Outcome outcome = run("train", "--data", work.resolve("nothing-here").toString(), "--model",
        work.resolve("never").toString());
    assertEquals(ExitCode.BAD_DATA.code(), outcome.code(), outcome.err());
    assertTrue(outcome.err().contains("nothing-here"), outcome.err());
  }

  @Test
  void helpListsEveryOptionWithItsDefault() {
    Outcome help = run("train", "--help");
    assertEquals(0, help.code());
    assertListsEveryKey(help.out(), TrainingOptions.COMMAND_LINE);
    assertTrue(help.out().contains("best-plain, best-augmented"), "ready configurations");
    Outcome unknown = run("fly");
    assertEquals(ExitCode.USAGE.code(), unknown.code());
  }

  @Test
  void everyCommandsHelpComesFromItsOptionTable() {
    Map<String, KeyTable> commands = Map.of("evaluate", EvaluateCommand.OPTIONS,
        "predict", PredictCommand.OPTIONS, "export", ExportCommand.OPTIONS,
        "prepare", PrepareCommand.OPTIONS);
    commands.forEach((command, options) -> {
      Outcome help = run(command, "--help");
      assertEquals(0, help.code(), command);
      assertListsEveryKey(help.out(), options);
    });
  }

  /** One line per key: its name, its help text and its default (or that it is required). */
  private static void assertListsEveryKey(String help, KeyTable options) {
    List<String> lines = help.lines().toList();
    for (Key<?> key : options.keys()) {
      String shown = key.required() ? " (required)"
          : key.defaultShown() == null ? "" : " [default: " + key.defaultShown() + "]";
      String option =
          String.format("  --%-22s ", key.name() + (key.flag() ? "" : " " + key.hint()));
      List<String> found = lines.stream().filter(l -> l.startsWith(option)).toList();
      assertEquals(1, found.size(), key.name() + " has one line in\n" + help);
      assertTrue(found.get(0).endsWith(key.help() + shown), key.name() + ": " + found.get(0));
    }
  }

  private static void assertRefused(ExitCode code, String message, String... args) {
    Outcome outcome = run(args);
    assertEquals(code.code(), outcome.code(), outcome.err());
    assertEquals("sparkgrad: error: " + message + "\n", outcome.err());
  }
}
