package io.sparkgrad.training;

import io.sparkgrad.io.Json;
import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.TrainingKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.io.ArrayFile;
import io.sparkgrad.io.AtomicOutput;
import io.sparkgrad.io.RegularFiles;
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
   * Keys that may differ between the run that wrote a checkpoint and the one resuming it: those
   * the key table marks resumable (where things are, how failures are handled, the learning rate).
   */
  private static final Set<String> RESUMABLE_DIFFERENCES = TrainingKeys.TABLE.resumableNames();

  private static final ArrayFile.Kind STATE_ARRAY =
      new ArrayFile.Kind("SGSTATE1", FORMAT_VERSION, 1, (file, header) -> {
        if (header[0] < 0) {
          throw new ModelFormatException(file + ": count: expected ≥ 0; found " + header[0]);
        }
        return header[0];
      }, ModelFormatException::new);

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
    ObjectNode json = Json.object();
    json.put("format_version", FORMAT_VERSION);
    ObjectNode configNode = json.putObject("config");
    config.forEach(configNode::put);
    ObjectNode inputsNode = json.putObject("input_sha256");
    inputs.forEach(inputsNode::put);
    for (TrainingState.Field field : TrainingState.FIELDS) {
      if (field instanceof TrainingState.Scalar<?> scalar) {
        json.set(scalar.name(), scalar.toJson(state));
      }
    }
    Path target = new Path(folder, String.format("epoch-%06d", state.epochsDone));
    AtomicOutput.replaceInClaimedFolder(target.toString(), conf, (fs, temporary) -> {
      if (!fs.mkdirs(temporary)) {
        throw new IOException("cannot create " + temporary);
      }
      for (TrainingState.Field field : TrainingState.FIELDS) {
        if (field instanceof TrainingState.Array array) {
          ModelStore.writeBytes(fs, new Path(temporary, array.name()),
              encode(array.get().apply(state)));
        }
      }
      ModelStore.writeBytes(fs, new Path(temporary, "state.json"), Json.toBytes(json));
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
    try (InputStream in = openRegular(fs, new Path(dir, "state.json"))) {
      json = Json.mapper().readTree(in);
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
        differences.add(was == null
            // A key added since the checkpoint was written: its run did not have the setting,
            // so it is not known to have computed what this one would (e.g. replicas).
            ? entry.getKey() + " is not in the checkpoint (written by a sparkgrad without that"
                + " setting), now " + entry.getValue()
            : entry.getKey() + " was " + was + ", now " + entry.getValue());
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
    TrainingState state = new TrainingState(new double[0], new double[0]);
    for (TrainingState.Field field : TrainingState.FIELDS) {
      if (field instanceof TrainingState.Scalar<?> scalar) {
        scalar.fromJson(state, json.path(scalar.name()));
      } else if (field instanceof TrainingState.Array array) {
        int expected = array.size() == TrainingState.ArraySize.PARAMETERS
            ? parameterCount : optimizerStateSize;
        array.set().accept(state, readArray(fs, new Path(dir, array.name()), expected));
      }
    }
    return state;
  }

  /** Opens a checkpoint file, refusing a FIFO or a device (a read would block or never end). */
  private static InputStream openRegular(FileSystem fs, Path file) throws IOException {
    String special = RegularFiles.whatIfNotRegular(fs, file);
    if (special != null && !special.startsWith("nothing")) {
      throw new ModelFormatException(
          file + ": file type: expected a checkpoint file (a regular file); found " + special);
    }
    return fs.open(file);
  }

  private static double[] readArray(FileSystem fs, Path file, int expected) throws IOException {
    long length = fs.getFileStatus(file).getLen();
    double[] values;
    try (InputStream in = openRegular(fs, file)) {
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
