package io.sparkgrad.config;

import java.util.List;
import java.util.Locale;

/** The readers of the basic value types; every error names the key and the text it refused. */
final class Parsers {
  private Parsers() {}

  static int integer(String label, String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(label + ": expected an integer; found '" + text + "'");
    }
  }

  static long longInteger(String label, String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(label + ": expected an integer; found '" + text + "'");
    }
  }

  static double number(String label, String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(label + ": expected a number; found '" + text + "'");
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
