package io.sparkgrad.cli;

/** The documented exit codes of every command (README, "Exit codes"). */
public enum ExitCode {
  OK(0, "success"),
  INTERNAL_ERROR(1, "unexpected error (a bug, or a failure of Spark or the file system)"),
  USAGE(2, "unknown command or option, malformed or out-of-range configuration value"),
  BAD_DATA(3, "input data missing, malformed, truncated or inconsistent"),
  OUTPUT_PROBLEM(4, "output exists (without --overwrite) or cannot be written"),
  DIVERGED(5, "training diverged (non-finite loss or gradient)"),
  BAD_MODEL(6, "model folder missing, truncated, inconsistent or of an unknown format version"),
  BELOW_MIN_ACCURACY(7, "evaluate: accuracy below --min-accuracy (metrics were still written)"),
  DATA_TOO_LARGE(8, "the data does not fit the memory given (the message names the setting to raise)");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  public String meaning() {
    return meaning;
  }
}
