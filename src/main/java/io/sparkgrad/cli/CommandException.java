package io.sparkgrad.cli;

/** A failure that a command reports with a specific exit code and message. */
public class CommandException extends RuntimeException {
  private final ExitCode exitCode;

  public CommandException(ExitCode exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public ExitCode exitCode() {
    return exitCode;
  }
}
