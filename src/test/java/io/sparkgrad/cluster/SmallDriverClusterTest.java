package io.sparkgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.io.Json;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.testing.MnistFixture;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver's memory does not bound the data: `sparkgrad train` in a child JVM with a 512 MB
 * heap trains one epoch on {@code local-cluster[2,1,1024]} from 600,000 MNIST digits (470 MB of
 * pixels, the training set ×10 by shifted copies, written as raw IDX here), which the driver could
 * not even hold. The two executors read their byte ranges of the file themselves.
 */
@Tag("cluster")
class SmallDriverClusterTest {
  private static final int COPIES = 10;
  private static final int[][] SHIFTS = {{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1},
      {-1, -1}, {1, -1}, {-1, 1}, {2, 0}};
  private static final int RUN_MINUTES = 10;

  @TempDir Path work;

  @Test
  void aDriverWithA512MegabyteHeapTrainsOn470MegabytesOfPixels() throws Exception {
    Path data = work.resolve("mnist-x10");
    long pixelBytes = writeShiftedCopies(data);
    assertTrue(pixelBytes > 470_000_000L, "pixels: " + pixelBytes);
    Files.createDirectories(Paths.get(System.getenv("SPARK_HOME"), "jars"));

    Path model = work.resolve("model");
    String classPath = System.getProperty("java.class.path");
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (option.startsWith("--add-") || option.startsWith("-XX:+IgnoreUnrecognized")
          || option.startsWith("-Dio.netty") || option.startsWith("--sun-misc")
          || option.startsWith("--enable-native")) {
        command.add(option); // Spark's module flags, as the pom gives them to this JVM
      }
    }
    command.add("-Dspark.executor.extraClassPath=" + classPath);
    command.add("-Dspark.executor.memory=900m");
    command.add("-Dspark.executorEnv.SPARK_SCALA_VERSION=2.13");
    command.addAll(List.of("-cp", classPath, "io.sparkgrad.cli.Main", "train",
        "--data", data.toString(), "--model", model.toString(), "--epochs", "1",
        "--master", "local-cluster[2,1,1024]"));
    Path log = work.resolve("train.log");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    if (!process.waitFor(RUN_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      fail("still running after " + RUN_MINUTES + " min; output:\n" + tail(log));
    }
    String output = tail(log);
    System.out.println(output);
    assertEquals(0, process.exitValue(), "exit code; output:\n" + output);
    JsonNode metadata;
    try (var in = Files.newInputStream(model.resolve(ModelStore.METADATA))) {
      metadata = Json.mapper().readTree(in);
    }
    assertEquals(COPIES * 60_000, metadata.path("train_examples").asInt());
    assertTrue(metadata.path("spark_master").asText().startsWith("local-cluster"),
        metadata.path("spark_master").asText());
    JsonNode metrics;
    try (var in = Files.newInputStream(model.resolve(ModelStore.METRICS))) {
      metrics = Json.mapper().readTree(in);
    }
    double accuracy = metrics.path("test_accuracy").asDouble();
    assertTrue(accuracy > 0.95, "one epoch of 600,000 digits: test accuracy " + accuracy);
  }

  /** MNIST's training set ×10 by shifted copies as raw IDX, MNIST's test split as gzip. */
  private static long writeShiftedCopies(Path folder) throws IOException {
    Files.createDirectories(folder);
    LabeledImages mnist = MnistFixture.trainingSplit();
    int side = 28;
    int n = mnist.count();
    try (DataOutputStream images = new DataOutputStream(new BufferedOutputStream(
            Files.newOutputStream(folder.resolve("train-images-idx3-ubyte")), 1 << 20));
        DataOutputStream labels = new DataOutputStream(new BufferedOutputStream(
            Files.newOutputStream(folder.resolve("train-labels-idx1-ubyte"))))) {
      images.writeInt(2051);
      images.writeInt(COPIES * n);
      images.writeInt(side);
      images.writeInt(side);
      labels.writeInt(2049);
      labels.writeInt(COPIES * n);
      byte[] shifted = new byte[side * side];
      for (int[] shift : SHIFTS) {
        for (int i = 0; i < n; i++) {
          java.util.Arrays.fill(shifted, (byte) 0);
          for (int y = 0; y < side; y++) {
            int sy = y - shift[1];
            for (int x = 0; x < side; x++) {
              int sx = x - shift[0];
              if (sy >= 0 && sy < side && sx >= 0 && sx < side) {
                shifted[y * side + x] = mnist.pixels()[i * side * side + sy * side + sx];
              }
            }
          }
          images.write(shifted);
        }
        labels.write(mnist.labels());
      }
    }
    for (String name : List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
      Files.copy(MnistFixture.folder().resolve(name), folder.resolve(name));
    }
    return (long) COPIES * n * side * side;
  }

  private static String tail(Path log) throws IOException {
    String text = Files.readString(log, StandardCharsets.UTF_8);
    return text.length() > 6000 ? "…" + text.substring(text.length() - 6000) : text;
  }
}
