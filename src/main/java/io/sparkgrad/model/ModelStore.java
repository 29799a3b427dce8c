package io.sparkgrad.model;

import io.sparkgrad.io.AtomicOutput;
import io.sparkgrad.io.Json;
import io.sparkgrad.io.Sha256;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The model folder: {@code metadata.json} (format version, architecture, configuration,
 * provenance), {@code weights.bin} ({@link WeightsFile}), {@code metrics.json}, and any extra
 * files (the report). Written atomically through the Hadoop FileSystem API, so the folder may be
 * local, on HDFS or on S3. Read back with validation, never with Java deserialization.
 */
public final class ModelStore {
  public static final int FORMAT_VERSION = 1;
  public static final String METADATA = "metadata.json";
  public static final String WEIGHTS = "weights.bin";
  public static final String METRICS = "metrics.json";

  private ModelStore() {}

  /** A model read back from its folder. */
  public record LoadedModel(String folder, NetworkSpec spec, double[] params, JsonNode metadata) {
    public int imageRows() {
      return metadata.path("architecture").path("image_rows").asInt();
    }

    public int imageCols() {
      return metadata.path("architecture").path("image_cols").asInt();
    }

    public String modelId() {
      return metadata.path("model_id").asText();
    }

    /** The precision the model was trained in, and so is scored in (float32 when unrecorded). */
    /** Where the model comes from, as its metadata records it. */
    public Provenance provenance() {
      return Provenance.of(metadata, spec);
    }

    public Precision precision() {
      return Precision.parse(
          "precision", metadata.path("config").path("precision").asText("float32"));
    }
  }

  /** Writes the folder of a trained model: its provenance becomes metadata.json. */
  public static void write(
      String folder, boolean overwrite, Configuration conf, Provenance provenance,
      double[] params, ObjectNode metrics, Map<String, byte[]> extraFiles) {
    write(folder, overwrite, conf, provenance.toJson(), provenance.spec(), params, metrics,
        extraFiles);
  }

  /**
   * Writes the folder. {@code metadata} gets the format version, the weights' SHA-256 and the
   * file list added; {@code extraFiles} are written as they are.
   */
  public static void write(
      String folder, boolean overwrite, Configuration conf, ObjectNode metadata,
      NetworkSpec spec, double[] params, ObjectNode metrics, Map<String, byte[]> extraFiles) {
    byte[] weights = WeightsFile.encode(spec.layout(), params);
    metadata.put("format_version", FORMAT_VERSION);
    metadata.put("weights_file", WEIGHTS);
    metadata.put("weights_sha256", Sha256.hex(weights));
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(WEIGHTS, weights);
    files.put(METRICS, Json.toBytes(metrics));
    files.putAll(extraFiles);
    files.put(METADATA, Json.toBytes(metadata));
    AtomicOutput.write(folder, overwrite, conf, (fs, temporary) -> {
      if (!fs.mkdirs(temporary)) {
        throw new IOException("cannot create " + temporary);
      }
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        try (FSDataOutputStream out = fs.create(new Path(temporary, file.getKey()), false)) {
          out.write(file.getValue());
        }
      }
    });
  }

  /** Reads and validates a model folder. */
  public static LoadedModel read(String folder, Configuration conf) {
    Path root = new Path(folder);
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (!fs.exists(root)) {
        throw new ModelFormatException(folder + ": no such model folder");
      }
      Path metadataPath = new Path(root, METADATA);
      if (!fs.exists(metadataPath)) {
        throw new ModelFormatException(
            folder + ": not a model folder: " + METADATA + " is missing");
      }
      JsonNode metadata;
      try (InputStream in = fs.open(metadataPath)) {
        metadata = Json.mapper().readTree(in);
      } catch (IOException e) {
        throw new ModelFormatException(
            metadataPath + ": not valid JSON: " + e.getMessage(), e);
      }
      int version = metadata.path("format_version").asInt(-1);
      if (version != FORMAT_VERSION) {
        throw new ModelFormatException(metadataPath + ": format_version: expected "
            + FORMAT_VERSION + "; found " + metadata.path("format_version"));
      }
      NetworkSpec declared = specOf(metadataPath.toString(), metadata);
      Path weightsPath = new Path(root, WEIGHTS);
      FileStatus status;
      try {
        status = fs.getFileStatus(weightsPath);
      } catch (FileNotFoundException e) {
        throw new ModelFormatException(folder + ": " + WEIGHTS + " is missing", e);
      }
      WeightsFile.Decoded decoded;
      try (InputStream in = fs.open(weightsPath)) {
        decoded = WeightsFile.decode(weightsPath.toString(), in, status.getLen());
      }
      if (!decoded.layout().equals(declared.layout())) {
        throw new ModelFormatException(weightsPath + ": shape: expected "
            + describe(declared.layout()) + " as metadata.json declares; found "
            + describe(decoded.layout()));
      }
      return new LoadedModel(folder, declared, decoded.params(), metadata);
    } catch (IOException e) {
      throw new ModelFormatException(folder + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static NetworkSpec specOf(String file, JsonNode metadata) {
    JsonNode architecture = metadata.path("architecture");
    try {
      ParameterLayout layout = new ParameterLayout(
          requiredInt(file, architecture, "inputs"),
          requiredInt(file, architecture, "hidden"),
          requiredInt(file, architecture, "outputs"));
      return new NetworkSpec(layout,
          Activation.parse("activation", architecture.path("activation").asText()),
          OutputFunction.parse("output", architecture.path("output").asText()),
          LossFunction.parse("loss", architecture.path("loss").asText()));
    } catch (IllegalArgumentException e) {
      if (e instanceof ModelFormatException) {
        throw e;
      }
      throw new ModelFormatException(file + ": architecture." + e.getMessage(), e);
    }
  }

  private static int requiredInt(String file, JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.canConvertToInt()) {
      throw new ModelFormatException(
          file + ": architecture." + field + ": expected an integer; found " + value);
    }
    return value.asInt();
  }

  private static String describe(ParameterLayout layout) {
    return layout.inputs() + "→" + layout.hidden() + "→" + layout.outputs();
  }

  /** Writes bytes to a Hadoop path (used for single-file outputs inside an atomic writer). */
  public static void writeBytes(FileSystem fs, Path path, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(path, false)) {
      out.write(bytes);
    }
  }
}
