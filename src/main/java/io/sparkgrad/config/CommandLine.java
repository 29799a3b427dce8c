package io.sparkgrad.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one command-line parser of every command: {@code --key value}, {@code --key=value} and bare
 * flags ({@code --overwrite}), for the keys of a {@link KeyTable}; later occurrences win.
 * {@code --help} or {@code -h} anywhere asks for help. Anything else is refused: an unknown option,
 * a missing value, a word that is not an option.
 *
 * @param help whether help was asked for
 * @param given key name to text, in the order first given
 */
public record CommandLine(boolean help, Map<String, String> given) {
  /** Above this many keys an unknown option points to --help rather than listing them all. */
  private static final int LISTED_KEYS = 12;

  public CommandLine {
    given = Collections.unmodifiableMap(new LinkedHashMap<>(given));
  }

  public static CommandLine parse(List<String> args, KeyTable options) {
    if (args.contains("--help") || args.contains("-h")) {
      return new CommandLine(true, Map.of());
    }
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new ConfigException(
            "unexpected argument '" + arg + "'; options look like --key value");
      }
      String body = arg.substring(2);
      int equals = body.indexOf('=');
      String name = equals >= 0 ? body.substring(0, equals) : body;
      Key<?> key = options.find(name);
      if (key == null) {
        throw new ConfigException("unknown option '--" + name + "'; "
            + (options.keys().size() > LISTED_KEYS
                ? "run with --help for the list of options"
                : "expected one of --" + String.join(", --", options.names())));
      }
      String value;
      if (equals >= 0) {
        value = body.substring(equals + 1);
      } else if (key.flag()) {
        value = "true";
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        value = args.get(++i);
      } else {
        throw new ConfigException("--" + name + ": expected a value after the option");
      }
      given.put(name, value);
    }
    return new CommandLine(false, given);
  }

  /** The typed values: what was given, defaults for the rest. */
  public Values values(KeyTable options) {
    return options.resolve(given);
  }
}
