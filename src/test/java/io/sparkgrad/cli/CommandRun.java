package io.sparkgrad.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs a sparkgrad command in-process, the way the launcher would, and captures what it says. */
final class CommandRun {
  private CommandRun() {}

  /** What a command printed and returned. */
  record Outcome(int code, String out, String err) {}

  /** Runs {@code sparkgrad args…} through {@link Main#run} and echoes it to the test log. */
  static Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, o, e);
    }
    Outcome outcome = new Outcome(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
    System.out.println("$ sparkgrad " + String.join(" ", args) + "\n" + outcome.out()
        + outcome.err() + "(exit " + code + ")");
    return outcome;
  }
}
