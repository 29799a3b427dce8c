package io.sparkgrad.reliability;

import io.sparkgrad.io.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.model.ModelFormatException;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.network.NetworkSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files are never read with Java deserialization, which would run code chosen by whoever
 * wrote the file. Checked twice: on the sources that read model and checkpoint files, and by
 * handing the model reader a Java-serialized object whose {@code readObject} would trip a flag.
 */
class NoJavaDeserializationTest {
  private static final Path PROJECT =
      Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();
  private static final List<String> DESERIALIZATION = List.of("ObjectInputStream", "readObject",
      "readUnshared", "SerializationUtils", "XMLDecoder", "enableDefaultTyping",
      "activateDefaultTyping");

  @TempDir Path work;

  @Test
  void theModelAndCheckpointReadersUseNoJavaDeserialization() throws IOException {
    List<Path> readers;
    try (Stream<Path> files = Files.list(PROJECT.resolve("src/main/java/io/sparkgrad/model"))) {
      readers = files.filter(f -> f.toString().endsWith(".java")).collect(Collectors.toList());
    }
    // The array files and the one JSON mapper every reader uses live in io.
    readers.add(PROJECT.resolve("src/main/java/io/sparkgrad/io/ArrayFile.java"));
    readers.add(PROJECT.resolve("src/main/java/io/sparkgrad/io/Json.java"));
    readers.add(PROJECT.resolve("src/main/java/io/sparkgrad/training/Checkpoints.java"));
    assertTrue(readers.size() >= 6, "found only " + readers + ": wrong folder?");
    List<String> offenders = new ArrayList<>();
    for (Path file : readers) {
      String text = Files.readString(file);
      for (String marker : DESERIALIZATION) {
        if (text.contains(marker)) {
          offenders.add(PROJECT.relativize(file) + " mentions " + marker);
        }
      }
    }
    assertEquals(List.of(), offenders);
  }

  @Test
  void aJavaSerializedWeightsFileIsRefusedWithoutBeingDeserialized() throws IOException {
    Path model = work.resolve("model");
    NetworkSpec spec = NetworkSpec.of(4, 3, 2, Activation.RELU, LossFunction.CROSS_ENTROPY);
    ObjectNode metadata = Json.object();
    ObjectNode architecture = metadata.putObject("architecture");
    architecture.put("inputs", 4);
    architecture.put("hidden", 3);
    architecture.put("outputs", 2);
    architecture.put("activation", spec.activation().label());
    architecture.put("output", spec.output().label());
    architecture.put("loss", spec.loss().label());
    ModelStore.write(model.toString(), false, new Configuration(), metadata, spec,
        new double[spec.layout().size()], Json.object(), Map.of());
    ModelStore.read(model.toString(), new Configuration()); // the genuine folder reads

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(new Tripwire());
    }
    Files.write(model.resolve(ModelStore.WEIGHTS), bytes.toByteArray());
    Tripwire.triggered = false;
    ModelFormatException refused = assertThrows(ModelFormatException.class,
        () -> ModelStore.read(model.toString(), new Configuration()));
    System.out.println("refused: " + refused.getMessage());
    assertTrue(refused.getMessage().contains(ModelStore.WEIGHTS), refused.getMessage());
    assertFalse(Tripwire.triggered, "the weights file was deserialized");
  }

  /** Sets a flag when Java deserialization reconstructs it. */
  static final class Tripwire implements Serializable {
    private static final long serialVersionUID = 1L;
    static volatile boolean triggered;

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      triggered = true;
    }
  }
}
