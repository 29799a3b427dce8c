package io.sparkgrad.data;

/**
 * The data cannot be cached in the memory Spark was given. The message names the data's size,
 * the memory there is and the settings to change; the command exits with its own code rather
 * than a Spark stack trace (or, worse, a run that silently re-reads the data at every job).
 */
public class DataDoesNotFitException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DataDoesNotFitException(String message) {
    super(message);
  }

  public DataDoesNotFitException(String message, Throwable cause) {
    super(message, cause);
  }
}
