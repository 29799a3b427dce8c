package io.sparkgrad.cli;

import io.sparkgrad.data.DataDoesNotFitException;
import io.sparkgrad.data.DataFormatException;
import io.sparkgrad.model.ModelFormatException;
import io.sparkgrad.io.OutputExistsException;
import io.sparkgrad.config.ConfigException;
import io.sparkgrad.training.DivergenceException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sparkgrad <command> [options]}: the entry point for scripts/sparkgrad and spark-submit.
 * Every failure ends with one line on standard error and a documented exit code ({@link
 * ExitCode}).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
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
  private static ExitCode ownExitCode(Throwable t) {
    if (t instanceof CommandException command) {
      return command.exitCode();
    }
    if (t instanceof ConfigException || t instanceof io.sparkgrad.math.BlasUnavailableException) {
      return ExitCode.USAGE;
    }
    if (t instanceof DataFormatException) {
      return ExitCode.BAD_DATA;
    }
    if (t instanceof OutputExistsException) {
      return ExitCode.OUTPUT_PROBLEM;
    }
    if (t instanceof DivergenceException) {
      return ExitCode.DIVERGED;
    }
    if (t instanceof ModelFormatException) {
      return ExitCode.BAD_MODEL;
    }
    if (t instanceof DataDoesNotFitException) {
      return ExitCode.DATA_TOO_LARGE;
    }
    return null;
  }

  /** The message of the exception that decided the exit code (not of what wrapped it). */
  private static String messageOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (ownExitCode(t) != null && t.getMessage() != null) {
        return t.getMessage();
      }
    }
    return String.valueOf(failure);
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
