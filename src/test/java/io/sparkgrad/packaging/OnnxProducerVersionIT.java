package io.sparkgrad.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.export.OnnxExport;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Run by Failsafe against the packaged jar: the ONNX model's producer_version is the project's
 * version, read from the jar manifest (Implementation-Version), not the "dev" of a bare class
 * folder. In a package of its own: a test class in io.sparkgrad.export, loaded first from
 * target/test-classes, would define that package without the jar's manifest.
 */
class OnnxProducerVersionIT {
  @Test
  void producerVersionIsTheJarsVersion() {
    String version = System.getProperty("sparkgrad.project.version");
    assertNotNull(version, "failsafe passes sparkgrad.project.version");
    String location =
        OnnxExport.class.getProtectionDomain().getCodeSource().getLocation().toString();
    assertTrue(location.endsWith(".jar"), "OnnxExport loaded from the jar; found " + location);
    assertEquals(version, OnnxExport.class.getPackage().getImplementationVersion());

    NetworkSpec spec = new NetworkSpec(new ParameterLayout(4, 3, 2), Activation.RELU,
        OutputFunction.SOFTMAX, LossFunction.CROSS_ENTROPY);
    byte[] model = OnnxExport.encode(spec, new double[spec.layout().size()], Map.of());
    // ModelProto field 3 (producer_version), wire type 2: tag 0x1A, length, UTF-8 bytes.
    byte[] value = version.getBytes(StandardCharsets.UTF_8);
    byte[] field = new byte[value.length + 2];
    field[0] = 0x1A;
    field[1] = (byte) value.length;
    System.arraycopy(value, 0, field, 2, value.length);
    assertTrue(indexOf(model, field) >= 0, "producer_version " + version + " in the ONNX bytes");
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
