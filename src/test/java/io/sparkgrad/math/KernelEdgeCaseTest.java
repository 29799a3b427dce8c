package io.sparkgrad.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.TwoLayerNetwork;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The numerically dangerous corners of the kernels, and the messages of refused input. */
class KernelEdgeCaseTest {
  private final DoubleKernels doubles = new DoubleKernels(Blas.get(BlasChoice.JAVA));
  private final FloatKernels floats = new FloatKernels(Blas.get(BlasChoice.JAVA));

  @Test
  void softmaxOfHugeInputsIsFiniteAndSumsToOne() {
    double[] logits = {1000, 1000, -1000, 0, -1e4, 1e4};
    double[] probs = new double[6];
    doubles.softmaxColumns(probs, logits, 3, 2);
    assertEquals(0.5, probs[0], 1e-15);
    assertEquals(0.5, probs[1], 1e-15);
    assertEquals(0.0, probs[2], 0.0);
    assertEquals(1.0, probs[5], 1e-15);
    for (int c = 0; c < 2; c++) {
      assertEquals(1.0, probs[3 * c] + probs[3 * c + 1] + probs[3 * c + 2], 1e-6);
    }
    float[] probs32 = new float[6];
    floats.softmaxColumns(probs32, new float[] {1000, 1000, -1000, 0, -1e4f, 1e4f}, 3, 2);
    for (int c = 0; c < 2; c++) {
      assertEquals(1.0, probs32[3 * c] + probs32[3 * c + 1] + probs32[3 * c + 2], 1e-6);
    }
  }

  @Test
  void crossEntropyIsFiniteWhereTheTrueClassHasProbabilityZero() {
    // softmax([1000, -1000]) is exactly [1, 0] in double; the true class is the 0 one.
    double[] logits = {1000, -1000};
    double[] probs = new double[2];
    doubles.softmaxColumns(probs, logits, 2, 1);
    assertEquals(0.0, probs[1], 0.0);
    double loss = doubles.crossEntropySum(logits, new int[] {1}, 0, 2, 1);
    assertEquals(2000.0, loss, 1e-9, "−log softmax = log(1 + e^−2000) + 2000");
    assertEquals(2000.0, floats.crossEntropySum(new float[] {1000, -1000}, new int[] {1}, 0, 2, 1), 1e-3);
  }

  @Test
  void sigmoidHasNoOverflowForLargeInputs() {
    double[] in = {-1e4, -745, -40, 0, 40, 745, 1e4};
    double[] out = new double[in.length];
    doubles.activationForward(out, in, Activation.SIGMOID, in.length);
    for (double v : out) {
      assertTrue(Double.isFinite(v) && v >= 0 && v <= 1, "sigmoid value " + v);
    }
    assertEquals(0.0, out[0], 0.0);
    assertEquals(0.5, out[3], 0.0);
    assertEquals(1.0, out[6], 0.0);
    float[] out32 = new float[in.length];
    floats.activationForward(out32, new float[] {-1e4f, -745, -40, 0, 40, 745, 1e4f}, Activation.SIGMOID, in.length);
    for (float v : out32) {
      assertTrue(Float.isFinite(v) && v >= 0 && v <= 1, "sigmoid value " + v);
    }
  }

  @Test
  void stepAndReluForward() {
    double[] in = {-2, 0, 3};
    double[] out = new double[3];
    doubles.activationForward(out, in, Activation.STEP, 3);
    assertEquals(0.0, out[0], 0.0);
    assertEquals(0.0, out[1], 0.0);
    assertEquals(1.0, out[2], 0.0);
    doubles.activationForward(out, in, Activation.RELU, 3);
    assertEquals(0.0, out[0], 0.0);
    assertEquals(3.0, out[2], 0.0);
  }

