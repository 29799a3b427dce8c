package io.sparkgrad.cli;

import io.sparkgrad.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --key value} parsing for the commands other than train, with the same strictness. */
final class SimpleOptions {
  private SimpleOptions() {}

  /**
   * Parses {@code args}; {@code valued} keys take a value, {@code flags} do not. {@code --help}
   * is always accepted. Anything else is refused naming the option and the accepted ones.
   */
  static Map<String, String> parse(List<String> args, List<String> valued, List<String> flags) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--help") || arg.equals("-h")) {
        options.put("help", "true");
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new ConfigException("unexpected argument '" + arg + "'; options look like --key value");
      }
      String body = arg.substring(2);
      int equals = body.indexOf('=');
      String key = equals >= 0 ? body.substring(0, equals) : body;
      if (flags.contains(key)) {
        options.put(key, equals >= 0 ? body.substring(equals + 1) : "true");
      } else if (valued.contains(key)) {
        if (equals >= 0) {
          options.put(key, body.substring(equals + 1));
        } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
          options.put(key, args.get(++i));
        } else {
          throw new ConfigException("--" + key + ": expected a value after the option");
        }
      } else {
        throw new ConfigException("unknown option '--" + key + "'; expected one of --"
            + String.join(", --", concat(valued, flags)));
      }
    }
    return options;
  }

  static String required(Map<String, String> options, String key) {
    String value = options.get(key);
    if (value == null || value.isBlank()) {
      throw new ConfigException("--" + key + ": required");
    }
    return value;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    java.util.ArrayList<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
