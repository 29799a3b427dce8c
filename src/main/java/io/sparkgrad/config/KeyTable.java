package io.sparkgrad.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys of one configuration (a command's options, or the training configuration), in the
 * order they are printed, listed in help and stored. Everything that needs the list of keys
 * walks this table: the command-line parser, the configuration files, {@link #resolve},
 * {@link #toMap} and {@link #help}.
 */
public final class KeyTable {
  private final List<Key<?>> keys;
  private final Map<String, Key<?>> byName;

  private KeyTable(List<Key<?>> keys) {
    this.keys = List.copyOf(keys);
    Map<String, Key<?>> names = new LinkedHashMap<>();
    for (Key<?> key : keys) {
      if (names.put(key.name(), key) != null) {
        throw new IllegalStateException("key '" + key.name() + "' is declared twice");
      }
    }
    this.byName = Collections.unmodifiableMap(names);
  }

  /**
   * A table whose keys are declared through {@link Builder#key}; messages name a key as
   * {@code labelPrefix + name} (the training keys by their bare name, the options of the
   * other commands as {@code --name}).
   */
  public static Builder builder(String labelPrefix) {
    return new Builder(labelPrefix);
  }

  /** This table's keys followed by {@code more}'s. */
  public KeyTable plus(KeyTable more) {
    List<Key<?>> all = new ArrayList<>(keys);
    all.addAll(more.keys);
    return new KeyTable(all);
  }

  public List<Key<?>> keys() {
    return keys;
  }

  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /** The names of the keys a resumed run may change. */
  public Set<String> resumableNames() {
    Set<String> names = new LinkedHashSet<>();
    for (Key<?> key : keys) {
      if (key.resumable()) {
        names.add(key.name());
      }
    }
    return Collections.unmodifiableSet(names);
  }

  /** The key called {@code name}, or null. */
  public Key<?> find(String name) {
    return byName.get(name);
  }

  /** Every key's default as text ("" for a required key), as a defaults file lists them. */
  public Map<String, String> defaults() {
    Map<String, String> defaults = new LinkedHashMap<>();
    for (Key<?> key : keys) {
      if (key.required() || key.defaultText() != null) {
        defaults.put(key.name(), key.required() ? "" : key.defaultText());
      }
    }
    return defaults;
  }

  /**
   * The typed values of {@code texts} (key name to text, every name a key of this table); a key
   * missing from it takes its default. A required key without a value, a malformed or
   * out-of-range value is refused naming the key.
   */
  public Values resolve(Map<String, String> texts) {
    for (String name : texts.keySet()) {
      if (!byName.containsKey(name)) {
        throw new ConfigException("unknown key '" + name + "'");
      }
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (Key<?> key : keys) {
      String text = texts.getOrDefault(key.name(), key.defaultText());
      if (key.required() && (text == null || text.isBlank())) {
        throw new ConfigException(key.label() + ": required");
      }
      values.put(key.name(), text == null ? null : key.parse(text));
    }
    return new Values(values, texts.keySet());
  }

  /** Every key with its value as text, in table order (the stored and printed form). */
  public Map<String, String> toMap(Values values) {
    Map<String, String> texts = new LinkedHashMap<>();
    for (Key<?> key : keys) {
      texts.put(key.name(), formatted(key, values));
    }
    return texts;
  }

  private static <T> String formatted(Key<T> key, Values values) {
    return key.format(values.get(key));
  }

  /** One line per key: {@code --name X  help [default: value]}. */
  public String help() {
    StringBuilder text = new StringBuilder();
    for (Key<?> key : keys) {
      text.append(key.helpLine());
    }
    return text.toString();
  }

  /** Collects keys in declaration order; {@link #build} once all are declared. */
  public static final class Builder {
    private final String labelPrefix;
    private final List<Key<?>> keys = new ArrayList<>();

    private Builder(String labelPrefix) {
      this.labelPrefix = labelPrefix;
    }

    /** Starts declaring a key; it joins the table when its default is given. */
    public Key.Builder key(String name, String help) {
      return new Key.Builder(this, labelPrefix, name, help);
    }

    void add(Key<?> key) {
      keys.add(key);
    }

    public KeyTable build() {
      return new KeyTable(keys);
    }
  }
}