  @Test
  void labelOutsideTheClassesIsRefusedWithRowAndRange() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> doubles.crossEntropySum(new double[] {0, 0, 0, 0, 0, 0}, new int[] {1, 3}, 0, 3, 2));
    assertEquals("label of example 1: expected 0..2; found 3", e.getMessage());
    e = assertThrows(
        IllegalArgumentException.class,
        () -> doubles.outputGradient(new double[3], new double[3], new int[] {-1}, 0,
            OutputFunction.SOFTMAX, LossFunction.CROSS_ENTROPY, 1.0, 3, 1));
    assertEquals("label of example 0: expected 0..2; found -1", e.getMessage());
  }

  @Test
  void mismatchedShapesNameTheExpectedAndFoundShape() {
    NetworkSpec spec = NetworkSpec.of(4, 3, 2, Activation.RELU, LossFunction.CROSS_ENTROPY);
    TwoLayerNetwork<double[]> network = new TwoLayerNetwork<>(spec, doubles, 5);
    double[] params = new double[spec.layout().size()];
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> network.forward(new double[10], new double[8], 0, 2));
    assertEquals("parameters: expected 23 values for a 4→3→2 network; found 10", e.getMessage());
    e = assertThrows(
        IllegalArgumentException.class, () -> network.forward(params, new double[7], 0, 2));
    assertEquals(
        "inputs: expected 4×2 values from offset 0 (8 in all); found an array of 7",
        e.getMessage());
    e = assertThrows(
        IllegalArgumentException.class, () -> network.forward(params, new double[40], 0, 6));
    assertEquals("rows: expected 1..5 examples in a block; found 6", e.getMessage());
    e = assertThrows(
        IllegalArgumentException.class,
        () -> network.accumulateGradient(params, new double[8], 0, new int[] {0, 1}, 0, 2,
            new double[22], 1.0));
    assertEquals("gradient: expected 23 values for a 4→3→2 network; found 22", e.getMessage());
  }

  @Test
  void trainingWithTheStepFunctionIsRefusedWithTheReason() {
    NetworkSpec spec = NetworkSpec.of(4, 3, 2, Activation.STEP, LossFunction.CROSS_ENTROPY);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, spec::requireTrainable);
    assertTrue(e.getMessage().startsWith("activation: 'step' cannot be trained"), e.getMessage());
    assertTrue(e.getMessage().contains("derivative is 0"), e.getMessage());
    TwoLayerNetwork<double[]> network = new TwoLayerNetwork<>(spec, doubles, 2);
    double[] params = new double[spec.layout().size()];
    assertThrows(
        IllegalArgumentException.class,
        () -> network.accumulateGradient(params, new double[8], 0, new int[] {0, 1}, 0, 2,
            new double[params.length], 1.0));
    // Forward passes with step are allowed.
    double[] y = network.forward(params, new double[8], 0, 2);
    assertEquals(1.0, y[0] + y[1], 1e-12);
  }

  @Test
  void crossEntropyNeedsSoftmax() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new NetworkSpec(new io.sparkgrad.network.ParameterLayout(4, 3, 2),
                Activation.RELU, OutputFunction.IDENTITY, LossFunction.CROSS_ENTROPY));
    assertEquals(
        "output: cross-entropy needs class probabilities, so the output function must be"
            + " 'softmax'; found 'identity'",
        e.getMessage());
  }

  @Test
  void unknownWordsAreRefusedWithTheChoices() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Activation.parse("activation", "tanh"));
    assertEquals("activation: expected one of step, sigmoid, relu; found 'tanh'", e.getMessage());
    assertEquals(LossFunction.SUM_OF_SQUARES, LossFunction.parse("loss", "sum-of-squares"));
  }

  @Test
  void pixelsScaleToTheUnitInterval() {
    byte[] pixels = {0, (byte) 128, (byte) 255};
    double[] out = new double[3];
    doubles.scalePixels(out, 0, pixels, 0, 3);
    assertEquals(0.0, out[0], 0.0);
    assertEquals(128 / 255.0, out[1], 0.0);
    assertEquals(1.0, out[2], 0.0);
  }

  @Test
  void everyPixelByteScalesToTheBitsOfItsDivisionBy255() {
    // The contract every path relies on (cached bytes scaled when a batch is gathered): exactly
    // x / 255 in the run's precision, at any offsets.
    byte[] pixels = new byte[256 + 3];
    for (int b = 0; b < 256; b++) {
      pixels[3 + b] = (byte) b;
    }
    double[] out64 = new double[2 + 256];
    float[] out32 = new float[2 + 256];
    doubles.scalePixels(out64, 2, pixels, 3, 256);
    floats.scalePixels(out32, 2, pixels, 3, 256);
    for (int b = 0; b < 256; b++) {
      assertEquals(Double.doubleToRawLongBits(b / 255.0), Double.doubleToRawLongBits(out64[2 + b]),
          "float64 pixel " + b);
      assertEquals(Float.floatToRawIntBits(b / 255.0f), Float.floatToRawIntBits(out32[2 + b]),
          "float32 pixel " + b);
    }
    assertEquals(0.0, out64[0], 0.0);
    assertEquals(0.0f, out32[1], 0.0f);
  }

  /**
   * The cross-entropy from the log-sum-exps the softmax kept is the one that takes the
   * exponentials again, bit for bit (and the probabilities are those of the plain softmax), in
   * both precisions, on logits from tiny to huge.
   */
  @Test
  void crossEntropyFromTheSoftmaxLogSumExpsHasTheSameBits() {
    int classes = 10;
    int cols = 64;
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    double[] logits64 = new double[classes * cols];
    float[] logits32 = new float[classes * cols];
    int[] labels = new int[cols + 3];
    for (int c = 0; c < cols; c++) {
      double scale = Math.pow(10, c % 8 - 4);
      for (int k = 0; k < classes; k++) {
        logits64[c * classes + k] = scale * random.nextGaussian();
        logits32[c * classes + k] = (float) logits64[c * classes + k];
      }
      labels[3 + c] = random.nextInt(classes);
    }
    logits64[5] = 1000;
    logits32[5] = 1000;
    double[] lse = new double[cols];
    double[] probs64 = new double[classes * cols];
    double[] plain64 = new double[classes * cols];
    assertTrue(doubles.softmaxColumns(probs64, logits64, classes, cols, lse));
    doubles.softmaxColumns(plain64, logits64, classes, cols);
    assertEquals(Arrays.toString(plain64), Arrays.toString(probs64));
    assertEquals(
        Double.doubleToRawLongBits(doubles.crossEntropySum(logits64, labels, 3, classes, cols)),
        Double.doubleToRawLongBits(doubles.crossEntropySum(logits64, labels, 3, classes, cols, lse)));
    float[] probs32 = new float[classes * cols];
    float[] plain32 = new float[classes * cols];
    assertTrue(floats.softmaxColumns(probs32, logits32, classes, cols, lse));
    floats.softmaxColumns(plain32, logits32, classes, cols);
    assertEquals(Arrays.toString(plain32), Arrays.toString(probs32));
    assertEquals(
        Double.doubleToRawLongBits(floats.crossEntropySum(logits32, labels, 3, classes, cols)),
        Double.doubleToRawLongBits(floats.crossEntropySum(logits32, labels, 3, classes, cols, lse)));
  }

  /**
   * The vector path of the float32 pixel scaling (taken when the JVM has the vector module, as
   * the launchers and the tests give it) on every byte at every offset of a vector and every
   * length up to three vectors: the bits of x / 255.
   */
  @Test
  void vectorPixelsGiveTheBitsOfTheDivisionAtAnyOffsetAndLength() {
    assertTrue(VectorPixels.AVAILABLE, "the test JVM has jdk.incubator.vector");
    byte[] pixels = new byte[256 + 64];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 7);
    }
    for (int offset = 0; offset < 17; offset++) {
      for (int n = 0; n <= 48 + 1; n++) {
        float[] out = new float[offset + n + 1];
        Arrays.fill(out, -1f);
        floats.scalePixels(out, offset, pixels, offset * 3, n);
        for (int i = 0; i < n; i++) {
          int b = pixels[offset * 3 + i] & 0xFF;
          assertEquals(Float.floatToRawIntBits(b / 255.0f), Float.floatToRawIntBits(out[offset + i]),
              "byte " + b + " at offset " + offset + ", length " + n);
        }
        assertEquals(-1f, out[offset + n], 0f, "nothing written past the end");
        if (offset > 0) {
          assertEquals(-1f, out[offset - 1], 0f, "nothing written before the start");
        }
      }
    }
    float[] all = new float[256];
    byte[] bytes = new byte[256];
    for (int b = 0; b < 256; b++) {
      bytes[b] = (byte) b;
    }
    assertEquals(256, VectorPixels.scale(all, 0, bytes, 0, 256));
    for (int b = 0; b < 256; b++) {
      assertEquals(Float.floatToRawIntBits(b / 255.0f), Float.floatToRawIntBits(all[b]), "byte " + b);
    }
  }
}
