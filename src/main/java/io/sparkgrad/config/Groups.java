package io.sparkgrad.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Binds the components of a group record ({@link Network}, {@link Run}, ...) to the training
 * keys of the same name ({@code inputDropout} ↔ {@code input-dropout}), in both directions, as
 * Tribuo binds its {@code @Config} fields: a value can only land in its own key's component, so
 * two neighbouring doubles cannot be swapped, and what is stored is what the groups hold.
 */
final class Groups {
  private Groups() {}

  /** The key a component stands for: its name in lower case with '-' before each capital. */
  static Key<?> keyOf(RecordComponent component) {
    String name = component.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    Key<?> key = TrainingKeys.TABLE.find(name);
    if (key == null) {
      throw new IllegalStateException(component.getDeclaringRecord().getSimpleName() + "."
          + component.getName() + ": expected a training key '" + name + "'; found none");
    }
    return key;
  }

  /** The group {@code type} with each component set to its key's value. */
  static <R extends Record> R bind(Class<R> type, Values values) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] arguments = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      arguments[i] = values.get(keyOf(components[i]));
    }
    try {
      Constructor<R> canonical = type.getDeclaredConstructor(
          Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
      return canonical.newInstance(arguments);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException(type.getSimpleName() + ": cannot be built", e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(type.getSimpleName() + ": cannot be built from its keys", e);
    }
  }

  /** Key name to value of every component of {@code groups}, each checked by its key. */
  static Map<String, Object> values(Record... groups) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Record group : groups) {
      for (RecordComponent component : group.getClass().getRecordComponents()) {
        Key<?> key = keyOf(component);
        Object value;
        try {
          value = component.getAccessor().invoke(group);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(component + ": cannot be read", e);
        }
        if (values.put(key.name(), checked(key, value)) != null) {
          throw new IllegalStateException(key.name() + ": expected in one group; found in two");
        }
      }
    }
    return values;
  }

  @SuppressWarnings("unchecked") // the component's type is the key's (bind put it there)
  private static <T> T checked(Key<T> key, Object value) {
    return key.check((T) value);
  }
}
