package io.sparkgrad.cli;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.data.DataDoesNotFitException;
import io.sparkgrad.data.DataFormatException;
import io.sparkgrad.io.OutputException;
import io.sparkgrad.model.ModelFormatException;
import io.sparkgrad.training.DivergenceException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code sparkgrad <command> [options]}: the entry point for scripts/sparkgrad and spark-submit.
 * Every failure ends with one line on standard error and a documented exit code ({@link
 * ExitCode}).
 */
public final class Main {
  private Main() {}

  /** Set by the signal handler: the failures that follow a stop are not reported. */
  private static volatile boolean stopping;

  /** Set when the command returned: an exit before that was not sparkgrad's own. */
  private static volatile boolean finished;

  public static void main(String[] args) {
    handleSignal("INT", ExitCode.INTERRUPTED);
    handleSignal("TERM", ExitCode.TERMINATED);
    Runtime.getRuntime().addShutdownHook(new Thread(Main::reportForeignExit, "sparkgrad-exit"));
    int code = run(args, System.out, System.err);
    finished = true;
    while (stopping) {
      // The signal handler's thread is exiting with the signal's code: wait for it.
      java.util.concurrent.locks.LockSupport.park();
    }
    System.out.flush();
    System.err.flush();
    // Exit explicitly: Spark's non-daemon threads must not keep a finished job alive.
    System.exit(code);
  }

  /** Runs a command and returns its exit code; never calls System.exit. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
      (args.length == 0 ? err : out).print(usage());
      return args.length == 0 ? ExitCode.USAGE.code() : ExitCode.OK.code();
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    try {
      switch (args[0]) {
        case "train":
          return new TrainCommand(out, err).run(rest).code();
        case "prepare":
          return new PrepareCommand(out).run(rest).code();
        case "evaluate":
          return new EvaluateCommand(out).run(rest).code();
        case "predict":
          return new PredictCommand(out).run(rest).code();
        case "export":
          return new ExportCommand(out).run(rest).code();
        case "expand":
          return new ExpandCommand(out).run(rest).code();
        default:
          throw new ConfigException("unknown command '" + args[0]
              + "'; expected one of: train, evaluate, predict, export, prepare, expand");
      }
    } catch (Throwable failure) {
      if (stopping) {
        return ExitCode.TERMINATED.code(); // the signal handler has said why and exits
      }
      ExitCode code = exitCodeOf(failure);
      err.println("sparkgrad: error: " + messageOf(failure));
      if (code == ExitCode.INTERNAL_ERROR) {
        failure.printStackTrace(err);
      }
      return code.code();
    }
  }

  static ExitCode exitCodeOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      ExitCode own = ownExitCode(t);
      if (own != null) {
        return own;
      }
    }
    return ExitCode.INTERNAL_ERROR;
  }

  /** The code for this exception's own type, ignoring its causes; null when it has none. */
  /** Each failure sparkgrad recognizes and its exit code, tried in order (the README's table). */
  private static final List<Map.Entry<Predicate<Throwable>, ExitCode>> EXIT_CODES = List.of(
      Map.entry(t -> t instanceof ConfigException
          || t instanceof io.sparkgrad.math.BlasUnavailableException, ExitCode.USAGE),
      Map.entry(t -> t instanceof DataFormatException, ExitCode.BAD_DATA),
      Map.entry(t -> t instanceof OutputException, ExitCode.OUTPUT_PROBLEM),
      Map.entry(t -> t instanceof OutOfMemoryError, ExitCode.OUT_OF_MEMORY),
      Map.entry(Main::isCorruptParquet, ExitCode.BAD_DATA),
      Map.entry(Main::isUnreachableMaster, ExitCode.USAGE),
      Map.entry(t -> t instanceof DivergenceException, ExitCode.DIVERGED),
      Map.entry(t -> t instanceof ModelFormatException, ExitCode.BAD_MODEL),
      Map.entry(t -> t instanceof DataDoesNotFitException, ExitCode.OUT_OF_MEMORY));

  private static ExitCode ownExitCode(Throwable t) {
    if (t instanceof CommandException command) {
      return command.exitCode();
    }
    for (Map.Entry<Predicate<Throwable>, ExitCode> entry : EXIT_CODES) {
      if (entry.getKey().test(t)) {
        return entry.getValue();
      }
    }
    return null;
  }

