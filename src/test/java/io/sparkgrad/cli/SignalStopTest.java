package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkgrad.testing.MnistFixture;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (and Ctrl-C's SIGINT) stop a command within 10 s at every stage — data loading,
 * training, evaluation, model writing — with one line saying what was interrupted and how to
 * continue, the conventional exit code (143, 130), no stack trace, and no claim or temporary
 * output left behind. Each run is a real child JVM ({@link Main#main}, as scripts/sparkgrad
 * starts it) on the real MNIST; the signal is sent when the stage's log line appears.
 */
class SignalStopTest {
  private static final long STOP_SECONDS = 10;
  @TempDir static Path work;
  static Path mnist;
  static Path model;

  @BeforeAll
  static void smallModel() throws IOException {
    mnist = MnistFixture.folder();
    model = SmallModel.model();
  }

  /** A child JVM running sparkgrad, its output in files. */
  private record Child(Process process, Path outFile, Path errFile) {
    static Child start(String name, List<String> jvmExtra, String... args) throws IOException {
      return start(Main.class, name, jvmExtra, args);
    }

    static Child start(Class<?> main, String name, List<String> jvmExtra, String... args)
        throws IOException {
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse("java"));
      for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (option.startsWith("--add-") || option.startsWith("-XX:+IgnoreUnrecognized")
            || option.startsWith("-Dio.netty")) {
          command.add(option);
        }
      }
      command.add("-Xmx2g");
      Path project = Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();
      command.add("-Dlog4j2.configurationFile=" + project.resolve("conf/log4j2.properties"));
      command.addAll(jvmExtra);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(main.getName());
      command.addAll(List.of(args));
      Path out = work.resolve(name + ".out");
      Path err = work.resolve(name + ".err");
      ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
          .redirectError(err.toFile());
      builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      return new Child(builder.start(), out, err);
    }

    String out() throws IOException {
      return Files.readString(outFile, StandardCharsets.UTF_8);
    }

    String err() throws IOException {
      return Files.readString(errFile, StandardCharsets.UTF_8);
    }

    /** Waits (up to 3 minutes) for a line of standard output starting with {@code prefix}. */
    void awaitLine(String prefix) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (System.nanoTime() < deadline) {
        if (out().lines().anyMatch(line -> line.startsWith(prefix))) {
          return;
        }
        if (!process.isAlive()) {
          fail("ended (exit " + process.exitValue() + ") before '" + prefix + "':\n" + out()
              + err());
        }
        Thread.sleep(20);
      }
      process.destroyForcibly();
      fail("no line '" + prefix + "' in 3 minutes:\n" + out() + err());
    }

    /** Sends the signal; returns the exit code, asserting the process ended within 10 s. */
    int signalAndWait(String signal) throws IOException, InterruptedException {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
          .inheritIO().start();
      assertEquals(0, kill.waitFor());
      long start = System.nanoTime();
      boolean ended = process.waitFor(STOP_SECONDS, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (!ended) {
        process.destroyForcibly();
        fail("still running " + STOP_SECONDS + " s after SIG" + signal + ":\n" + out() + err());
      }
      System.out.printf("SIG%s: ended after %.2f s%n%s%s", signal, seconds, out(), err());
      return process.exitValue();
    }

    /** The one line sparkgrad printed for the signal; and no stack trace anywhere. */
    String interruptionLine() throws IOException {
      String err = err();
      assertFalse(err.lines().anyMatch(line -> line.startsWith("\tat ")), "a stack trace:\n" + err);
      List<String> lines = err.lines().filter(line -> line.startsWith("sparkgrad: ")).toList();
      assertEquals(1, lines.size(), "sparkgrad's own lines on stderr:\n" + err);
      return lines.get(0);
    }
  }

  private static void assertNoLeftovers(Path output) throws IOException {
    try (Stream<Path> siblings = Files.list(output.getParent())) {
      List<String> left = siblings.map(p -> p.getFileName().toString())
          .filter(name -> name.startsWith("." + output.getFileName() + "."))
          .filter(name -> !name.endsWith(".crc")).toList();
      assertEquals(List.of(), left, "claims or temporary outputs left beside " + output);
    }
  }

  @Test
  void sigtermWhileLoadingData() throws Exception {
    Path target = work.resolve("model-loading");
    Child child = Child.start("loading", List.of(), "train", "--data", mnist.toString(),
        "--model", target.toString());
    child.awaitLine("sparkgrad: loading the data from");
    assertEquals(143, child.signalAndWait("TERM"));
    assertEquals("sparkgrad: interrupted by SIGTERM while loading the data from " + mnist
        + "; temporary outputs are removed; no checkpoint was written yet (checkpoint-every 30s:"
        + " the first after 30s of training): a rerun starts over",
        child.interruptionLine());
    assertFalse(Files.exists(target));
    assertNoLeftovers(target);
  }

  @Test
  void sigtermWhileTrainingNamesTheNewestCheckpoint() throws Exception {
    Path target = work.resolve("model-training");
    Child child = Child.start("training", List.of(), "train", "--data", mnist.toString(),
        "--model", target.toString(), "--checkpoint-every", "1", "--epochs", "20");
    child.awaitLine("epoch   2/20");
    assertEquals(143, child.signalAndWait("TERM"));
    String line = child.interruptionLine();
    assertTrue(line.matches("sparkgrad: interrupted by SIGTERM while training; temporary outputs"
        + " are removed; the newest checkpoint is " + java.util.regex.Pattern.quote(
            target + ".checkpoints/epoch-0000") + "\\d\\d: rerun the same command with --resume"
        + " to continue from it"), line);
    assertFalse(Files.exists(target));
    assertNoLeftovers(target);
  }

  /**
   * sparkgrad, with a shutdown hook that prints a stack trace the way Scala's executors report a
   * future rejected by one of Spark's pools shutting down: a race CI once lost.
   */
  static final class NoisyShutdownMain {
    public static void main(String[] args) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> new RejectedExecutionException(
          "a pending future of a pool that is shutting down").printStackTrace()));
      Main.main(args);
    }
  }

  @Test
  void sigintWhileTrainingExits130() throws Exception {
    Path target = work.resolve("model-ctrl-c");
    Child child = Child.start(NoisyShutdownMain.class, "ctrl-c", List.of(), "train", "--data", mnist.toString(),
        "--model", target.toString(), "--epochs", "20");
    child.awaitLine("epoch   1/20");
    assertEquals(130, child.signalAndWait("INT"));
    assertTrue(child.interruptionLine().startsWith(
        "sparkgrad: interrupted by SIGINT while training; temporary outputs are removed"));
    assertFalse(Files.exists(target));
    assertNoLeftovers(target);
  }

  @Test
  void sigtermWhileEvaluating() throws Exception {
    Child child = Child.start("evaluating", List.of(), "evaluate", "--model", model.toString(),
        "--data", mnist.toString(), "--split", "all");
    child.awaitLine("sparkgrad: evaluating");
    assertEquals(143, child.signalAndWait("TERM"));
    assertEquals("sparkgrad: interrupted by SIGTERM while evaluating " + model + " on the all"
        + " split of " + mnist + "; temporary outputs are removed", child.interruptionLine());
  }

  @Test
  void sigtermWhileWritingTheModelLeavesNothingHalfWritten() throws Exception {
    Path target = work.resolve("model-writing");
    Child child = Child.start("writing",
        List.of("-Dsparkgrad.fault.pauseBeforeRenameMillis=60000"), "train", "--data",
        SmallModel.data().toString(), "--model", target.toString(), "--epochs", "1", "--hidden",
        "16", "--checkpoint-every", "1");
    child.awaitLine("sparkgrad: writing the model to");
    // The complete temporary folder is in place, waiting to be renamed.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!hasTemporary(target) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(hasTemporary(target), "no temporary model folder appeared");
    assertEquals(143, child.signalAndWait("TERM"));
    // The model was not written, so the run's checkpoint stays for --resume.
    assertEquals("sparkgrad: interrupted by SIGTERM while writing the model to " + target
        + "; temporary outputs are removed; the newest checkpoint is " + target
        + ".checkpoints/epoch-000001: rerun the same command with --resume to continue from it",
        child.interruptionLine());
    assertFalse(Files.exists(target), "a model folder appeared");
    assertNoLeftovers(target);
  }

  private static boolean hasTemporary(Path output) throws IOException {
    try (Stream<Path> siblings = Files.list(output.getParent())) {
      return siblings.anyMatch(p -> p.getFileName().toString()
          .startsWith("." + output.getFileName() + ".tmp-"));
    }
  }
}
