package io.sparkgrad.nativeblas;

/** Why the bundled OpenBLAS could not be loaded; the message says what to change. */
public final class BundledBlasException extends Exception {
  private static final long serialVersionUID = 1L;

  /** NOT_AVAILABLE: no library for this platform or jar; TEMP_FOLDER: cannot copy or load it. */
  public enum Kind { NOT_AVAILABLE, TEMP_FOLDER }

  private final Kind kind;

  BundledBlasException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  BundledBlasException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
