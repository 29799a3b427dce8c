package io.sparkgrad.math;

import java.util.Locale;

/** Which BLAS implementation to use; {@link #AUTO} takes the fastest one that loads. */
public enum BlasChoice {
  /** Native (JNI to the system BLAS, e.g. OpenBLAS) if it loads, else the best Java one. */
  AUTO,
  /** Native only: fail if the system BLAS cannot be loaded. */
  NATIVE,
  /** The pure-Java implementation (Vector API where the JVM allows it, plain loops otherwise). */
  JAVA;

  /** Parses {@code auto}, {@code native} or {@code java}, case-insensitively. */
  public static BlasChoice parse(String value) {
    for (BlasChoice choice : values()) {
      if (choice.name().equalsIgnoreCase(value.trim())) {
        return choice;
      }
    }
    throw new IllegalArgumentException(
        "blas: expected one of auto, native, java; found '" + value + "'");
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
