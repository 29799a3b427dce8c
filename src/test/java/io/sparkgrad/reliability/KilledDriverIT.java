package io.sparkgrad.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.training.Checkpoints;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.training.TrainingSetup;
import io.sparkgrad.training.TrainingState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A killed driver loses nothing. Real {@code scripts/sparkgrad train} processes on a slice of
 * MNIST with a checkpoint after every epoch:
 *
 * <ol>
 *   <li>an uninterrupted run gives the reference weights;
 *   <li>the same run is killed with SIGKILL (the script execs java, so the process is the driver
 *       JVM) once the checkpoint of epoch 2 is in place, long before it ends;
 *   <li>{@code --resume --learning-rate 1e6} continues from that checkpoint and diverges: exit
 *       code 5, the documented message, and the checkpoint still loads
 *       ({@link Checkpoints#latest});
 *   <li>{@code --resume} with the original settings finishes, and its weights.bin is byte for
 *       byte the uninterrupted run's.
 * </ol>
 *
 * Throughout steps 2 to 4 a watcher thread looks at the model folder every few tens of
 * milliseconds and records what it sees: whenever the folder exists it must be complete
 * (metadata.json, weights.bin and metrics.json present, and {@link ModelStore#read} accepts it),
 * and the killed and the diverged runs must leave none.
 */
class KilledDriverIT {
  private static final int EPOCHS = 4;
  private static final String KILL_AFTER = "epoch-000002";
  private static final long RUN_MINUTES = 5;
  /** Polls for the checkpoint: at most this many waits of {@link #POLL_MILLIS}. */
  private static final int POLLS = 3000;
  private static final long POLL_MILLIS = 100;
  private static final long WATCH_MILLIS = 20;
  private static final Pattern RESUMED =
      Pattern.compile("resume: continuing after epoch (\\d+) from ");

  @TempDir Path work;

  @Test
  void aDriverKilledMidRunResumesToTheSameWeightsAndTheModelIsNeverHalfWritten()
      throws IOException, InterruptedException {
    Path project = Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();
    Path script = project.resolve("scripts/sparkgrad");
    Path data = IdxFolders.mnistSubset(work.resolve("mnist"), 2000, 500);
    Path reference = work.resolve("reference");
    Path model = work.resolve("model");
    Path checkpoints = Paths.get(model + ".checkpoints");

    // 1. The uninterrupted run.
    Run uninterrupted = Run.start(script, work.resolve("reference.log"), args(data, reference));
    assertEquals(0, uninterrupted.await(), uninterrupted.output());
    byte[] expected = Files.readAllBytes(reference.resolve(ModelStore.WEIGHTS));

    Watcher watcher = new Watcher(model);
    watcher.start();
    try {
      // 2. The same run, killed once the checkpoint of epoch 2 is in place.
      watcher.phase("killed run");
      Run killed = Run.start(script, work.resolve("killed.log"), args(data, model));
      for (int poll = 0; !Files.isDirectory(checkpoints.resolve(KILL_AFTER)); poll++) {
        if (poll == POLLS || killed.process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
          killed.process.destroyForcibly();
          fail("no " + checkpoints.resolve(KILL_AFTER) + " while the run was alive; "
              + killed.output());
        }
      }
      assertTrue(killed.process.isAlive(), "the run ended by itself; " + killed.output());
      assertTrue(killed.process.info().command().orElse("").endsWith("java"),
          "scripts/sparkgrad execs java, so the process to kill is the driver JVM; found "
              + killed.process.info().command());
      killed.process.destroyForcibly();
      assertTrue(killed.process.waitFor(1, TimeUnit.MINUTES), "still alive after SIGKILL");
      assertEquals(128 + 9, killed.process.exitValue(), "killed by SIGKILL");
      String killedOutput = killed.output();
      assertFalse(killedOutput.contains("epoch   " + EPOCHS + "/" + EPOCHS),
          "the killed run had trained every epoch; " + killedOutput);
      assertFalse(Files.exists(model), "the killed run left a model folder");
      int checkpointEpoch = latestCheckpointEpoch(checkpoints);
      assertTrue(checkpointEpoch >= 2 && checkpointEpoch < EPOCHS,
          "checkpoint after the kill: epoch " + checkpointEpoch);

      // 3. Resumed with a learning rate that explodes: exit 5, the checkpoint survives.
      watcher.phase("diverged resume");
      Run diverged = Run.start(script, work.resolve("diverged.log"),
          args(data, model, "--resume", "--learning-rate", "1e6"));
      int divergedCode = diverged.await();
      String divergedOutput = diverged.output();
      assertEquals(5, divergedCode, "exit code of the diverged resume; " + divergedOutput);
      assertEquals(checkpointEpoch, resumedFrom(divergedOutput), "diverged resume started from");
      assertTrue(divergedOutput.contains("sparkgrad: error: training diverged in epoch "
          + (checkpointEpoch + 1) + " at step "), divergedOutput);
      assertTrue(divergedOutput.contains("Likely cause: the learning rate is too large"),
          divergedOutput);
      assertFalse(Files.exists(model), "the diverged run left a model folder");
      TrainingState state = loadCheckpoint(data, model);
      assertEquals(checkpointEpoch, state.epochsDone(), "epochs in the last good checkpoint");
      assertEquals(checkpointEpoch, state.history().size(), "epoch history in the checkpoint");
      for (double p : state.params()) {
        assertTrue(Double.isFinite(p), "a weight in the last good checkpoint is " + p);
      }

      // 4. Resumed with the original settings: the uninterrupted run's weights, byte for byte.
      watcher.phase("resume");
      Run resumed = Run.start(script, work.resolve("resumed.log"), args(data, model, "--resume"));
      assertEquals(0, resumed.await(), resumed.output());
      assertEquals(checkpointEpoch, resumedFrom(resumed.output()), "resume started from");
      assertArrayEquals(expected, Files.readAllBytes(model.resolve(ModelStore.WEIGHTS)),
          "weights.bin of the resumed run differs from the uninterrupted run's");
      assertFalse(Files.exists(checkpoints), "checkpoints are removed once the model is written");
    } finally {
      watcher.finish();
    }

    List<Observation> seen = watcher.observations();
    long present = seen.stream().filter(o -> o.exists).count();
    System.out.println("watcher: " + seen.size() + " observations of " + model + ", " + present
        + " with the folder present");
    List<Observation> incomplete =
        seen.stream().filter(o -> o.exists && o.problem != null).collect(Collectors.toList());
    assertEquals(List.of(), incomplete, "the model folder was seen incomplete");
    assertTrue(seen.stream().noneMatch(o -> o.exists && !o.phase.equals("resume")),
        "the model folder existed outside the successful resume");
    assertTrue(seen.stream().filter(o -> o.phase.equals("killed run")).count() > 10,
        "the watcher looked during the killed run");
    assertTrue(present > 0, "the watcher saw the finished model");
  }

  private static List<String> args(Path data, Path model, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--model",
        model.toString(), "--epochs", Integer.toString(EPOCHS), "--hidden", "32",
        "--batch-size", "100", "--sync-period", "1", "--checkpoint-every", "1"));
    args.addAll(List.of(extra));
    return args;
  }

  private static int resumedFrom(String output) {
    Matcher matcher = RESUMED.matcher(output);
    assertTrue(matcher.find(), "no 'resume: continuing after epoch N' in the output: " + output);
    return Integer.parseInt(matcher.group(1));
  }

  /**
   * The newest complete checkpoint's epoch. (A kill between a checkpoint's rename into place and
   * the removal of the one before leaves two; a kill mid-write leaves a temporary sibling.)
   */
  private static int latestCheckpointEpoch(Path checkpoints) throws IOException {
    List<String> names;
    try (Stream<Path> children = Files.list(checkpoints)) {
      names = children.map(p -> p.getFileName().toString())
          .filter(name -> name.matches("epoch-\\d{6}")).sorted().collect(Collectors.toList());
    }
    assertFalse(names.isEmpty(), "no complete checkpoint in " + checkpoints);
    System.out.println("after the kill, " + checkpoints + " holds " + names);
    return Integer.parseInt(names.get(names.size() - 1).substring("epoch-".length()));
  }

  /** The last good checkpoint, read as a resuming run would with the original settings. */
  private static TrainingState loadCheckpoint(Path data, Path model) throws IOException {
    List<String> original = args(data, model);
    TrainingConfig config = TrainingOptions.resolve(java.util.Map.of(),
        TrainingOptions.parseArguments(original.subList(1, original.size())));
    DataSet loaded = DataSetFolder.at(data.toString(), new Configuration()).load();
    TrainingSetup setup = TrainingSetup.of(config, loaded);
    int optimizerState = config.optimization().optimizer().create(setup.spec().layout(),
        config.regularization().weightDecay())
        .stateSize();
    Optional<TrainingState> latest = new Checkpoints(model.toString(), new Configuration())
        .latest(config.toMap(), loaded.sha256(), setup.spec().layout().size(), optimizerState);
    assertTrue(latest.isPresent(), "no checkpoint loads from " + model + ".checkpoints");
    return latest.get();
  }

  /** A scripts/sparkgrad process with its output in a file. */
  private static final class Run {
    final Process process;
    final Path log;

    private Run(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static Run start(Path script, Path log, List<String> args) throws IOException {
      List<String> command = new ArrayList<>(List.of(script.toString()));
      command.addAll(args);
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile()))
          .start();
      return new Run(process, log);
    }

    int await() throws InterruptedException {
      if (!process.waitFor(RUN_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        fail("still running after " + RUN_MINUTES + " min; " + output());
      }
      return process.exitValue();
    }

    String output() {
      try {
        return "output of " + log + ":\n" + Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(cannot read " + log + ": " + e.getMessage() + ")";
      }
    }
  }

  /** One look at the model folder. */
  private record Observation(String phase, boolean exists, String problem) {}

  /** Looks at the model folder every {@link #WATCH_MILLIS} ms until finished. */
  private static final class Watcher extends Thread {
    private final Path model;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final List<Observation> observations = Collections.synchronizedList(new ArrayList<>());
    private volatile String phase = "start";

    Watcher(Path model) {
      super("model-folder-watcher");
      setDaemon(true);
      this.model = model;
    }

    void phase(String name) {
      phase = name;
    }

    @Override
    public void run() {
      try {
        do {
          observe();
        } while (!stop.await(WATCH_MILLIS, TimeUnit.MILLISECONDS));
        observe(); // once more, after the last run ended
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void observe() {
      String now = phase;
      if (!Files.exists(model)) {
        observations.add(new Observation(now, false, null));
        return;
      }
      String problem = null;
      for (String file : List.of(ModelStore.METADATA, ModelStore.WEIGHTS, ModelStore.METRICS)) {
        if (!Files.isRegularFile(model.resolve(file))) {
          problem = (problem == null ? "" : problem + "; ") + file + " missing";
        }
      }
      if (problem == null) {
        try {
          ModelStore.read(model.toString(), new Configuration());
        } catch (RuntimeException e) {
          problem = "ModelStore.read: " + e;
        }
      }
      observations.add(new Observation(now, true, problem));
    }

    void finish() throws InterruptedException {
      stop.countDown();
      join(TimeUnit.MINUTES.toMillis(1));
    }

    List<Observation> observations() {
      synchronized (observations) {
        return new ArrayList<>(observations);
      }
    }
  }
}
