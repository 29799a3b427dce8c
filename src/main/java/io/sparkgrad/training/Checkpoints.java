package io.sparkgrad.training;

import io.sparkgrad.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.io.ArrayFile;
import io.sparkgrad.io.AtomicOutput;
import io.sparkgrad.model.ModelFormatException;
import io.sparkgrad.model.ModelStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checkpoints of a run in {@code <model>.checkpoints/epoch-NNNNNN/}: {@code state.json} (the
 * epoch, the configuration, the scalars of {@link TrainingState} and the epoch history),
 * {@code params.bin}, {@code kept.bin} and {@code optimizer.bin} ({@link ArrayFile}s). Each is
 * written to a temporary sibling and renamed into place, so a folder with a checkpoint's name is
 * complete; a half-written one (a crash mid-write) has a temporary name and is never picked.
 * Only the newest checkpoint is kept.
 */
public final class Checkpoints {
  public static final int FORMAT_VERSION = 1;
  private static final Pattern NAME = Pattern.compile("epoch-(\\d{6})");
  /**
   * Keys that may differ between the run that wrote a checkpoint and the one resuming it: where
   * things are and how failures are handled, and the learning rate (a common deliberate change
   * on resume, after which the run no longer equals an uninterrupted one).
   */
  private static final Set<String> RESUMABLE_DIFFERENCES =
      Set.of("overwrite", "resume", "master", "on-divergence", "max-backoffs", "data", "model",
          "checkpoint-every", "learning-rate");

  private static final ArrayFile.Kind STATE_ARRAY = new ArrayFile.Kind() {
    @Override
    public String magic() {
      return "SGSTATE1";
    }

    @Override
    public int version() {
      return FORMAT_VERSION;
    }

    @Override
    public int headerInts() {
      return 1;
    }

    @Override
    public int valueCount(String file, int[] header) {
      if (header[0] < 0) {
        throw new ModelFormatException(file + ": count: expected ≥ 0; found " + header[0]);
      }
      return header[0];
    }
  };

  private final Path folder;
  private final Configuration conf;

  public Checkpoints(String modelPath, Configuration conf) {
    this.folder = new Path(modelPath + ".checkpoints");
    this.conf = conf;
  }

  public Path folder() {
    return folder;
  }

  /** Writes the state as the newest checkpoint and removes older ones. */
  public void write(TrainingState state, Map<String, String> config, Map<String, String> inputs) {
    ObjectNode json = ModelStore.json().createObjectNode();
    json.put("format_version", FORMAT_VERSION);
    json.put("epochs_done", state.epochsDone);
    ObjectNode configNode = json.putObject("config");
    config.forEach(configNode::put);
    ObjectNode inputsNode = json.putObject("input_sha256");
    inputs.forEach(inputsNode::put);
    json.put("kept_epoch", state.keptEpoch);
    MetricsJson.putNumber(json, "best_validation_loss", state.bestValidationLoss);
    json.put("epochs_without_improvement", state.epochsWithoutImprovement);
    json.put("stopped_early", state.stoppedEarly);
    json.put("learning_rate_scale", state.learningRateScale);
    json.put("backoffs", state.backoffs);
    json.put("training_seconds", state.trainingSeconds);
    json.put("epoch_reaching_target", state.epochReachingTarget);
    MetricsJson.putNumber(json, "seconds_to_target", state.secondsToTarget);
    MetricsJson.putNumber(json, "initial_loss", state.initialLoss);
    MetricsJson.putEpochs(json.putArray("epochs"), state.history);
    Path target = new Path(folder, String.format("epoch-%06d", state.epochsDone));
    AtomicOutput.replaceInClaimedFolder(target.toString(), conf, (fs, temporary) -> {
      if (!fs.mkdirs(temporary)) {
        throw new IOException("cannot create " + temporary);
      }
      ModelStore.writeBytes(fs, new Path(temporary, "params.bin"), encode(state.params));
      ModelStore.writeBytes(fs, new Path(temporary, "kept.bin"), encode(state.kept));
      ModelStore.writeBytes(fs, new Path(temporary, "optimizer.bin"), encode(state.optimizerState));
      ModelStore.writeBytes(fs, new Path(temporary, "state.json"), ModelStore.toBytes(json));
    });
    try {
      FileSystem fs = folder.getFileSystem(conf);
      for (Path older : complete(fs).values()) {
        if (!older.equals(fs.makeQualified(target))) {
          fs.delete(older, true);
        }
      }
    } catch (IOException e) {
      throw new io.sparkgrad.io.OutputException(io.sparkgrad.io.OutputException.Reason.CANNOT_WRITE,
          folder + ": cannot remove an older checkpoint: " + e.getMessage(), e);
    }
  }

  private static byte[] encode(double[] values) {
    return ArrayFile.encode(STATE_ARRAY, new int[] {values.length}, values);
  }

