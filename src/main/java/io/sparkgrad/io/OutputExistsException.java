package io.sparkgrad.io;

/** An output that exists already (and may not be replaced), or cannot be written. */
public class OutputExistsException extends RuntimeException {
  public OutputExistsException(String message) {
    super(message);
  }

  public OutputExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}
