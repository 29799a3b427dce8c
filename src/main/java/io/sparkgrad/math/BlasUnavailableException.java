package io.sparkgrad.math;

/**
 * The BLAS setting asks for a native library ({@code bundled}, {@code system} or {@code native})
 * that cannot be loaded in this JVM; the message says why and what to change.
 */
public final class BlasUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  BlasUnavailableException(String message) {
    super(message);
  }
}
