package io.sparkgrad.math;

import java.util.Locale;

/**
 * Which BLAS implementation to use. Native ones go through netlib's JNI, which binds to one
 * native library for the life of the JVM: the first native choice made in a JVM decides which.
 */
public enum BlasChoice {
  /** The bundled OpenBLAS if it loads, else the system {@code libblas.so.3}, else the best Java. */
  AUTO,
  /** The OpenBLAS of the {@code org.bytedeco:openblas} jar only: fail if it cannot be loaded. */
  BUNDLED,
  /** The system {@code libblas.so.3} only (e.g. Debian's OpenBLAS): fail if it cannot be loaded. */
  SYSTEM,
  /** Any native library, as {@link #AUTO} would choose it, but fail rather than use Java. */
  NATIVE,
  /** The pure-Java implementation (Vector API where the JVM allows it, plain loops otherwise). */
  JAVA;

  /** Parses {@code auto}, {@code bundled}, {@code system}, {@code native} or {@code java}. */
  public static BlasChoice parse(String value) {
    for (BlasChoice choice : values()) {
      if (choice.name().equalsIgnoreCase(value.trim())) {
        return choice;
      }
    }
    throw new IllegalArgumentException(
        "blas: expected one of auto, bundled, system, native, java; found '" + value + "'");
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
