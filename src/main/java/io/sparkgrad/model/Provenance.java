package io.sparkgrad.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.io.Json;
import io.sparkgrad.network.NetworkSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a model comes from: its architecture, the configuration and the inputs (by SHA-256) that
 * made it, and where and how it was trained. Written as {@code metadata.json}'s body (the keys of
 * {@link #toJson()}; {@link ModelStore#write} adds the format version and the weights' digest),
 * and read back by {@link #of(JsonNode)}.
 */
public record Provenance(
    String modelId,
    String created,
    NetworkSpec spec,
    int imageRows,
    int imageCols,
    Map<String, String> config,
    long seed,
    String data,
    Map<String, String> inputSha256,
    int trainExamples,
    int validationExamples,
    int testExamples,
    int partitions,
    String sparkVersion,
    String sparkMaster,
    String javaVersion,
    String blasImplementation,
    String precision,
    double trainingSeconds,
    double commandSecondsBeforeWrite,
    String finished) {

  public Provenance {
    config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
    inputSha256 = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputSha256));
  }

  /** The metadata object, keys in the order a reader of the file expects them. */
  public ObjectNode toJson() {
    ObjectNode metadata = Json.object();
    metadata.put("model_id", modelId);
    metadata.put("created", created);
    ObjectNode architecture = metadata.putObject("architecture");
    architecture.put("inputs", spec.inputs());
    architecture.put("hidden", spec.hidden());
    architecture.put("outputs", spec.outputs());
    architecture.put("activation", spec.activation().label());
    architecture.put("output", spec.output().label());
    architecture.put("loss", spec.loss().label());
    architecture.put("image_rows", imageRows);
    architecture.put("image_cols", imageCols);
    ObjectNode preprocessing = metadata.putObject("preprocessing");
    preprocessing.put("pixel_scale", "x / 255 (bytes 0..255 to [0, 1])");
    preprocessing.put("layout", "row-major image rows, flattened to image_rows*image_cols inputs");
    ObjectNode configNode = metadata.putObject("config");
    config.forEach(configNode::put);
    metadata.put("seed", seed);
    metadata.put("data", data);
    ObjectNode inputs = metadata.putObject("input_sha256");
    inputSha256.forEach(inputs::put);
    metadata.put("train_examples", trainExamples);
    metadata.put("validation_examples", validationExamples);
    metadata.put("test_examples", testExamples);
    metadata.put("partitions", partitions);
    metadata.put("spark_version", sparkVersion);
    metadata.put("spark_master", sparkMaster);
    metadata.put("java_version", javaVersion);
    metadata.put("blas_implementation", blasImplementation);
    metadata.put("precision", precision);
    metadata.put("training_seconds", trainingSeconds);
    metadata.put("command_seconds_before_write", commandSecondsBeforeWrite);
    metadata.put("finished", finished);
    return metadata;
  }

  /** The provenance recorded in a model's metadata (the architecture as {@code spec}). */
  public static Provenance of(JsonNode metadata, NetworkSpec spec) {
    JsonNode architecture = metadata.path("architecture");
    return new Provenance(metadata.path("model_id").asText(), metadata.path("created").asText(),
        spec, architecture.path("image_rows").asInt(), architecture.path("image_cols").asInt(),
        strings(metadata.path("config")), metadata.path("seed").asLong(),
        metadata.path("data").asText(), strings(metadata.path("input_sha256")),
        metadata.path("train_examples").asInt(), metadata.path("validation_examples").asInt(),
        metadata.path("test_examples").asInt(), metadata.path("partitions").asInt(),
        metadata.path("spark_version").asText(), metadata.path("spark_master").asText(),
        metadata.path("java_version").asText(), metadata.path("blas_implementation").asText(),
        metadata.path("precision").asText(), metadata.path("training_seconds").asDouble(),
        metadata.path("command_seconds_before_write").asDouble(),
        metadata.path("finished").asText());
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> values = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
    return values;
  }
}
