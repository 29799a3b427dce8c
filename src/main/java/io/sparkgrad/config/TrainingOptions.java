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
 * The keys of {@link TrainingConfig}: their descriptions, their defaults (the file
 * {@code conf/sparkgrad-defaults.conf}, packaged into the jar), and how the command line and a
 * user's configuration file override them.
 */
public final class TrainingOptions {
  /** A configuration key. {@code flag} keys take no value on the command line. */
  public record Option(String key, String description, boolean flag) {}

  /** The resource name of the defaults inside the jar (a copy of conf/sparkgrad-defaults.conf). */
  public static final String DEFAULTS_RESOURCE = "/sparkgrad-defaults.conf";

  public static final List<Option> ALL =
      List.of(
          new Option("data", "training data: an IDX folder or a Parquet table from 'prepare' (any Hadoop path)", false),
          new Option("model", "output model folder (must not exist unless --overwrite)", false),
          new Option("epochs", "passes over the training data", false),
          new Option("hidden", "hidden units", false),
          new Option("activation", "hidden activation: relu | sigmoid (step cannot be trained)", false),
          new Option("loss", "cross-entropy | sum-of-squares", false),
          new Option("output", "auto | softmax | identity (auto: softmax for cross-entropy, identity for sum-of-squares)", false),
          new Option("optimizer", "sgd | momentum | adagrad | adam", false),
          new Option("learning-rate", "base learning rate, or auto for the optimizer's usual one", false),
          new Option("lr-schedule", "constant | step | cosine", false),
          new Option("lr-decay-factor", "step schedule: multiply the rate by this ...", false),
          new Option("lr-decay-epochs", "step schedule: ... every this many epochs", false),
          new Option("warmup-epochs", "linear warm-up of the rate over this many epochs (fractions allowed)", false),
          new Option("weight-decay", "L2 penalty λ on the weights (not the biases)", false),
          new Option("augment", "augment training images on the executors: none, or e.g. shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4", false),
          new Option("input-dropout", "probability of dropping an input pixel in training (0 = off)", false),
          new Option("dropout", "probability of dropping a hidden unit in training (inverted dropout; 0 = off)", false),
          new Option("batch-size", "examples per mini-batch step (across all partitions)", false),
          new Option("sync-period", "steps between aggregations: 1 (exact synchronous SGD), K, or epoch", false),
          new Option("partitions", "data partitions, or auto for Spark's default parallelism", false),
          new Option("seed", "seed of every random stream (initialization, split, shuffles)", false),
          new Option("validation-fraction", "part of the training set held out for validation (0 = none)", false),
          new Option("patience", "early stopping: epochs without validation improvement (0 = off)", false),
          new Option("precision", "float32 | float64 arithmetic on the executors", false),
          new Option("blas", "auto | native | java", false),
          new Option("init", "auto | textbook | xavier | he", false),
          new Option("block-rows", "examples per cached block", false),
          new Option("classes", "output classes, or auto (largest training label + 1)", false),
          new Option("target-accuracy", "test accuracy whose first epoch is reported", false),
          new Option("master", "Spark master when not set by spark-submit", false),
          new Option("overwrite", "replace an existing model folder", true),
          new Option("checkpoint-every", "write a checkpoint every this many epochs (0 = none) to <model>.checkpoints", false),
          new Option("resume", "continue from the last complete checkpoint in <model>.checkpoints", true),
          new Option("on-divergence", "stop | backoff (roll back the epoch and halve the learning rate)", false),
          new Option("max-backoffs", "backoff: how many times at most", false));

  private TrainingOptions() {}

  public static Option option(String key) {
    for (Option option : ALL) {
      if (option.key().equals(key)) {
        return option;
      }
    }
    throw new ConfigException(
        "unknown option '--" + key + "'; run with --help for the list of options");
  }

  /** The packaged defaults. */
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
   * The ready configurations shipped in the jar (from {@code conf/NAME.conf}), which
   * {@code --config NAME} selects: each overrides the defaults with the settings of a measured
   * result (README: Ready configurations).
   */
  public static final List<String> READY_CONFIGURATIONS = List.of("best-plain", "best-augmented");

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
    if (!Files.exists(file)) {
      throw new ConfigException("config: no such file: " + file + " (nor a ready configuration: "
          + String.join(", ", READY_CONFIGURATIONS) + ")");
    }
    return readConfigFile(file);
  }

  /** A user's configuration file in the same {@code key = value} format as the defaults. */
  public static Map<String, String> readConfigFile(Path file) {
    String special = io.sparkgrad.io.RegularFiles.whatIfNotRegular(file);
    if (special != null) {
      throw new ConfigException(special.startsWith("nothing") ? "config: no such file: " + file
          : "config: " + file + ": expected a regular file of 'key = value' lines; found "
              + special);
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
      try {
        option(key);
      } catch (ConfigException e) {
        throw new ConfigException(name + ":" + number + ": unknown key '" + key + "'");
      }
      if (values.put(key, value) != null) {
        throw new ConfigException(name + ":" + number + ": key '" + key + "' is set twice");
      }
    }
    return values;
  }

  /**
   * Reads {@code --key value}, {@code --key=value} and bare flags into a map, in order; later
   * occurrences win. An unknown option or a missing value is refused.
   */
  public static Map<String, String> parseArguments(List<String> args) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new ConfigException(
            "unexpected argument '" + arg + "'; options look like --key value");
      }
      String body = arg.substring(2);
      int equals = body.indexOf('=');
      String key = equals >= 0 ? body.substring(0, equals) : body;
      Option option = option(key);
      String value;
      if (equals >= 0) {
        value = body.substring(equals + 1);
      } else if (option.flag()) {
        value = "true";
      } else {
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
          throw new ConfigException("--" + key + ": expected a value after the option");
        }
        value = args.get(++i);
      }
      values.put(key, value);
    }
    return values;
  }

  /** Defaults, then the user's file (if any), then the command line. */
  public static TrainingConfig resolve(Map<String, String> fileValues, Map<String, String> args) {
    Map<String, String> merged = new LinkedHashMap<>(defaults());
    merged.putAll(fileValues);
    merged.putAll(args);
    return TrainingConfig.fromMap(merged);
  }

  /** One line per option with its default. */
  public static String help() {
    Map<String, String> defaults = defaults();
    StringBuilder text = new StringBuilder();
    for (Option option : ALL) {
      String value = defaults.getOrDefault(option.key(), "");
      String shown = value.isEmpty() ? "(required)" : "[default: " + value + "]";
      text.append(String.format("  --%-22s %s %s%n",
          option.key() + (option.flag() ? "" : " X"), option.description(), shown));
    }
    return text.toString();
  }
}
