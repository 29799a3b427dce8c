package io.sparkgrad.cli;

import static io.sparkgrad.cli.CommandRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.cli.CommandRun.Outcome;
import io.sparkgrad.io.OutputClaim;
import io.sparkgrad.io.OutputException;
import io.sparkgrad.io.OutputKind;
import io.sparkgrad.testing.FileHashes;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data loss (issue 16): an output is replaced only when the user said --overwrite and the path
 * is sparkgrad's own output of that kind; never an input, never a folder holding an input; one
 * writer at a time; checkpoints are not discarded silently. Every refusal asserts the exit code,
 * the message, and that what was there is byte-identical afterwards.
 */
class OutputSafetyTest {
  @TempDir static Path work;
  static Path data;
  static Path model;

  @BeforeAll
  static void dataAndModel() throws IOException {
    data = IdxFolders.mnistSubset(work.resolve("data"), 600, 100);
    SparkTestSession.get();
    model = work.resolve("model");
    Outcome trained = run(train(data, model));
    assertEquals(0, trained.code(), trained.err());
  }

  private static String[] train(Path dataFolder, Path modelFolder, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", dataFolder.toString(),
        "--model", modelFolder.toString(), "--hidden", "8", "--epochs", "1"));
    args.addAll(Arrays.asList(extra));
    return args.toArray(String[]::new);
  }

  /** Runs the command, expects exit 4 and the message, and that {@code kept} did not change. */
  private static void refused(String expectedMessage, Path kept, String... args)
      throws IOException {
    Map<String, String> before = FileHashes.of(kept);
    assertFalse(before.isEmpty(), "nothing to protect at " + kept);
    Outcome outcome = run(args);
    assertEquals(ExitCode.OUTPUT_PROBLEM.code(), outcome.code(), outcome.err());
    assertEquals("sparkgrad: error: " + expectedMessage + "\n", outcome.err());
    assertEquals(before, FileHashes.of(kept), kept + " changed");
  }

  @Test
  void trainRefusesToReplaceItsOwnData() throws IOException {
    refused(data + ": --model: expected a path apart from the command's inputs; found the --data"
        + " input itself (nothing was changed)", data, train(data, data, "--overwrite"));
  }

  @Test
  void trainRefusesAModelFolderHoldingItsData() throws IOException {
    refused(work + ": --model: expected a path apart from the command's inputs; found a folder"
        + " holding the --data input " + data + " (nothing was changed)", data,
        train(data, work, "--overwrite"));
  }

  @Test
  void trainRefusesAModelInsideItsData() throws IOException {
    refused(data.resolve("model") + ": --model: expected a path apart from the command's inputs;"
        + " found a path inside the --data input " + data + " (nothing was changed)", data,
        train(data, data.resolve("model")));
  }

  @Test
  void prepareRefusesATableInsideItsData() throws IOException {
    refused(data.resolve("table") + ": --out: expected a path apart from the command's inputs;"
        + " found a path inside the --data input " + data + " (nothing was changed)", data,
        "prepare", "--data", data.toString(), "--out", data.resolve("table").toString());
  }

  @Test
  void overwriteReplacesOnlyAModelFolder() throws IOException {
    Path notAModel = work.resolve("photos");
    Files.createDirectories(notAModel);
    Files.writeString(notAModel.resolve("holiday.txt"), "not sparkgrad's");
    refused(notAModel + ": --model --overwrite: expected a model folder written by sparkgrad;"
        + " found a folder that is not one, so it is left as it is (choose another --model, or"
        + " remove it yourself)", notAModel, train(data, notAModel, "--overwrite"));
  }

  @Test
  void overwriteReplacesAModelFolder() throws IOException {
    Path replaced = work.resolve("model-replaced");
    assertEquals(0, run(train(data, replaced)).code());
    String before = Files.readString(replaced.resolve("metadata.json"));
    Outcome again = run(train(data, replaced, "--overwrite", "--seed", "7"));
    assertEquals(0, again.code(), again.err());
    assertFalse(before.equals(Files.readString(replaced.resolve("metadata.json"))));
    assertFalse(Files.exists(work.resolve(".model-replaced.claim")), "the claim is released");
  }

  @Test
  void predictRefusesToWriteOntoItsInputOrItsModel() throws IOException {
    refused(data + ": --out: expected a path apart from the command's inputs; found the --input"
        + " input itself (nothing was changed)", data, "predict", "--model", model.toString(),
        "--input", data.toString(), "--out", data.toString(), "--overwrite");
    refused(model + ": --out: expected a path apart from the command's inputs; found the --model"
        + " input itself (nothing was changed)", model, "predict", "--model", model.toString(),
        "--input", data.toString(), "--out", model.toString(), "--overwrite");
  }

  @Test
  void predictOverwriteReplacesOnlyPredictions() throws IOException {
    Path out = work.resolve("predictions");
    String[] predict = {"predict", "--model", model.toString(), "--input", data.toString(),
        "--out", out.toString(), "--format", "csv"};
    assertEquals(0, run(predict).code());
    assertTrue(Files.exists(out.resolve(OutputKind.PREDICTIONS_MARKER)));
    String[] again = Arrays.copyOf(predict, predict.length + 1);
    again[predict.length] = "--overwrite";
    assertEquals(0, run(again).code(), "sparkgrad's own predictions are replaced");
    Path other = work.resolve("other-table");
    Files.createDirectories(other);
    Files.writeString(other.resolve("part-00000.csv"), "id,value\n1,2\n");
    String[] onto = again.clone();
    onto[6] = other.toString();
    refused(other + ": --out --overwrite: expected a predictions folder written by sparkgrad;"
        + " found a folder that is not one, so it is left as it is (choose another --out, or"
        + " remove it yourself)", other, onto);
  }

  @Test
  void exportRefusesTheModelFolderAndWhatIsInIt() throws IOException {
    refused(model + ": --out: expected a path apart from the command's inputs; found the --model"
        + " input itself (nothing was changed)", model, "export", "--model", model.toString(),
        "--format", "npz", "--out", model.toString(), "--overwrite");
    Path weights = model.resolve("weights.bin");
    refused(weights + ": --out: expected a path apart from the command's inputs; found a path"
        + " inside the --model input " + model + " (nothing was changed)", model, "export",
        "--model", model.toString(), "--format", "npz", "--out", weights.toString(),
        "--overwrite");
  }

  @Test
  void exportOverwriteReplacesOnlyAnExport() throws IOException {
    Path notes = work.resolve("notes.npz");
    Files.writeString(notes, "my notes, not an export");
    refused(notes + ": --out --overwrite: expected a exported model written by sparkgrad; found"
        + " a file that is not one, so it is left as it is (choose another --out, or remove it"
        + " yourself)", notes, "export", "--model", model.toString(), "--out", notes.toString(),
        "--overwrite");
    Path exported = work.resolve("exported.onnx");
    assertEquals(0, run("export", "--model", model.toString(), "--out", exported.toString())
        .code());
    assertEquals(0, run("export", "--model", model.toString(), "--out", exported.toString(),
        "--overwrite").code(), "sparkgrad's own export is replaced");
  }

  @Test
  void evaluateReportNeverReplacesAModelFile() throws IOException {
    Path weights = model.resolve("weights.bin");
    refused(weights + ": --report: expected a path apart from the command's inputs; found a path"
        + " inside the --model input " + model + " (nothing was changed)", model, "evaluate",
        "--model", model.toString(), "--data", data.toString(), "--report", weights.toString());
  }

  @Test
  void evaluateReportRefusesAnExistingFileWithoutOverwrite() throws IOException {
    Path page = work.resolve("page.html");
    Files.writeString(page, "<html>my own page</html>");
    refused(page + ": already exists; choose another --report or pass --overwrite", page,
        "evaluate", "--model", model.toString(), "--data", data.toString(), "--report",
        page.toString());
    refused(page + ": --report --overwrite: expected a report written by sparkgrad; found a file"
        + " that is not one, so it is left as it is (choose another --report, or remove it"
        + " yourself)", page, "evaluate", "--model", model.toString(), "--data", data.toString(),
        "--report", page.toString(), "--overwrite");
    Path report = work.resolve("report.html");
    String[] evaluate = {"evaluate", "--model", model.toString(), "--data", data.toString(),
        "--report", report.toString()};
    assertEquals(0, run(evaluate).code());
    String[] again = Arrays.copyOf(evaluate, evaluate.length + 1);
    again[evaluate.length] = "--overwrite";
    assertEquals(0, run(again).code(), "sparkgrad's own report is replaced");
  }

  @Test
  void metricsOutRefusesADataTable() throws IOException {
    Path table = work.resolve("table");
    assertEquals(0, run("prepare", "--data", data.toString(), "--out", table.toString()).code());
    refused(table + ": --metrics-out: expected a metrics table (a folder of run_date=YYYY-MM-DD"
        + " partitions written by sparkgrad evaluate); found a folder that is not one, so nothing"
        + " was appended (choose another --metrics-out)", table, "evaluate", "--model",
        model.toString(), "--data", data.toString(), "--metrics-out", table.toString());
  }

  @Test
  void checkpointsAreNotDiscardedWithoutResumeOrOverwrite() throws IOException {
    Path resumable = work.resolve("model-resumable");
    Path checkpoints = work.resolve("model-resumable.checkpoints");
    Path epoch = Files.createDirectories(checkpoints.resolve("epoch-000002"));
    Files.writeString(epoch.resolve("state.json"), "{\"format_version\": 1}\n");
    refused(checkpoints + ": holds the checkpoints of an earlier run; pass --resume to"
        + " continue that run, or --overwrite to discard them", checkpoints,
        train(data, resumable, "--checkpoint-every", "1"));
    Outcome discarded = run(train(data, resumable, "--checkpoint-every", "1", "--overwrite"));
    assertEquals(0, discarded.code(), discarded.err());
    assertFalse(Files.exists(checkpoints), "discarded with --overwrite, then removed when done");
  }

  @Test
  void aSecondWriterOfTheSameModelIsRefused() throws IOException {
    Path busy = work.resolve("model-busy");
    try (OutputClaim first = OutputClaim.take(OutputKind.MODEL, busy.toString(), "--model", false,
        List.of(), new Configuration())) {
      Outcome second = run(train(data, busy));
      assertEquals(ExitCode.OUTPUT_PROBLEM.code(), second.code(), second.err());
      assertTrue(second.err().startsWith("sparkgrad: error: " + busy + ": another sparkgrad run"
          + " is writing this --model (process " + ProcessHandle.current().pid() + " on "),
          second.err());
      assertTrue(second.err().contains("claim " + work.resolve(".model-busy.claim")
          + "); wait for it to finish, or delete the claim file if that run is gone"));
      assertFalse(Files.exists(busy), "the second run wrote nothing");
    }
    assertEquals(0, run(train(data, busy)).code(), "released: the next run writes");
  }

  @Test
  void exactlyOneOfManyConcurrentClaimsWins() throws Exception {
    Path target = work.resolve("raced");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Callable<OutputClaim>> takers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      takers.add(() -> OutputClaim.take(OutputKind.MODEL, target.toString(), "--model", false,
          List.of(), new Configuration()));
    }
    int won = 0;
    int busy = 0;
    List<OutputClaim> held = new ArrayList<>();
    for (Future<OutputClaim> result : pool.invokeAll(takers)) {
      try {
        held.add(result.get());
        won++;
      } catch (java.util.concurrent.ExecutionException e) {
        assertEquals(OutputException.Reason.BUSY, ((OutputException) e.getCause()).reason());
        busy++;
      }
    }
    pool.shutdown();
    held.forEach(OutputClaim::close);
    assertEquals(1, won);
    assertEquals(7, busy);
  }

  @Test
  void leftoversOfAKilledWriterAreCleanedByTheNextRun() throws Exception {
    Path target = work.resolve("model-killed");
    Path leftover = Files.createDirectories(work.resolve(".model-killed.tmp-0f0f"));
    Files.writeString(leftover.resolve("weights.bin"), "half");
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(work.resolve(".model-killed.claim"), gone.pid() + " "
        + java.net.InetAddress.getLocalHost().getHostName() + " 2026-01-01T00:00:00Z x\n",
        StandardCharsets.UTF_8);
    Outcome next = run(train(data, target));
    assertEquals(0, next.code(), next.err());
    assertTrue(next.err().contains("sparkgrad: took over the claim "
        + work.resolve(".model-killed.claim") + " of process " + gone.pid()
        + ", which is no longer running"), next.err());
    assertTrue(next.err().contains("sparkgrad: removed " + leftover
        + ", the temporary output of an interrupted run"), next.err());
    assertFalse(Files.exists(leftover));
    assertTrue(Files.exists(target.resolve("metadata.json")));
  }
}
