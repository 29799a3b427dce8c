package io.sparkgrad.math;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parses configuration words (lower case, '-' for '_') into enum constants with clear errors. */
public final class Enums {
  private Enums() {}

  public static <E extends Enum<E>> E parse(Class<E> type, String key, String value) {
    if (value != null) {
      String normalized = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
      for (E constant : type.getEnumConstants()) {
        if (constant.name().equals(normalized)) {
          return constant;
        }
      }
    }
    throw new IllegalArgumentException(
        key + ": expected one of " + labels(type) + "; found '" + value + "'");
  }

  public static <E extends Enum<E>> String labels(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(Enums::label)
        .collect(Collectors.joining(", "));
  }

  /** The configuration word of a constant: lower case, '-' for '_' (e.g. cross-entropy). */
  public static String label(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
