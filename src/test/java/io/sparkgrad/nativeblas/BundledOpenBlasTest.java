package io.sparkgrad.nativeblas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.testing.SystemBlas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled OpenBLAS as fresh JVMs load it ({@link BlasProbe}, one JVM per run, since netlib
 * binds once per JVM): the choice each BLAS setting makes, the private copies and their removal,
 * two JVMs at once, and the fallback, with one warning naming java.io.tmpdir, when the temporary
 * folder cannot hold or run the libraries. The tests that mount (noexec, read-only, no system
 * BLAS) need root and unshare, as CI has.
 */
class BundledOpenBlasTest {
  private static final Path PROJECT =
      Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath().normalize();
  private static final String SGEMM = "sgemm=[23.0, 34.0, 31.0, 46.0]";
  private static final String BUNDLED = "describe=JNIBLAS, bundled OpenBLAS 0.3.31 (org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64)";
  private static final String WARNING = "native BLAS not loaded";

  @TempDir Path work;

  @Test
  void autoLoadsTheBundledLibraryFromAPrivateCopyAndRemovesTheCopy() throws Exception {
    Path tmp = Files.createDirectory(work.resolve("tmp"));
    Run run = probe(List.of(), tmp, "auto");
    assertEquals(0, run.exit, run.output);
    assertTrue(run.has(BUNDLED), run.output);
    assertTrue(run.has(SGEMM), run.output);
    // Loaded from its own folder in java.io.tmpdir, and the folder removed while still mapped.
    String path = run.value("nativeLibPath");
    assertTrue(path.startsWith(tmp.resolve("sparkgrad-openblas-").toString())
        && path.endsWith("/libopenblas.so.0"), "nativeLibPath " + path);
    assertTrue(run.has("mapped=" + path + " (deleted)"), run.output);
    assertTrue(run.output.lines().filter(l -> l.startsWith("mapped="))
        .allMatch(l -> l.contains("/sparkgrad-openblas-")), "only the bundled copy: " + run.output);
    assertEquals(List.of(), leftovers(tmp), "copies left in " + tmp);
  }

  @Test
  void twoJvmsAtOnceEachLoadTheirOwnCopy() throws Exception {
    Path tmp = Files.createDirectory(work.resolve("tmp"));
    // Both stay alive 3 s after loading, so their lifetimes overlap.
    Process first = start(List.of(), tmp, work.resolve("first.log"), "auto", "3000");
    Process second = start(List.of(), tmp, work.resolve("second.log"), "auto", "3000");
    Run a = finish(first, work.resolve("first.log"));
    Run b = finish(second, work.resolve("second.log"));
    for (Run run : List.of(a, b)) {
      assertEquals(0, run.exit, run.output);
      assertTrue(run.has(BUNDLED) && run.has(SGEMM), run.output);
    }
    Path folderA = Paths.get(a.value("nativeLibPath")).getParent();
    Path folderB = Paths.get(b.value("nativeLibPath")).getParent();
    assertNotEquals(folderA, folderB, "each JVM has its own folder");
    assertEquals(List.of(), leftovers(tmp), "copies left in " + tmp);
  }

  @Test
  void systemUsesTheSystemLibraryAndJavaUsesNone() throws Exception {
    assumeTrue(SystemBlas.folder().isPresent(), "needs a system libblas.so.3 (CI installs one)");
    Path tmp = Files.createDirectory(work.resolve("tmp"));
    Run system = probe(List.of(), tmp, "system");
    assertEquals(0, system.exit, system.output);
    assertTrue(system.has("describe=JNIBLAS, system libblas.so.3 ("), system.output);
    assertTrue(system.has(SGEMM), system.output);
    assertTrue(system.output.lines().filter(l -> l.startsWith("mapped="))
        .noneMatch(l -> l.contains("sparkgrad-openblas")), system.output);
    assertEquals(List.of(), leftovers(tmp), "nothing extracted for system");

    Run java = probe(List.of(), tmp, "java");
    assertEquals(0, java.exit, java.output);
    assertTrue(java.has("native=false") && java.has(SGEMM), java.output);
    assertTrue(java.output.contains(", pure Java"), java.output);
  }

  @Test
  void theFirstNativeChoiceInAJvmDecidesAndJavaLeavesItOpen() throws Exception {
    assumeTrue(SystemBlas.folder().isPresent(), "needs a system libblas.so.3 (CI installs one)");
    Path tmp = Files.createDirectory(work.resolve("tmp"));
    // What an executor does: blocks are built with the Java instance, then the run's choice.
    Run javaThenSystem = probe(List.of(), tmp, "java,system");
    assertEquals(0, javaThenSystem.exit, javaThenSystem.output);
    assertTrue(javaThenSystem.has("describe=JNIBLAS, system libblas.so.3 ("), javaThenSystem.output);
    // netlib binds once per JVM: after auto took the bundled library, system is refused.
    Run autoThenSystem = probe(List.of(), tmp, "auto,system");
    assertEquals(3, autoThenSystem.exit, autoThenSystem.output);
    assertTrue(autoThenSystem.output.contains("refused=blas: 'system' was requested but the system"
        + " BLAS cannot be loaded: this JVM already uses the bundled OpenBLAS 0.3.31"),
        autoThenSystem.output);
  }

