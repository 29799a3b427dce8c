package io.sparkgrad.model;

/** A model folder that is missing, truncated, inconsistent or of an unknown format version. */
public class ModelFormatException extends IllegalArgumentException {
  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
