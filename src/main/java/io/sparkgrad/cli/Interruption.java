package io.sparkgrad.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What the command is doing, for the one line printed when SIGINT or SIGTERM stops it: the
 * stage that was interrupted and how to pick up again (for training, the newest checkpoint and
 * --resume). Set by the commands, which also print each stage as it starts; read by
 * {@link Main}'s signal handler.
 */
final class Interruption {
  private static volatile String stage;
  private static volatile String hint;
  private static volatile Path checkpoints;

  private Interruption() {}

  /**
   * Enters a stage, announced on {@code out} as "sparkgrad: &lt;what&gt;".
   *
   * @param howToContinue what to tell the user if the stage is interrupted (null: nothing)
   * @param checkpointFolder a local checkpoint folder whose newest entry is named (null: none)
   */
  static void stage(PrintStream out, String what, String howToContinue, Path checkpointFolder) {
    stage = what;
    hint = howToContinue;
    checkpoints = checkpointFolder;
    out.println("sparkgrad: " + what);
    out.flush();
  }

  /** The current stage, or null. */
  static String current() {
    return stage;
  }

  static void clear() {
    stage = null;
    hint = null;
    checkpoints = null;
  }

  /** The line printed for the signal, without the "sparkgrad: " prefix. */
  static String describe(String signal) {
    String what = stage;
    String next = hint;
    Path folder = checkpoints;
    StringBuilder line = new StringBuilder("interrupted by SIG").append(signal);
    if (what != null) {
      line.append(" while ").append(what);
    }
    line.append("; temporary outputs are removed");
    String newest = folder == null ? null : newestCheckpoint(folder);
    if (newest != null) {
      line.append("; the newest checkpoint is ").append(newest)
          .append(": rerun the same command with --resume to continue from it");
    } else if (next != null) {
      line.append("; ").append(next);
    }
    return line.toString();
  }

  private static String newestCheckpoint(Path folder) {
    try (Stream<Path> entries = Files.list(folder)) {
      return entries.filter(p -> p.getFileName().toString().matches("epoch-\\d{6}"))
          .max(Path::compareTo).map(Path::toString).orElse(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
