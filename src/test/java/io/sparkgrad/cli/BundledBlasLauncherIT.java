package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.io.Json;
import io.sparkgrad.testing.MnistFixture;
import io.sparkgrad.testing.SystemBlas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher on a machine without a system BLAS, as a new user's would be: scripts/sparkgrad
 * run in a mount namespace where the system's libblas.so.3 is hidden (root with unshare, as in
 * CI) trains the real MNIST natively with the bundled OpenBLAS, says so, and records it; asking
 * for the system library there is refused with exit code 2 and one clear line.
 */
class BundledBlasLauncherIT {
  private static final Path PROJECT =
      Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath().normalize();

  @TempDir Path work;

  @Test
  void withoutASystemBlasTheLauncherTrainsWithTheBundledOne() throws Exception {
    assumeTrue(SystemBlas.canMount() && SystemBlas.folder().isPresent(),
        "hiding the system BLAS needs root, unshare and a system BLAS to hide (CI has all)");
    Path model = work.resolve("model");
    Result run = launcher("train", "--data", MnistFixture.folder().toString(),
        "--model", model.toString(), "--epochs", "1");
    assertEquals(0, run.exit, run.output);
    assertTrue(run.output.contains("BLAS JNIBLAS, bundled OpenBLAS 0.3.31"
        + " (org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64)"), run.output);
    assertFalse(run.output.contains("native BLAS not loaded"), run.output);
    JsonNode metadata = Json.mapper().readTree(model.resolve("metadata.json").toFile());
    assertEquals("JNIBLAS", metadata.path("blas_implementation").asText(), "metadata.json");
    assertEquals("bundled OpenBLAS 0.3.31 (org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64)",
        metadata.path("blas_library").asText(), "metadata.json blas_library");
    JsonNode metrics = Json.mapper().readTree(model.resolve("metrics.json").toFile());
    double accuracy = metrics.path("test_accuracy").asDouble();
    assertTrue(accuracy > 0.9, "test accuracy after one epoch: " + accuracy);
  }

  @Test
  void withoutASystemBlasAskingForItIsRefusedWithExitCode2() throws Exception {
    assumeTrue(SystemBlas.canMount() && SystemBlas.folder().isPresent(),
        "hiding the system BLAS needs root, unshare and a system BLAS to hide (CI has all)");
    Path model = work.resolve("model");
    Result run = launcher("train", "--data", MnistFixture.folder().toString(),
        "--model", model.toString(), "--epochs", "1", "--blas", "system");
    assertEquals(ExitCode.USAGE.code(), run.exit, run.output);
    assertTrue(run.output.contains("sparkgrad: error: blas: 'system' was requested but the system"
        + " BLAS cannot be loaded: system libblas.so.3: not loaded ("), run.output);
    assertFalse(run.output.contains("\tat "), "no stack trace: " + run.output);
    assertFalse(Files.exists(model), "nothing written");
  }

  private Result launcher(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(SystemBlas.hidden());
    command.add(PROJECT.resolve("scripts/sparkgrad").toString());
    command.addAll(List.of(args));
    Path log = Files.createTempFile(work, "launcher", ".log");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "finished within 5 minutes");
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    return new Result(process.exitValue(), output);
  }

  private record Result(int exit, String output) {}
}
