package io.sparkgrad.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.io.Json;
import io.sparkgrad.io.Sha256;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model's provenance, written to metadata.json by ModelStore and read back, field for field. */
class ProvenanceTest {
  private static Provenance sample(NetworkSpec spec) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("hidden", "3");
    config.put("precision", "float64");
    config.put("seed", "7");
    return new Provenance("id-1", "2026-01-02T03:04:05Z", spec, 2, 3, config,
        new Provenance.Run(7, "/data/x", Map.of("t10k-images-idx3-ubyte.gz", "ab"), 50, 10, 20, 4, 1, 2,
            "4.2.0", "local[2]", "17.0.9", "JNIBLAS", "bundled OpenBLAS 0.3.31", "float64", 12.5,
            14.25,
            "2026-01-02T03:05:00Z"));
  }

  @Test
  void roundTripsThroughAModelFolder(@TempDir Path work) throws IOException {
    NetworkSpec spec = new NetworkSpec(new ParameterLayout(6, 3, 2), Activation.RELU,
        OutputFunction.SOFTMAX, LossFunction.CROSS_ENTROPY);
    Provenance written = sample(spec);
    double[] params = new double[spec.layout().size()];
    for (int i = 0; i < params.length; i++) {
      params[i] = i * 0.5 - 3;
    }
    String folder = work.resolve("model").toString();
    ModelStore.write(folder, false, new Configuration(), written, params, Json.object(), Map.of());

    ModelStore.LoadedModel loaded = ModelStore.read(folder, new Configuration());
    assertEquals(written, loaded.provenance());
    assertArrayEquals(params, loaded.params(), 0.0);
    // The keys the readers of metadata.json use.
    assertEquals("id-1", loaded.modelId());
    assertEquals(2, loaded.imageRows());
    assertEquals(3, loaded.imageCols());
    assertEquals(Precision.FLOAT64, loaded.precision());
    JsonNode metadata = loaded.metadata();
    assertEquals(Sha256.hex(Files.readAllBytes(Path.of(folder, ModelStore.WEIGHTS))),
        metadata.path("weights_sha256").asText());
    List<String> keys = new java.util.ArrayList<>();
    metadata.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("model_id", "created", "architecture", "preprocessing", "config", "seed",
        "data", "input_sha256", "train_examples", "validation_examples", "test_examples",
        "partitions", "replicas", "threads_per_replica", "spark_version", "spark_master", "java_version", "blas_implementation",
        "blas_library",
        "precision", "training_seconds", "command_seconds_before_write", "finished",
        "format_version", "weights_file", "weights_sha256"), keys);
  }

  @Test
  void sha256IsTheHexOfTheDigest() {
    // sha256sum of the three bytes "abc" (FIPS 180-2's first example).
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Sha256.hex("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
  }
}
