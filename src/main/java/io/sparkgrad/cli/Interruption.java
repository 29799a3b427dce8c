package io.sparkgrad.cli;

import java.util.Locale;

/**
 * What the command is doing, for the one line printed when SIGINT or SIGTERM stops it: the
 * stage that was interrupted and how to pick up again. Set by the commands, read by
 * {@link Main}'s signal handler.
 */
final class Interruption {
  private static volatile String stage;
  private static volatile String hint;

  private Interruption() {}

  static void stage(String what, String howToContinue) {
    stage = what;
    hint = howToContinue;
  }

  static void clear() {
    stage = null;
    hint = null;
  }

  /** The line printed for the signal, without the "sparkgrad: " prefix. */
  static String describe(String signal) {
    String what = stage;
    String next = hint;
    return String.format(Locale.ROOT, "interrupted by SIG%s%s; %s", signal,
        what == null ? "" : " while " + what,
        next == null ? "nothing was written" : "nothing half-written was left; " + next);
  }
}
