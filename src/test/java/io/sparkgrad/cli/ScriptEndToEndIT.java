package io.sparkgrad.cli;

import io.sparkgrad.io.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.testing.IdxFolders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher a person uses, as a real process: scripts/sparkgrad train on a slice of MNIST. */
class ScriptEndToEndIT {
  @TempDir Path work;

  @Test
  void scriptTrainsAndWritesTheModel() throws IOException, InterruptedException {
    Path project = Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();
    Path data = IdxFolders.mnistSubset(work.resolve("mnist"), 5000, 1000);
    Path model = work.resolve("model");
    Path log = work.resolve("log.txt");
    Process process = new ProcessBuilder(project.resolve("scripts/sparkgrad").toString(), "train",
            "--data", data.toString(), "--model", model.toString(), "--epochs", "3",
            "--hidden", "64", "--learning-rate", "0.005")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "finished within 5 minutes");
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains("epoch   3/3"), output);
    assertFalse(output.contains(" INFO "), "Spark's INFO logging stays out of the console");
    JsonNode metrics = Json.mapper().readTree(model.resolve("metrics.json").toFile());
    double accuracy = metrics.path("test_accuracy").asDouble();
    assertTrue(accuracy > 0.85, "test accuracy " + accuracy);
    assertTrue(output.contains(String.format(java.util.Locale.ROOT, "test accuracy %.2f%%", 100 * accuracy)), output);
  }
}
