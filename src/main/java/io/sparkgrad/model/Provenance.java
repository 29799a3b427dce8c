package io.sparkgrad.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.io.Json;
import io.sparkgrad.network.NetworkSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a model comes from: its architecture, the configuration and the inputs (by SHA-256) that
 * made it, and where and how it was trained. Written as {@code metadata.json}'s body by
 * {@link #toJson()} ({@link ModelStore#write} adds the format version and the weights' digest)
 * and read back by {@link #of}.
 */
public record Provenance(
    String modelId,
    String created,
    NetworkSpec spec,
    int imageRows,
    int imageCols,
    Map<String, String> config,
    Run run) {

  /**
   * The facts of the run, each one key of metadata.json: the component name in snake case
   * ({@code trainExamples} is {@code train_examples}), in this order.
   */
  public record Run(
      long seed,
      String data,
      Map<String, String> inputSha256,
      int trainExamples,
      int validationExamples,
      int testExamples,
      int partitions,
      int replicas,
      int threadsPerReplica,
      String sparkVersion,
      String sparkMaster,
      String javaVersion,
      String blasImplementation,
      String blasLibrary,
      String precision,
      double trainingSeconds,
      double commandSecondsBeforeWrite,
      String finished) {
    public Run {
      inputSha256 = Collections.unmodifiableMap(new LinkedHashMap<>(inputSha256));
    }
  }

  /** Record components to and from snake-case keys, in declaration order. */
  private static final ObjectMapper SNAKE_CASE = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public Provenance {
    config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
  }

  /** The metadata object, keys in the order a reader of the file expects them. */
  public ObjectNode toJson() {
    ObjectNode metadata = Json.object();
    metadata.put("model_id", modelId);
    metadata.put("created", created);
    putArchitecture(metadata.putObject("architecture"), spec, imageRows, imageCols);
    ObjectNode preprocessing = metadata.putObject("preprocessing");
    preprocessing.put("pixel_scale", "x / 255 (bytes 0..255 to [0, 1])");
    preprocessing.put("layout", "row-major image rows, flattened to image_rows*image_cols inputs");
    metadata.set("config", SNAKE_CASE.valueToTree(config));
    metadata.setAll((ObjectNode) SNAKE_CASE.valueToTree(run));
    return metadata;
  }

  /**
   * The architecture's keys (the shapes, functions and image size a reader needs to rebuild the
   * forward pass), as metadata.json and the npz export's meta.json both record them.
   */
  public static void putArchitecture(
      ObjectNode node, NetworkSpec spec, int imageRows, int imageCols) {
    node.put("inputs", spec.inputs());
    node.put("hidden", spec.hidden());
    node.put("outputs", spec.outputs());
    node.put("activation", spec.activation().label());
    node.put("output", spec.output().label());
    node.put("loss", spec.loss().label());
    node.put("image_rows", imageRows);
    node.put("image_cols", imageCols);
  }

  /** The provenance recorded in a model's metadata (the architecture as {@code spec}). */
  public static Provenance of(JsonNode metadata, NetworkSpec spec) {
    JsonNode architecture = metadata.path("architecture");
    Map<String, String> config = new LinkedHashMap<>();
    metadata.path("config").fields()
        .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
    try {
      return new Provenance(metadata.path("model_id").asText(), metadata.path("created").asText(),
          spec, architecture.path("image_rows").asInt(), architecture.path("image_cols").asInt(),
          config, SNAKE_CASE.treeToValue(metadata, Run.class));
    } catch (JsonProcessingException e) {
      throw new ModelFormatException("metadata: cannot read the run's provenance: "
          + e.getOriginalMessage(), e);
    }
  }
}