  /** The message of the exception that decided the exit code (not of what wrapped it). */
  static String messageOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        return "out of memory (" + t.getMessage() + "): the run needs more heap than it has;"
            + " give the driver more (SPARKGRAD_DRIVER_MEMORY, or spark-submit"
            + " --driver-memory / spark.driver.memory) and the executors more"
            + " (spark.executor.memory), or lower --hidden, --block-rows or the data";
      }
      if (isCorruptParquet(t)) {
        java.util.regex.Matcher file = java.util.regex.Pattern
            .compile("(?:reading file|file) (\\S+?)\\.?(?:\\s|$)").matcher(firstLine(t.getMessage()));
        return (file.find() ? file.group(1).replaceFirst("^file://", "file:") : "a part file")
            + ": content: expected a Parquet file of the data set; found a corrupt, truncated or"
            + " non-Parquet file that Spark cannot read";
      }
      if (isUnreachableMaster(t)) {
        return "master: the Spark master did not answer (" + firstLine(t.getMessage())
            + "); check the --master URL and that the master is running";
      }
      if (ownExitCode(t) != null && t.getMessage() != null) {
        return t.getMessage();
      }
    }
    return String.valueOf(failure);
  }

  /** Spark's failure to read a damaged Parquet file (the footer, a page, or no Parquet at all). */
  private static boolean isCorruptParquet(Throwable t) {
    String type = t.getClass().getName();
    String message = String.valueOf(t.getMessage());
    return type.equals("org.apache.parquet.io.ParquetDecodingException")
        || type.equals("org.apache.parquet.io.ParquetDecodingException")
        || message.contains("is not a Parquet file")
        || message.contains("[FAILED_READ_FILE")
        || message.contains("[CANNOT_READ_FILE_FOOTER]");
  }

  /** A standalone master that stopped answering after Spark started (all masters unresponsive). */
  private static boolean isUnreachableMaster(Throwable t) {
    return String.valueOf(t.getMessage()).contains("All masters are unresponsive");
  }

  private static String firstLine(String text) {
    String line = String.valueOf(text).strip();
    int end = line.indexOf('\n');
    return end < 0 ? line : line.substring(0, end);
  }

  /**
   * SIGINT / SIGTERM: one line saying what was interrupted and how to continue, then the
   * conventional exit code (128 + signal). Shutdown hooks remove temporary outputs and claims
   * and stop Spark; a watchdog halts the JVM if they take longer than a few seconds, so a stop
   * never hangs.
   */
  private static void handleSignal(String name, ExitCode code) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
        if (stopping) {
          return;
        }
        stopping = true;
        System.err.println("sparkgrad: " + Interruption.describe(name));
        System.err.flush();
        quietLogs();
        quietStderr();
        Thread watchdog = new Thread(() -> {
          try {
            Thread.sleep(STOP_GRACE_MILLIS);
          } catch (InterruptedException e) {
            return;
          }
          Runtime.getRuntime().halt(code.code());
        }, "sparkgrad-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        new Thread(() -> System.exit(code.code()), "sparkgrad-stop").start();
      });
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // the JVM reserves this signal (e.g. -Xrs): its default handling stays
    }
  }

  private static final long STOP_GRACE_MILLIS = 6000;

  /**
   * After the one line, the stop itself is expected: Spark's shutdown (cancelled tasks, block
   * folders removed under running tasks) would otherwise log warnings with stack traces.
   */
  private static void quietLogs() {
    try {
      org.apache.logging.log4j.core.config.Configurator.setRootLevel(
          org.apache.logging.log4j.Level.OFF);
      org.apache.logging.log4j.core.config.Configurator.setAllLevels("org.apache",
          org.apache.logging.log4j.Level.OFF);
    } catch (RuntimeException | LinkageError e) {
      // another logging backend: its messages stay
    }
  }

  /**
   * After the one line, nothing else the stopping JVM prints reaches stderr: Spark's thread pools
   * shut down under pending futures, and Scala's executor reports each rejected one with a stack
   * trace on System.err, outside any logger (RejectedExecutionException, seen in CI).
   */
  private static void quietStderr() {
    System.setErr(new PrintStream(java.io.OutputStream.nullOutputStream(), true));
  }

  /**
   * Spark ends the JVM itself (System.exit(52)) when a task runs out of memory, bypassing the
   * command's error handling: say so in one line rather than leave only Spark's log.
   */
  private static void reportForeignExit() {
    if (finished || stopping) {
      return;
    }
    String stage = Interruption.current();
    System.err.println("sparkgrad: error: the JVM is exiting before the command finished"
        + (stage == null ? "" : " (while " + stage + ")") + ": Spark ends the process this way,"
        + " with exit code 52, when a task runs out of memory; give the driver or the executors"
        + " more memory (SPARKGRAD_DRIVER_MEMORY, spark.driver.memory, spark.executor.memory) or"
        + " lower --hidden or --block-rows");
    System.err.flush();
  }

  static String usage() {
    StringBuilder text = new StringBuilder();
    text.append("usage: sparkgrad <command> [options]\n\n")
        .append("commands:\n")
        .append("  train     train the two-layer network on Spark and write a model folder\n")
        .append("  prepare   convert an IDX folder to a Parquet table (Spark SQL)\n")
        .append("  evaluate  evaluate a model folder on a data set; metrics table and report\n")
        .append("  predict   classify IDX images, a Parquet table or PNG/JPEG files on Spark\n")
        .append("  export    write a model's weights as numpy .npz or ONNX\n")
        .append("  expand    write a K-times larger training set of deformed copies (raw IDX)\n\n")
        .append("'sparkgrad <command> --help' lists a command's options.\n\nexit codes:\n");
    for (ExitCode code : ExitCode.values()) {
      text.append(String.format("  %d  %s%n", code.code(), code.meaning()));
    }
    return text.toString();
  }
}
