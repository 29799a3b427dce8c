package io.sparkgrad.config;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Typed values of the keys of a {@link KeyTable}, read by {@link Key}: {@code
 * values.get(TrainingKeys.HIDDEN)} is an {@code Integer}, and no value can be taken for another
 * key's. Immutable; {@link #with} makes a changed copy.
 */
public final class Values implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Map<String, Object> values;
  private final Set<String> given;

  Values(Map<String, Object> values, Set<String> given) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.given = Collections.unmodifiableSet(new LinkedHashSet<>(given));
  }

  /** The value of {@code key}; null for an optional key not given, or an unresolved auto. */
  @SuppressWarnings("unchecked") // every value was put by its own key's parse or check
  public <T> T get(Key<T> key) {
    if (!values.containsKey(key.name())) {
      throw new IllegalArgumentException(
          "no key '" + key.name() + "' in these values; expected one of " + values.keySet());
    }
    return (T) values.get(key.name());
  }

  /** True when {@code key} was given explicitly (not taken from its default). */
  public boolean given(Key<?> key) {
    return given.contains(key.name());
  }

  /** A copy with {@code key} set to {@code value}, checked like a parsed value. */
  public <T> Values with(Key<T> key, T value) {
    get(key);
    Map<String, Object> changed = new LinkedHashMap<>(values);
    changed.put(key.name(), key.check(value));
    Set<String> nowGiven = new LinkedHashSet<>(given);
    nowGiven.add(key.name());
    return new Values(changed, nowGiven);
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
