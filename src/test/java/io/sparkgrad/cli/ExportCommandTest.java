package io.sparkgrad.cli;

import io.sparkgrad.io.Json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.evaluation.Scorer;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Precision;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.MnistFixture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkgrad export}, checked by independent clients: numpy (through
 * {@code scripts/npz-check.py}, which runs the README's lines) and ONNX Runtime's Java API.
 */
class ExportCommandTest {
  private static final Path PROJECT =
      Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();

  @TempDir static Path work;
  static Path model;
  static ModelStore.LoadedModel loaded;

  @BeforeAll
  static void trainModel() throws IOException {
    model = SmallModel.model();
    loaded = ModelStore.read(model.toString(), new Configuration());
  }

  @org.junit.jupiter.api.Tag("external") // needs Debian's chromium / python3 with numpy
  @Test
  void numpyReproducesSparkgradsPredictionsOnTheWholeMnistTestSet() throws Exception {
    Path npzFolder = Files.createDirectories(work.resolve("numpy"));
    CommandRun.Outcome exported = CommandRun.run("export", "--model", model.toString(),
        "--out", npzFolder.resolve("model.npz").toString());
    assertEquals(0, exported.code(), exported.err());
    assertTrue(exported.out().contains(" as npz: "), exported.out());

    Path images = MnistFixture.folder().resolve("t10k-images-idx3-ubyte.gz");
    Path predictions = work.resolve("t10k-predictions");
    CommandRun.Outcome predicted = CommandRun.run("predict", "--model", model.toString(),
        "--input", images.toString(), "--out", predictions.toString(), "--format", "csv");
    assertEquals(0, predicted.code(), predicted.err());
    assertTrue(predicted.out().contains("predicted 10000 examples"), predicted.out());

    Process process = new ProcessBuilder("python3",
        PROJECT.resolve("scripts/npz-check.py").toString(), images.toString(),
        predictions.toString())
        .directory(npzFolder.toFile())
        .redirectErrorStream(true)
        .start();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "npz-check.py finished");
    System.out.println("npz-check.py:\n" + output);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains("predicted classes that differ from sparkgrad's: 0 of 10000"),
        output);
    assertTrue(output.contains("images: 10000 of 28×28; model 784→32(relu)→10"), output);
  }

  @Test
  void theReadmeShowsExactlyTheNumpyLinesTheCheckScriptRuns() throws IOException {
    List<String> script = Files.readAllLines(PROJECT.resolve("scripts/npz-check.py"));
    int begin = script.indexOf(
        "# README begin: the numpy forward pass, exactly as the README shows it.");
    assertTrue(begin > 0, "marker in the script");
    List<String> tested = script.subList(begin + 1, script.indexOf("# README end"));
    assertEquals(4, tested.size(), "four lines: " + tested);
    List<String> readme = Files.readAllLines(PROJECT.resolve("README.md"));
    int block = readme.indexOf("import numpy as np");
    assertTrue(block > 0 && readme.get(block - 1).equals("```python"), "README's numpy block");
    List<String> shown = new ArrayList<>();
    for (int i = block + 1; !readme.get(i).equals("```"); i++) {
      shown.add(readme.get(i).replaceFirst("\\s+#.*$", "")); // the README may annotate lines
    }
    assertEquals(tested, shown);
  }

  @Test
  void onnxRuntimeGivesTheFloat64ProbabilitiesWithin1e5() throws Exception {
    Path onnx = work.resolve("mnist.onnx");
    CommandRun.Outcome exported = CommandRun.run("export", "--model", model.toString(),
        "--format", "onnx", "--out", onnx.toString());
    assertEquals(0, exported.code(), exported.err());

    LabeledImages test = IdxFolders.mnist().test();
    double difference = compareWithOnnxRuntime(onnx, loaded, test.pixels(), 1000, 784, 10);
    System.out.printf("ONNX Runtime vs float64 forward, 1000 MNIST test images: max |Δp| = %.3e%n",
        difference);
    assertTrue(difference <= 1e-5, "max difference " + difference);

    try (OrtSession session = OrtEnvironment.getEnvironment().createSession(onnx.toString(),
        new OrtSession.SessionOptions())) {
      assertEquals(loaded.modelId(),
          session.getMetadata().getCustomMetadata().get("sparkgrad.model_id"));
      assertEquals("sparkgrad", session.getMetadata().getProducerName());
    }
  }

  @Test
  void aSigmoidIdentityModelOfAnotherImageSizeExportsToBothFormats() throws Exception {
    // A hand-made 12×9 → 7 (sigmoid) → 4 (identity output) model with random weights.
    NetworkSpec spec = new NetworkSpec(new ParameterLayout(108, 7, 4), Activation.SIGMOID,
        OutputFunction.IDENTITY, LossFunction.SUM_OF_SQUARES);
    SplittableRandom random = new SplittableRandom(7);
    double[] params = new double[spec.layout().size()];
    for (int i = 0; i < params.length; i++) {
      params[i] = random.nextDouble(-1, 1);
    }
    ObjectNode metadata = Json.object();
    metadata.put("model_id", "hand-made");
    ObjectNode architecture = metadata.putObject("architecture");
    architecture.put("inputs", 108);
    architecture.put("hidden", 7);
    architecture.put("outputs", 4);
    architecture.put("activation", "sigmoid");
    architecture.put("output", "identity");
    architecture.put("loss", "sum-of-squares");
    architecture.put("image_rows", 12);
    architecture.put("image_cols", 9);
    Path folder = work.resolve("sigmoid-model");
    ModelStore.write(folder.toString(), false, new Configuration(), metadata, spec, params,
        Json.object(), Map.of());
    ModelStore.LoadedModel handMade = ModelStore.read(folder.toString(), new Configuration());
    byte[] pixels = new byte[50 * 108];
    random.nextBytes(pixels);

    Path onnx = work.resolve("sigmoid.onnx");
    assertEquals(0, CommandRun.run("export", "--model", folder.toString(), "--out",
        onnx.toString()).code());
    double difference = compareWithOnnxRuntime(onnx, handMade, pixels, 50, 108, 4);
    System.out.printf("ONNX Runtime vs float64 forward, sigmoid/identity model: max |Δy| = %.3e%n",
        difference);
    assertTrue(difference <= 1e-5, "max difference " + difference);

    // The .npz arrays, read back in Java, run forward by plain loops in the textbook's layout
    // (x @ W1 + b1, ...), give what sparkgrad's network computes.
    Path npz = work.resolve("sigmoid.npz");
    assertEquals(0, CommandRun.run("export", "--model", folder.toString(), "--out",
        npz.toString()).code());
    Map<String, byte[]> entries = unzip(npz);
    assertEquals(List.of("W1.npy", "b1.npy", "W2.npy", "b2.npy", "meta.json"),
        new ArrayList<>(entries.keySet()));
    double[] w1 = npy(entries.get("W1.npy"), "(108, 7)");
    double[] b1 = npy(entries.get("b1.npy"), "(7,)");
    double[] w2 = npy(entries.get("W2.npy"), "(7, 4)");
    double[] b2 = npy(entries.get("b2.npy"), "(4,)");
    JsonNode meta = Json.mapper().readTree(entries.get("meta.json"));
    assertEquals("sigmoid", meta.path("activation").asText());
    assertEquals("identity", meta.path("output").asText());
    assertEquals(12, meta.path("image_rows").asInt());
    assertEquals(9, meta.path("image_cols").asInt());
    // float64, whatever the model's precision: the reference for the exported values.
    Scorer<?> scorer = Scorer.create(handMade.spec(), Precision.FLOAT64, BlasChoice.AUTO, handMade.params());
    double[] expected = new double[4];
    double worst = 0;
    for (int n = 0; n < 50; n++) {
      scorer.scorePixels(pixels, n * 108, 1);
      for (int k = 0; k < 4; k++) {
        expected[k] = scorer.output(0, k);
      }
      double[] z = new double[7];
      for (int h = 0; h < 7; h++) {
        double a = b1[h];
        for (int i = 0; i < 108; i++) {
          a += (pixels[n * 108 + i] & 0xFF) / 255.0 * w1[i * 7 + h];
        }
        z[h] = 1 / (1 + Math.exp(-a));
      }
      for (int k = 0; k < 4; k++) {
        double y = b2[k];
        for (int h = 0; h < 7; h++) {
          y += z[h] * w2[h * 4 + k];
        }
        worst = Math.max(worst, Math.abs(y - expected[k]));
      }
    }
    assertTrue(worst <= 1e-12, "npz forward vs sparkgrad: " + worst);

    Path again = work.resolve("sigmoid-again.npz");
    assertEquals(0, CommandRun.run("export", "--model", folder.toString(), "--out",
        again.toString()).code());
    assertArrayEquals(Files.readAllBytes(npz), Files.readAllBytes(again),
        "the same model exports to the same bytes");
  }

  @Test
  void badOptionsMissingModelsAndExistingFilesAreRefused() throws IOException {
    String m = model.toString();
    Path out = work.resolve("refusals.npz");
    CommandRun.Outcome help = CommandRun.run("export", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--format onnx"), help.out());
    assertRefused(ExitCode.USAGE, "format: expected one of npz, onnx; found 'pickle'",
        "export", "--model", m, "--out", out.toString(), "--format", "pickle");
    assertRefused(ExitCode.USAGE,
        "--format: required (npz or onnx) when --out does not end with .npz or .onnx",
        "export", "--model", m, "--out", work.resolve("weights.bin").toString());
    assertRefused(ExitCode.USAGE, "--out: its extension .npz names another format than --format"
        + " onnx; make them agree", "export", "--model", m, "--out", out.toString(),
        "--format", "onnx");
    assertRefused(ExitCode.BAD_MODEL, work.resolve("absent") + ": no such model folder",
        "export", "--model", work.resolve("absent").toString(), "--out", out.toString());

    Path damaged = work.resolve("damaged-model");
    Files.createDirectories(damaged);
    for (String name : List.of("metadata.json", "metrics.json")) {
      Files.copy(model.resolve(name), damaged.resolve(name));
    }
    byte[] weights = Files.readAllBytes(model.resolve("weights.bin"));
    Files.write(damaged.resolve("weights.bin"), java.util.Arrays.copyOf(weights, 1000));
    CommandRun.Outcome truncated =
        CommandRun.run("export", "--model", damaged.toString(), "--out", out.toString());
    assertEquals(ExitCode.BAD_MODEL.code(), truncated.code(), truncated.err());
    assertTrue(truncated.err().contains("weights.bin: length: expected"), truncated.err());

    assertEquals(0, CommandRun.run("export", "--model", m, "--out", out.toString()).code());
    byte[] first = Files.readAllBytes(out);
    assertRefused(ExitCode.OUTPUT_PROBLEM,
        out + ": already exists; choose another path or pass --overwrite",
        "export", "--model", m, "--out", out.toString());
    assertArrayEquals(first, Files.readAllBytes(out), "left as it was");
    assertEquals(0, CommandRun.run("export", "--model", m, "--out", out.toString(),
        "--overwrite").code());
    try (java.util.stream.Stream<Path> left = Files.list(work)) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString())
          .filter(name -> name.startsWith(".refusals")).toList(),
          "no temporary or checksum file beside the export");
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Runs {@code count} images through the .onnx file in ONNX Runtime (float32) and through
   * sparkgrad's network in float64; returns the largest difference of an output.
   */
  private static double compareWithOnnxRuntime(Path onnx, ModelStore.LoadedModel model,
      byte[] pixels, int count, int inputs, int classes) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    float[][] input = new float[count][inputs];
    for (int n = 0; n < count; n++) {
      for (int i = 0; i < inputs; i++) {
        input[n][i] = (float) ((pixels[n * inputs + i] & 0xFF) / 255.0);
      }
    }
    // float64, whatever the model's precision: the reference for the exported values.
    Scorer<?> scorer = Scorer.create(model.spec(), Precision.FLOAT64, BlasChoice.AUTO, model.params());
    double[] expected = new double[classes];
    double worst = 0;
    try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
      NodeInfo in = session.getInputInfo().get("input");
      NodeInfo out = session.getOutputInfo().get("probabilities");
      assertArrayEquals(new long[] {-1, inputs}, ((TensorInfo) in.getInfo()).getShape());
      assertArrayEquals(new long[] {-1, classes}, ((TensorInfo) out.getInfo()).getShape());
      try (OnnxTensor tensor = OnnxTensor.createTensor(env, input);
          OrtSession.Result result = session.run(Map.of("input", tensor))) {
        float[][] outputs = (float[][]) result.get(0).getValue();
        assertEquals(count, outputs.length);
        for (int n = 0; n < count; n++) {
          scorer.scorePixels(pixels, n * inputs, 1);
          for (int k = 0; k < classes; k++) {
            expected[k] = scorer.output(0, k);
          }
          for (int k = 0; k < classes; k++) {
            worst = Math.max(worst, Math.abs(outputs[n][k] - expected[k]));
          }
        }
      }
    }
    return worst;
  }

  private static Map<String, byte[]> unzip(Path file) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
      for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
        entries.put(entry.getName(), zip.readAllBytes());
      }
    }
    return entries;
  }

  /** The values of a float64 .npy, checking its header names the expected shape. */
  private static double[] npy(byte[] bytes, String shape) {
    int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
    String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
    assertTrue(header.contains("'descr': '<f8', 'fortran_order': False, 'shape': " + shape),
        header);
    ByteBuffer data = ByteBuffer.wrap(bytes, 10 + headerLength, bytes.length - 10 - headerLength)
        .order(ByteOrder.LITTLE_ENDIAN);
    double[] values = new double[data.remaining() / 8];
    for (int i = 0; i < values.length; i++) {
      values[i] = data.getDouble();
    }
    return values;
  }

  private static void assertRefused(ExitCode code, String message, String... args) {
    CommandRun.Outcome outcome = CommandRun.run(args);
    assertEquals(code.code(), outcome.code(), outcome.err());
    assertEquals("sparkgrad: error: " + message + "\n", outcome.err());
  }
}
