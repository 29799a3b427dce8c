package io.sparkgrad.config;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** The readers of the basic value types; every error names the key and the text it refused. */
final class Parsers {
  private Parsers() {}

  static int integer(String label, String text) {
    return read(label, text, Integer::parseInt, "an integer");
  }

  static long longInteger(String label, String text) {
    return read(label, text, Long::parseLong, "an integer");
  }

  static double number(String label, String text) {
    return read(label, text, Double::parseDouble, "a number");
  }

  private static <T> T read(
      String label, String text, Function<String, T> parser, String expected) {
    try {
      return parser.apply(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(label + ": expected " + expected + "; found '" + text + "'");
    }
  }

  static boolean bool(String label, String text) {
    String value = text.toLowerCase(Locale.ROOT);
    if (List.of("true", "yes", "1").contains(value)) {
      return true;
    }
    if (List.of("false", "no", "0").contains(value)) {
      return false;
    }
    throw new ConfigException(label + ": expected true or false; found '" + text + "'");
  }
}
