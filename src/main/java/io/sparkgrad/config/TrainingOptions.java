package io.sparkgrad.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the values of a training run come from, lowest first: the defaults of {@link
 * TrainingKeys}, the packaged defaults file ({@code conf/sparkgrad-defaults.conf}, which a test
 * keeps equal to them), a configuration file or ready configuration ({@code --config}), and the
 * command line.
 */
public final class TrainingOptions {
  /** The resource name of the defaults inside the jar (a copy of conf/sparkgrad-defaults.conf). */
  public static final String DEFAULTS_RESOURCE = "/sparkgrad-defaults.conf";

  /**
   * The ready configurations shipped in the jar (from {@code conf/NAME.conf}; the build packages
   * every configuration file of conf/, and a test checks this list against that folder), which
   * {@code --config NAME} selects: each overrides the defaults with the settings of a measured
   * result (README: Ready configurations).
   */
  public static final List<String> READY_CONFIGURATIONS = List.of("best-plain", "best-augmented");

  private static final KeyTable.Builder COMMAND_ONLY = KeyTable.builder("");
  /** {@code --config FILE|NAME}: a command-line option of train, not a key of the run. */
  public static final Key<String> CONFIG = COMMAND_ONLY.key("config",
      "a file of 'key = value' lines overriding the defaults, or the name of a ready"
          + " configuration: " + String.join(", ", READY_CONFIGURATIONS) + " (README)")
      .hint("FILE|NAME").text().optional(null);

  /** The options of {@code sparkgrad train}: every training key, then --config. */
  public static final KeyTable COMMAND_LINE = TrainingKeys.TABLE.plus(COMMAND_ONLY.build());

  private TrainingOptions() {}

  /** The packaged defaults file. */
  public static Map<String, String> defaults() {
    try (InputStream in = TrainingOptions.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "the defaults resource " + DEFAULTS_RESOURCE + " is missing from the classpath");
      }
      return parseConfigFile("(built-in defaults)", new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the built-in defaults", e);
    }
  }

  /**
   * The values of {@code --config}: a file in the defaults' format, or, when no such file exists,
   * the name of a ready configuration.
   */
  public static Map<String, String> readConfig(String fileOrName) {
    Path file = Path.of(fileOrName);
    if (!Files.exists(file) && READY_CONFIGURATIONS.contains(fileOrName)) {
      String resource = "/" + fileOrName + ".conf";
      try (InputStream in = TrainingOptions.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("the ready configuration " + resource
              + " is missing from the classpath");
        }
        return parseConfigFile(
            "(ready configuration " + fileOrName + ")", new InputStreamReader(in, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the ready configuration " + fileOrName, e);
      }
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("config: no such file: " + file + " (nor a ready configuration: "
          + String.join(", ", READY_CONFIGURATIONS) + ")");
    }
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parseConfigFile(file.toString(), reader);
    } catch (IOException e) {
      throw new ConfigException("config: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses {@code key = value} lines; blank lines and lines starting with '#' are ignored. A
   * line without '=', an unknown key or a repeated key is refused with the file and line number.
   */
  static Map<String, String> parseConfigFile(String name, Reader reader) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    BufferedReader lines = new BufferedReader(reader);
    String line;
    int number = 0;
    while ((line = lines.readLine()) != null) {
      number++;
      String trimmed = line.trim();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      int equals = trimmed.indexOf('=');
      if (equals <= 0) {
        throw new ConfigException(
            name + ":" + number + ": expected 'key = value'; found '" + trimmed + "'");
      }
      String key = trimmed.substring(0, equals).trim();
      String value = trimmed.substring(equals + 1).trim();
      if (TrainingKeys.TABLE.find(key) == null) {
        throw new ConfigException(name + ":" + number + ": unknown key '" + key + "'");
      }
      if (values.put(key, value) != null) {
        throw new ConfigException(name + ":" + number + ": key '" + key + "' is set twice");
      }
    }
    return values;
  }

  /** The options of a train command line (training keys and --config), by name, in order. */
  public static Map<String, String> parseArguments(List<String> args) {
    return CommandLine.parse(args, COMMAND_LINE).given();
  }

  /**
   * Defaults, then the defaults file, then the user's file (if any), then the command line's
   * values; a {@code config} entry among them names the user's file.
   */
  public static TrainingConfig resolve(Map<String, String> fileValues, Map<String, String> args) {
    Map<String, String> merged = new LinkedHashMap<>(defaults());
    merged.putAll(fileValues);
    Map<String, String> rest = new LinkedHashMap<>(args);
    String config = rest.remove(CONFIG.name());
    if (config != null) {
      merged.putAll(readConfig(config));
    }
    merged.putAll(rest);
    return TrainingConfig.fromMap(merged);
  }

  /** One line per option of train with its default. */
  public static String help() {
    return COMMAND_LINE.help();
  }
}
