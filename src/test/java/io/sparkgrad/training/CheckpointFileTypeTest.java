package io.sparkgrad.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resumed run reads its newest checkpoint: a named pipe in place of one of its files is refused
 * with the file named, instead of blocking the run forever. No Spark: checkpoints are files.
 */
class CheckpointFileTypeTest {
  @TempDir Path work;

  private static final Map<String, String> INPUTS = Map.of("train-images", "abc");

  @Test
  void aFifoInTheNewestCheckpointIsRefusedNotReadForever() throws Exception {
    TrainingConfig config = TrainingOptions.resolve(Map.of(),
        Map.of("data", "d", "model", work.resolve("m").toString(), "hidden", "8"));
    Checkpoints checkpoints = new Checkpoints(config.run().model(), new Configuration());
    TrainingState state = new TrainingState(new double[] {1, 2, 3}, new double[] {4});
    state.epochsDone = 1;
    checkpoints.write(state, config.toMap(), INPUTS);
    // The control: the checkpoint as written reads back.
    assertEquals(1, checkpoints.latest(config.toMap(), INPUTS, 3, 1).orElseThrow().epochsDone());

    Path stateFile;
    try (Stream<Path> files = Files.walk(work.resolve("m.checkpoints"))) {
      stateFile = files.filter(p -> p.getFileName().toString().equals("state.json"))
          .findFirst().orElseThrow();
    }
    Files.delete(stateFile);
    mkfifo(stateFile);

    ModelFormatException refused = assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> assertThrows(ModelFormatException.class,
            () -> checkpoints.latest(config.toMap(), INPUTS, 3, 1)));
    assertTrue(refused.getMessage().contains(stateFile.getFileName() + ": file type: expected a"
        + " checkpoint file (a regular file); found a FIFO (named pipe)"), refused.getMessage());
  }

  private static void mkfifo(Path path) throws IOException, InterruptedException {
    Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertEquals(0, mkfifo.waitFor(), "mkfifo " + path);
  }
}