  @Test
  void aTemporaryFolderThatCannotHoldFilesFallsBackToJavaWithOneWarning() throws Exception {
    Path notAFolder = Files.writeString(work.resolve("a-file"), "not a folder");
    Run run = probe(List.of(), notAFolder, "auto");
    assertFallback(run, notAFolder);
  }

  @Test
  void aNoexecTemporaryFolderFallsBackToJavaWithOneWarning() throws Exception {
    assumeTrue(SystemBlas.canMount(), "mounting needs root and unshare (CI has both)");
    Path tmp = Files.createDirectory(work.resolve("noexec"));
    Run run = probe(SystemBlas.withMounts(List.<String[]>of(new String[] {tmp.toString(), "noexec"})),
        tmp, "auto");
    assertFallback(run, tmp);
    assertTrue(run.output.contains("noexec"), run.output);
  }

  @Test
  void aReadOnlyTemporaryFolderFallsBackToJavaWithOneWarning() throws Exception {
    assumeTrue(SystemBlas.canMount(), "mounting needs root and unshare (CI has both)");
    Path tmp = Files.createDirectory(work.resolve("read-only"));
    Run run = probe(SystemBlas.withMounts(List.<String[]>of(new String[] {tmp.toString(), "ro"})),
        tmp, "auto");
    assertFallback(run, tmp);
  }

  @Test
  void withoutASystemBlasAutoAndNativeLoadTheBundledOneAndSystemIsRefused() throws Exception {
    assumeTrue(SystemBlas.canMount() && SystemBlas.folder().isPresent(),
        "hiding the system BLAS needs root, unshare and a system BLAS to hide (CI has all)");
    Path tmp = Files.createDirectory(work.resolve("tmp"));
    for (String choice : List.of("auto", "native", "bundled")) {
      Run run = probe(SystemBlas.hidden(), tmp, choice);
      assertEquals(0, run.exit, choice + ": " + run.output);
      assertTrue(run.has(BUNDLED) && run.has(SGEMM), choice + ": " + run.output);
    }
    Run system = probe(SystemBlas.hidden(), tmp, "system");
    assertEquals(3, system.exit, system.output);
    assertTrue(system.output.contains("refused=blas: 'system' was requested but the system BLAS"
        + " cannot be loaded: system libblas.so.3: not loaded ("), system.output);
    assertEquals(List.of(), leftovers(tmp), "copies left in " + tmp);
  }

  /** Java BLAS, exactly one warning, and it names the folder and the setting to change. */
  private static void assertFallback(Run run, Path tmp) {
    assertEquals(0, run.exit, run.output);
    assertTrue(run.has("native=false") && run.has(SGEMM), run.output);
    // The JVM's own note on the incubator module aside, one warning line in all, and it is ours.
    List<String> warnings = run.output.lines()
        .filter(l -> l.contains("WARN") && !l.contains("incubator modules"))
        .collect(Collectors.toList());
    assertEquals(1, warnings.size(), "warnings: " + run.output);
    String warning = warnings.get(0);
    assertTrue(warning.contains(WARNING), warning);
    assertTrue(warning.contains("the temporary folder " + tmp + " (java.io.tmpdir)")
        && warning.contains("point -Djava.io.tmpdir at such a folder"), warning);
  }

  private static List<String> leftovers(Path tmp) throws IOException {
    try (Stream<Path> list = Files.list(tmp)) {
      return list.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("sparkgrad-openblas-")).collect(Collectors.toList());
    }
  }

  private Run probe(List<String> prefix, Path tmp, String... args) throws Exception {
    Path log = Files.createTempFile(work, "probe", ".log");
    return finish(start(prefix, tmp, log, args), log);
  }

  private static Process start(List<String> prefix, Path tmp, Path log, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules=jdk.incubator.vector",
        "-Djava.io.tmpdir=" + tmp,
        "-Dlog4j2.configurationFile=" + PROJECT.resolve("conf/log4j2.properties"),
        "-cp", System.getProperty("java.class.path"),
        BlasProbe.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("OPENBLAS_NUM_THREADS", "1");
    return builder.start();
  }

  private static Run finish(Process process, Path log) throws Exception {
    assertTrue(process.waitFor(2, TimeUnit.MINUTES), "probe finished within 2 minutes");
    return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private record Run(int exit, String output) {
    boolean has(String line) {
      return output.lines().anyMatch(line::equals)
          || output.lines().anyMatch(l -> l.startsWith(line) && line.endsWith("("));
    }

    String value(String key) {
      return output.lines().filter(l -> l.startsWith(key + "=")).findFirst()
          .map(l -> l.substring(key.length() + 1)).orElse("(no " + key + " line)");
    }
  }
}
