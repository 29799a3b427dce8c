package io.sparkgrad.io;

/**
 * An output that may not be written: it exists (without --overwrite), it is not sparkgrad's own
 * output of that kind, it is or holds an input of the same command, another run is writing it,
 * or the file system refuses the write. The reason says which, for tests and for callers that
 * react differently; the message names the path and what to do.
 */
public class OutputException extends RuntimeException {
  /** Why the output was refused. */
  public enum Reason {
    /** The path exists and --overwrite was not given. */
    EXISTS,
    /** The path exists but is not an output of this kind that sparkgrad wrote. */
    NOT_OURS,
    /** The path is, contains or lies inside an input of the same command. */
    OVERLAPS_INPUT,
    /** Another run holds the claim on the path. */
    BUSY,
    /** The file system refused (permissions, a file where a folder is needed, I/O errors). */
    CANNOT_WRITE
  }

  private final Reason reason;

  public OutputException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public OutputException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
