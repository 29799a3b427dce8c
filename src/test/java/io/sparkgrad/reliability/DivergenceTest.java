package io.sparkgrad.reliability;

import io.sparkgrad.io.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.cli.Main;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The divergence guard through the command, in-process on the shared local[2] session: a
 * learning rate far too large stops training with exit code 5 and the documented one-line
 * message (README: Reliability), writing nothing; {@code --on-divergence backoff} rolls the epoch
 * back and halves the rate until training holds, or gives up after {@code --max-backoffs}.
 */
class DivergenceTest {
  /** The documented message (DivergenceException), as the command prints it. */
  private static final Pattern DIVERGED = Pattern.compile(
      "sparkgrad: error: training diverged in epoch (\\d+) at step (\\d+): [^\\n]+\\. Likely"
          + " cause: the learning rate is too large for this optimizer, or the data holds extreme"
          + " values; lower --learning-rate \\(or check the data\\) and run again\\n");

  @TempDir static Path work;
  static Path data;

  /** What a command printed and returned. */
  record Outcome(int code, String out, String err) {}

  @BeforeAll
  static void writeData() throws IOException {
    data = IdxFolders.mnistSubset(work.resolve("mnist-small"), 2000, 500);
    SparkTestSession.get(); // train reuses the running session and leaves it running
  }

  @Test
  void aHugeLearningRateStopsWithExitCodeFiveAndTheDocumentedMessage() {
    for (String optimizer : List.of("adam", "sgd")) {
      Path model = work.resolve("diverged-" + optimizer);
      // Checkpoints after every epoch, so that "none" means no epoch finished.
      Outcome outcome = run(model, "--optimizer", optimizer, "--learning-rate", "1e6",
          "--checkpoint-every", "1");
      assertEquals(5, outcome.code(), optimizer + ": exit code; " + outcome.err());
      assertTrue(DIVERGED.matcher(outcome.err()).matches(),
          optimizer + ": expected exactly the documented message; found: " + outcome.err());
      assertTrue(outcome.err().startsWith("sparkgrad: error: training diverged in epoch 1 at step "),
          optimizer + ": diverges in the first epoch: " + outcome.err());
      assertFalse(Files.exists(model), optimizer + ": no model folder is written");
      assertFalse(Files.exists(Paths.get(model + ".checkpoints")),
          optimizer + ": no checkpoint (no epoch finished)");
    }
  }

  @Test
  void theReadmeDocumentsTheMessageAndTheExitCode() throws IOException {
    Path project = Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();
    String readme = Files.readString(project.resolve("README.md"));
    assertTrue(readme.contains("| 5 | training diverged"), "README: exit code 5");
    assertTrue(readme.contains("training diverged in epoch E at step S: "),
        "README: the divergence message");
  }

  /**
   * SGD at 64 with one Spark job per step: 64 and 32 explode within three steps (the training
   * loss passes 1000 times the initial loss: about 10^6 and 4·10^4 here), 16 trains (its loss
   * stays below 100). Two back-offs, then the run completes at 16.
   */
  @Test
  void backOffHalvesTheRateUntilTrainingHolds() throws IOException {
    Path model = work.resolve("backed-off");
    Outcome outcome = run(model, "--optimizer", "sgd", "--learning-rate", "64",
        "--lr-schedule", "constant", "--sync-period", "1", "--batch-size", "100",
        "--on-divergence", "backoff");
    assertEquals(0, outcome.code(), outcome.err());
    assertTrue(outcome.err().contains("back-off 1 of 3: rolling back the epoch and running it"
        + " again at 0.5000 × the scheduled learning rate"), outcome.err());
    assertTrue(outcome.err().contains("back-off 2 of 3: rolling back the epoch and running it"
        + " again at 0.2500 × the scheduled learning rate"), outcome.err());
    assertFalse(outcome.err().contains("back-off 3 of 3"), outcome.err());
    assertTrue(outcome.err().contains("training diverged in epoch 1 at step"), outcome.err());
    JsonNode metrics = Json.mapper().readTree(model.resolve(ModelStore.METRICS).toFile());
    assertEquals(2, metrics.path("epochs").size(), "epochs in metrics.json");
    for (JsonNode epoch : metrics.path("epochs")) {
      assertEquals(16.0, epoch.path("learning_rate").asDouble(), 0.0,
          "the learning rate after two halvings, epoch " + epoch.path("epoch"));
      assertTrue(Double.isFinite(epoch.path("train_loss").asDouble()), "train loss " + epoch);
    }
  }

  @Test
  void backOffGivesUpAfterMaxBackoffsWithExitCodeFive() {
    Path model = work.resolve("backoff-exhausted");
    Outcome outcome = run(model, "--learning-rate", "1e6", "--on-divergence", "backoff",
        "--max-backoffs", "2");
    assertEquals(5, outcome.code(), outcome.err());
    assertTrue(outcome.err().contains("back-off 1 of 2"), outcome.err());
    assertTrue(outcome.err().contains("back-off 2 of 2"), outcome.err());
    assertFalse(outcome.err().contains("back-off 3"), outcome.err());
    String last = outcome.err().substring(outcome.err().lastIndexOf("sparkgrad: error: "));
    assertTrue(DIVERGED.matcher(last).matches(), "the final message: " + last);
    assertFalse(Files.exists(model), "no model folder is written");
  }

  private static Outcome run(Path model, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--model",
        model.toString(), "--epochs", "2", "--hidden", "32"));
    args.addAll(List.of(extra));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args.toArray(String[]::new), o, e);
    }
    Outcome outcome = new Outcome(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
    System.out.println(String.join(" ", args) + "\n" + outcome.out() + outcome.err());
    return outcome;
  }
}
