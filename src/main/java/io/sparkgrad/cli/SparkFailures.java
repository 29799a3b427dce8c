package io.sparkgrad.cli;

import io.sparkgrad.data.DataFormatException;
import io.sparkgrad.model.ModelFormatException;
import io.sparkgrad.model.OutputExistsException;

/**
 * A failure inside a Spark job reaches the driver wrapped ("Job aborted due to stage failure: …"
 * with the executor's stack trace in the message). For the documented failures, the command
 * reports the original exception instead, so its one-line message names the file and field.
 */
final class SparkFailures {
  private SparkFailures() {}

  /** The first documented failure in {@code failure}'s cause chain, or null. */
  static RuntimeException documentedCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DataFormatException || t instanceof ModelFormatException
          || t instanceof OutputExistsException || t instanceof CommandException) {
        return (RuntimeException) t;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
