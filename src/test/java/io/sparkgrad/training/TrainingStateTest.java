package io.sparkgrad.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every field of {@link TrainingState}, found by reflection (not from its field table), set to a
 * value unlike its default, survives {@code copy()} and a checkpoint written and read back. A
 * field left out of the table comes back as its default and fails here.
 */
class TrainingStateTest {
  private static final int PARAMETERS = 5;
  private static final int OPTIMIZER_STATE = 3;

  /** The instance fields of the state, as the compiler sees them. */
  private static List<Field> stateFields() {
    List<Field> fields = new ArrayList<>();
    for (Field field : TrainingState.class.getDeclaredFields()) {
      if (!Modifier.isStatic(field.getModifiers())) {
        field.setAccessible(true);
        fields.add(field);
      }
    }
    return fields;
  }

  /** A state in which each field holds a value of its own, none of them a default. */
  private static TrainingState everyFieldSet() throws IllegalAccessException {
    TrainingState state = new TrainingState(new double[PARAMETERS], new double[OPTIMIZER_STATE]);
    TrainingState defaults = new TrainingState(new double[PARAMETERS], new double[OPTIMIZER_STATE]);
    int n = 0;
    for (Field field : stateFields()) {
      n++;
      Class<?> type = field.getType();
      if (type == int.class) {
        field.setInt(state, 100 + n);
      } else if (type == double.class) {
        field.setDouble(state, 0.125 * n);
      } else if (type == boolean.class) {
        field.setBoolean(state, !field.getBoolean(defaults));
      } else if (type == double[].class) {
        int length = ((double[]) field.get(defaults)).length;
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
          values[i] = n + 0.5 * i - 1.25;
        }
        field.set(state, values);
      } else if (type == List.class) {
        List<EpochMetrics> history = new ArrayList<>();
        history.add(new EpochMetrics(1, 2.5, 0.5, Double.NaN, Double.NaN, 2.25, 0.625, 3, 400,
            0.01, 3));
        history.add(new EpochMetrics(2, 1.5, 0.75, 1.75, 0.6875, 1.25, 0.8125, 4, 500, 0.005, 7));
        field.set(state, history);
      } else {
        throw new AssertionError("field " + field.getName() + " has type " + type
            + ", which this test cannot fill: teach it, and check the field table");
      }
      assertNotEquals(describe(field.get(defaults)), describe(field.get(state)),
          field.getName() + " must differ from its default for the test to mean anything");
    }
    return state;
  }

  private static String describe(Object value) {
    return value instanceof double[] array
        ? java.util.Arrays.toString(array) : String.valueOf(value);
  }

  private static void assertSameFields(TrainingState expected, TrainingState actual)
      throws IllegalAccessException {
    for (Field field : stateFields()) {
      Object want = field.get(expected);
      Object got = field.get(actual);
      if (want instanceof double[] array) {
        assertArrayEquals(array, (double[]) got, 0.0, field.getName());
      } else {
        assertEquals(want, got, field.getName());
      }
    }
  }

  @Test
  void copyCarriesEveryFieldAndSharesNoArray() throws IllegalAccessException {
    TrainingState state = everyFieldSet();
    TrainingState copy = state.copy();
    assertSameFields(state, copy);
    for (Field field : stateFields()) {
      if (!field.getType().isPrimitive()) {
        assertNotSame(field.get(state), field.get(copy), field.getName() + " is shared");
      }
    }
  }

  @Test
  void checkpointRoundTripsEveryField(@TempDir Path dir) throws IllegalAccessException {
    TrainingState state = everyFieldSet();
    Checkpoints checkpoints = new Checkpoints(dir.resolve("model").toString(), new Configuration());
    Map<String, String> config = Map.of("seed", "42", "hidden", "16");
    Map<String, String> inputs = Map.of("train-images", "ab12");
    checkpoints.write(state, config, inputs);
    TrainingState read =
        checkpoints.latest(config, inputs, PARAMETERS, OPTIMIZER_STATE).orElseThrow();
    assertSameFields(state, read);
  }

  @Test
  void tableNamesEachFieldOnce() {
    List<String> names = TrainingState.FIELDS.stream().map(TrainingState.Field::name).toList();
    assertEquals(names.size(), names.stream().distinct().count(), "duplicate names: " + names);
    // One row per Java field: the reflection tests above show that each row is the right one.
    assertEquals(stateFields().size(), names.size(), "rows " + names);
    assertTrue(names.contains("params.bin"));
  }
}
