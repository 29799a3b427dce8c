package io.sparkgrad.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.Key;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingKeys;
import io.sparkgrad.config.TrainingOptions;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real checkpoint on disk against a resuming run's configuration: the keys the table marks
 * resumable may change, every other key may not. No Spark: checkpoints are files.
 */
class ResumeRulesTest {
  @TempDir Path work;

  private static final Map<String, String> INPUTS = Map.of("train-images", "abc");

  @Test
  void onlyResumableKeysMayDifferFromTheCheckpointedRun() {
    TrainingConfig original = TrainingOptions.resolve(Map.of(),
        Map.of("data", "d", "model", work.resolve("m").toString(), "hidden", "8"));
    Checkpoints checkpoints = new Checkpoints(original.run().model(), new Configuration());
    TrainingState state = new TrainingState(new double[] {1, 2, 3}, new double[] {4});
    state.epochsDone = 1;
    checkpoints.write(state, original.toMap(), INPUTS);

    TrainingConfig resumed = original.with(TrainingKeys.RESUME, true)
        .with(TrainingKeys.LEARNING_RATE, 0.0001)
        .with(TrainingKeys.MASTER, "local[1]")
        .with(TrainingKeys.DATA, "elsewhere");
    TrainingState read = checkpoints.latest(resumed.toMap(), INPUTS, 3, 1).orElseThrow();
    assertEquals(1, read.epochsDone());

    int refused = 0;
    for (Key<?> key : TrainingKeys.TABLE.keys()) {
      TrainingConfig changed = changedAt(original, key);
      if (changed == null) {
        continue;
      }
      if (key.resumable()) {
        checkpoints.latest(changed.toMap(), INPUTS, 3, 1).orElseThrow();
      } else {
        ConfigException e = assertThrows(ConfigException.class,
            () -> checkpoints.latest(changed.toMap(), INPUTS, 3, 1), key.name());
        assertTrue(e.getMessage().contains(key.name() + " was "), e.getMessage());
        refused++;
      }
    }
    assertTrue(refused >= 20, "refused only " + refused + " changed keys");
  }

  @Test
  void aCheckpointWrittenBeforeAKeyExistedIsRefusedNamingTheKey() throws Exception {
    TrainingConfig config = TrainingOptions.resolve(Map.of(),
        Map.of("data", "d", "model", work.resolve("m").toString(), "hidden", "8"));
    Checkpoints checkpoints = new Checkpoints(config.run().model(), new Configuration());
    TrainingState state = new TrainingState(new double[] {1, 2, 3}, new double[] {4});
    state.epochsDone = 1;
    // As an older sparkgrad wrote it: no replicas key in its configuration.
    Map<String, String> older = new java.util.LinkedHashMap<>(config.toMap());
    older.remove("replicas");
    checkpoints.write(state, older, INPUTS);
    ConfigException e = assertThrows(ConfigException.class,
        () -> checkpoints.latest(config.toMap(), INPUTS, 3, 1));
    assertTrue(e.getMessage().contains("replicas is not in the checkpoint (written by a sparkgrad"
        + " without that setting), now auto"), e.getMessage());
  }

  /** The configuration with {@code key} changed to some other valid value; null if none found. */
  private static TrainingConfig changedAt(TrainingConfig config, Key<?> key) {
    Map<String, String> texts = config.toMap();
    String now = texts.get(key.name());
    for (String candidate : new String[] {"2", "0.5", "true", "7", "sgd", "step", "float64",
        "java", "xavier", "sigmoid", "sum-of-squares", "shift=1", "backoff", "local[1]", "x",
        "1"}) {
      if (candidate.equals(now)) {
        continue;
      }
      Map<String, String> other = new java.util.LinkedHashMap<>(texts);
      other.put(key.name(), candidate);
      if (key == TrainingKeys.LOSS) {
        other.put("output", "identity");
      }
      try {
        TrainingConfig changed = TrainingConfig.fromMap(other);
        if (!changed.toMap().get(key.name()).equals(now)) {
          return changed;
        }
      } catch (ConfigException e) {
        // not a valid value for this key: try the next
      }
    }
    return null;
  }
}