  /** Complete checkpoints by epoch (temporary siblings start with '.' and do not match). */
  private TreeMap<Integer, Path> complete(FileSystem fs) throws IOException {
    TreeMap<Integer, Path> found = new TreeMap<>();
    if (!fs.exists(folder)) {
      return found;
    }
    for (FileStatus child : fs.listStatus(folder)) {
      Matcher matcher = NAME.matcher(child.getPath().getName());
      if (child.isDirectory() && matcher.matches()) {
        found.put(Integer.parseInt(matcher.group(1)), child.getPath());
      }
    }
    return found;
  }

  /**
   * The newest complete checkpoint, checked against this run's configuration and inputs, or
   * empty when there is none.
   */
  public Optional<TrainingState> latest(
      Map<String, String> config, Map<String, String> inputs, int parameterCount,
      int optimizerStateSize) {
    try {
      FileSystem fs = folder.getFileSystem(conf);
      TreeMap<Integer, Path> found = complete(fs);
      if (found.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(read(fs, found.lastEntry().getValue(), config, inputs, parameterCount,
          optimizerStateSize));
    } catch (IOException e) {
      throw new ModelFormatException(folder + ": cannot read checkpoints: " + e.getMessage(), e);
    }
  }

  private TrainingState read(
      FileSystem fs, Path dir, Map<String, String> config, Map<String, String> inputs,
      int parameterCount, int optimizerStateSize) throws IOException {
    JsonNode json;
    try (InputStream in = fs.open(new Path(dir, "state.json"))) {
      json = ModelStore.json().readTree(in);
    }
    int version = json.path("format_version").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new ModelFormatException(dir + "/state.json: format_version: expected "
          + FORMAT_VERSION + "; found " + json.path("format_version"));
    }
    List<String> differences = new ArrayList<>();
    JsonNode saved = json.path("config");
    for (Map.Entry<String, String> entry : config.entrySet()) {
      String was = saved.path(entry.getKey()).asText(null);
      if (!RESUMABLE_DIFFERENCES.contains(entry.getKey()) && !entry.getValue().equals(was)) {
        differences.add(entry.getKey() + " was " + was + ", now " + entry.getValue());
      }
    }
    JsonNode savedInputs = json.path("input_sha256");
    for (Map.Entry<String, String> entry : inputs.entrySet()) {
      if (!entry.getValue().equals(savedInputs.path(entry.getKey()).asText(null))) {
        differences.add("input " + entry.getKey() + " has another SHA-256");
      }
    }
    if (!differences.isEmpty()) {
      throw new ConfigException("resume: the checkpoint " + dir + " belongs to another run: "
          + String.join("; ", differences));
    }
    TrainingState state = new TrainingState(
        readArray(fs, new Path(dir, "params.bin"), parameterCount),
        readArray(fs, new Path(dir, "optimizer.bin"), optimizerStateSize));
    state.kept = readArray(fs, new Path(dir, "kept.bin"), parameterCount);
    state.epochsDone = json.path("epochs_done").asInt();
    state.keptEpoch = json.path("kept_epoch").asInt();
    JsonNode best = json.path("best_validation_loss");
    state.bestValidationLoss = best.isNull() || best.isMissingNode()
        ? Double.POSITIVE_INFINITY : best.asDouble();
    state.epochsWithoutImprovement = json.path("epochs_without_improvement").asInt();
    state.stoppedEarly = json.path("stopped_early").asBoolean();
    state.learningRateScale = json.path("learning_rate_scale").asDouble();
    state.backoffs = json.path("backoffs").asInt();
    state.trainingSeconds = json.path("training_seconds").asDouble();
    state.epochReachingTarget = json.path("epoch_reaching_target").asInt();
    JsonNode toTarget = json.path("seconds_to_target");
    state.secondsToTarget = toTarget.isNull() || toTarget.isMissingNode()
        ? Double.NaN : toTarget.asDouble();
    JsonNode initialLoss = json.path("initial_loss");
    state.initialLoss = initialLoss.isNull() || initialLoss.isMissingNode()
        ? Double.NaN : initialLoss.asDouble();
    state.history.addAll(MetricsJson.readEpochs(json.path("epochs")));
    return state;
  }

  private static double[] readArray(FileSystem fs, Path file, int expected) throws IOException {
    long length = fs.getFileStatus(file).getLen();
    double[] values;
    try (InputStream in = fs.open(file)) {
      values = ArrayFile.decode(STATE_ARRAY, file.toString(), in, length).values();
    }
    if (values.length != expected) {
      throw new ModelFormatException(
          file + ": values: expected " + expected + "; found " + values.length);
    }
    return values;
  }

  /** Removes the checkpoint folder (after the model is safely written). */
  public void deleteAll() {
    try {
      FileSystem fs = folder.getFileSystem(conf);
      if (fs.exists(folder)) {
        fs.delete(folder, true);
      }
    } catch (IOException e) {
      throw new io.sparkgrad.io.OutputException(io.sparkgrad.io.OutputException.Reason.CANNOT_WRITE,
          folder + ": cannot remove the checkpoints: " + e.getMessage(), e);
    }
  }
}
