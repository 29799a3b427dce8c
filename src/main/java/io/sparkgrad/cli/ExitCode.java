package io.sparkgrad.cli;

/** The documented exit codes of every command (README, "Exit codes"). */
public enum ExitCode {
  OK(0, "success"),
  INTERNAL_ERROR(1, "unexpected error (a bug, or a failure of Spark or the file system)"),
  USAGE(2, "unknown command or option, malformed or out-of-range configuration value, bad"
      + " --master, or a run that cannot fit in memory"),
  BAD_DATA(3, "input data missing, malformed, truncated or inconsistent"),
  OUTPUT_PROBLEM(4, "output exists (without --overwrite), is not sparkgrad's, overlaps an input,"
      + " is being written by another run, or cannot be written"),
  DIVERGED(5, "training diverged (non-finite loss or gradient)"),
  BAD_MODEL(6, "model folder missing, truncated, inconsistent, changed after writing"
      + " (weights_sha256), non-finite, or of an unknown format version"),
  BELOW_MIN_ACCURACY(7, "evaluate: accuracy below --min-accuracy (metrics were still written)"),
  OUT_OF_MEMORY(8, "the data does not fit the memory given, or out of memory although the memory"
      + " plan allowed the run (the message names the setting to raise)"),
  INTERRUPTED(130, "interrupted by SIGINT (Ctrl-C); temporary outputs removed"),
  TERMINATED(143, "stopped by SIGTERM; temporary outputs removed");

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
