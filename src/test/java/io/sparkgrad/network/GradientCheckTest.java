package io.sparkgrad.network;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.math.Activation;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.DoubleKernels;
import io.sparkgrad.math.Dropout;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backpropagation against central differences of the mean loss, in float64, for every trainable
 * pairing of hidden activation and output/loss, on both the best and the pure-Java BLAS.
 */
class GradientCheckTest {
  private static final int INPUTS = 6;
  private static final int HIDDEN = 5;
  private static final int OUTPUTS = 4;
  private static final int ROWS = 7;
  private static final double STEP = 1e-5;
  private static final double MAX_RELATIVE_ERROR = 1e-6;

  static Stream<Arguments> cases() {
    Stream.Builder<Arguments> cases = Stream.builder();
    for (BlasChoice blas : new BlasChoice[] {BlasChoice.AUTO, BlasChoice.JAVA}) {
      for (Activation activation : new Activation[] {Activation.SIGMOID, Activation.RELU}) {
        cases.add(Arguments.of(activation, OutputFunction.SOFTMAX, LossFunction.CROSS_ENTROPY, blas));
        cases.add(Arguments.of(activation, OutputFunction.IDENTITY, LossFunction.SUM_OF_SQUARES, blas));
        cases.add(Arguments.of(activation, OutputFunction.SOFTMAX, LossFunction.SUM_OF_SQUARES, blas));
      }
    }
    return cases.build();
  }

  @ParameterizedTest(name = "{0} + {1} + {2} on {3} BLAS")
  @MethodSource("cases")
  void backpropMatchesCentralDifferences(
      Activation activation, OutputFunction output, LossFunction loss, BlasChoice blas) {
    check(activation, output, loss, blas, null);
  }

  /**
   * With a hidden dropout mask held fixed, the masked network is an ordinary differentiable
   * function of the weights: its backprop must match central differences of its own loss.
   */
  @ParameterizedTest(name = "{0} with hidden dropout")
  @EnumSource(value = Activation.class, names = {"SIGMOID", "RELU"})
  void backpropWithHiddenDropoutMatchesCentralDifferences(Activation activation) {
    double[] mask = new double[HIDDEN * ROWS];
    new DoubleKernels(Blas.get(BlasChoice.AUTO))
        .dropoutMask(mask, 0, mask.length, Dropout.of("dropout", 0.4), new SplittableRandom(3));
    long dropped = java.util.Arrays.stream(mask).filter(m -> m == 0).count();
    assertTrue(dropped > 0 && dropped < mask.length, "the mask drops some units, not all");
    check(activation, OutputFunction.SOFTMAX, LossFunction.CROSS_ENTROPY, BlasChoice.AUTO, mask);
  }

  private static void check(Activation activation, OutputFunction output, LossFunction loss,
      BlasChoice blas, double[] mask) {
    NetworkSpec spec =
        new NetworkSpec(new ParameterLayout(INPUTS, HIDDEN, OUTPUTS), activation, output, loss);
    TwoLayerNetwork<double[]> network =
        new TwoLayerNetwork<>(spec, new DoubleKernels(Blas.get(blas)), ROWS);
    SplittableRandom random = new SplittableRandom(42);
    double[] params = new double[spec.layout().size()];
    for (int i = 0; i < params.length; i++) {
      params[i] = random.nextDouble(-1, 1);
    }
    double[] x = new double[INPUTS * ROWS];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextDouble();
    }
    if (activation == Activation.RELU) {
      moveHiddenAwayFromKink(spec, params, x);
    }
    int[] labels = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      labels[i] = random.nextInt(OUTPUTS);
    }

    double[] analytic = new double[params.length];
    network.accumulateGradient(params, x, 0, labels, 0, ROWS, analytic, 1.0 / ROWS, mask);

    // The overwriting form gives the same gradient whatever the buffer held before.
    double[] overwritten = new double[params.length];
    java.util.Arrays.fill(overwritten, 123.0);
    network.computeGradient(params, x, 0, labels, 0, ROWS, overwritten, 1.0 / ROWS, mask);
    org.junit.jupiter.api.Assertions.assertArrayEquals(analytic, overwritten, 0.0);

    ParameterLayout layout = spec.layout();
    checkGroup("W1", network, params, x, labels, mask, analytic, layout.w1Offset(), layout.w1Size());
    checkGroup("b1", network, params, x, labels, mask, analytic, layout.b1Offset(), layout.hidden());
    checkGroup("W2", network, params, x, labels, mask, analytic, layout.w2Offset(), layout.w2Size());
    checkGroup("b2", network, params, x, labels, mask, analytic, layout.b2Offset(), layout.outputs());
  }

  private static void checkGroup(
      String group, TwoLayerNetwork<double[]> network, double[] params, double[] x, int[] labels,
      double[] mask, double[] analytic, int offset, int size) {
    double worst = 0;
    for (int i = offset; i < offset + size; i++) {
      double saved = params[i];
      params[i] = saved + STEP;
      double plus = meanLoss(network, params, x, labels, mask);
      params[i] = saved - STEP;
      double minus = meanLoss(network, params, x, labels, mask);
      params[i] = saved;
      double numeric = (plus - minus) / (2 * STEP);
      double denominator = Math.max(1e-8, Math.abs(numeric) + Math.abs(analytic[i]));
      worst = Math.max(worst, Math.abs(numeric - analytic[i]) / denominator);
    }
    System.out.printf("%s: max relative error %.3e%n", group, worst);
    assertTrue(
        worst < MAX_RELATIVE_ERROR,
        group + ": max relative error " + worst + " ≥ " + MAX_RELATIVE_ERROR);
  }

  /** The mean loss of the block, under the dropout mask if there is one. */
  private static double meanLoss(
      TwoLayerNetwork<double[]> network, double[] params, double[] x, int[] labels,
      double[] mask) {
    if (mask == null) {
      return network.evaluate(params, x, 0, labels, 0, ROWS).meanLoss();
    }
    double[] unused = new double[params.length];
    return network.computeGradient(params, x, 0, labels, 0, ROWS, unused, 1.0, mask).meanLoss();
  }

  /**
   * Central differences straddling ReLU's kink at 0 are wrong by construction: shift b1 until no
   * hidden pre-activation lies within 1e-3 of 0 for these inputs (a step of 1e-5 then never
   * crosses it).
   */
  private static void moveHiddenAwayFromKink(NetworkSpec spec, double[] params, double[] x) {
    ParameterLayout layout = spec.layout();
    for (int h = 0; h < layout.hidden(); h++) {
      for (int attempt = 0; closestToKink(layout, params, x, h) < 1e-3; attempt++) {
        assertTrue(attempt < 100, "could not move hidden unit " + h + " away from ReLU's kink");
        params[layout.b1Offset() + h] += 0.01;
      }
    }
  }

  private static double closestToKink(ParameterLayout layout, double[] params, double[] x, int h) {
    double closest = Double.POSITIVE_INFINITY;
    for (int row = 0; row < ROWS; row++) {
      double a = params[layout.b1Offset() + h];
      for (int i = 0; i < layout.inputs(); i++) {
        a += params[layout.w1Offset() + h + i * layout.hidden()] * x[row * layout.inputs() + i];
      }
      closest = Math.min(closest, Math.abs(a));
    }
    return closest;
  }
}
