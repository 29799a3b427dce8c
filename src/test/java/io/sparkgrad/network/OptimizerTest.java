package io.sparkgrad.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Each optimizer's update rule on hand-computed values, and state ownership. */
class OptimizerTest {
  // 1→1→1 network: params [w1, b1, w2, b2].
  private final ParameterLayout layout = new ParameterLayout(1, 1, 1);

  @Test
  void sgdStepsAgainstTheGradient() {
    double[] w = {1, 2, 3, 4};
    OptimizerKind.SGD.create(layout, 0).step(w, new double[] {1, -1, 0.5, 0}, 0.1);
    assertArrayEquals(new double[] {0.9, 2.1, 2.95, 4}, w, 1e-15);
  }

  @Test
  void weightDecayAppliesToWeightsOnly() {
    double[] w = {1, 2, 3, 4};
    OptimizerKind.SGD.create(layout, 0.5).step(w, new double[4], 0.1);
    // w -= 0.1 * 0.5 * w for W1 and W2; biases untouched.
    assertArrayEquals(new double[] {0.95, 2, 2.85, 4}, w, 1e-15);
    assertEquals(0.5 * 0.5 * (1 + 9), layout.weightPenalty(new double[] {1, 2, 3, 4}, 0.5), 1e-15);
  }

  @Test
  void momentumAccumulatesVelocity() {
    double[] w = {0, 0, 0, 0};
    Optimizer momentum = OptimizerKind.MOMENTUM.create(layout, 0);
    momentum.step(w, new double[] {1, 0, 0, 0}, 0.1);
    momentum.step(w, new double[] {1, 0, 0, 0}, 0.1);
    // v1 = -0.1; v2 = 0.9·(-0.1) - 0.1 = -0.19; w = -0.29
    assertEquals(-0.29, w[0], 1e-15);
  }

  @Test
  void adaGradScalesByTheRootOfSummedSquares() {
    double[] w = {0, 0, 0, 0};
    Optimizer adaGrad = OptimizerKind.ADAGRAD.create(layout, 0);
    adaGrad.step(w, new double[] {2, 0, 0, 0}, 0.1);
    adaGrad.step(w, new double[] {2, 0, 0, 0}, 0.1);
    double expected = -0.1 * 2 / (2 + 1e-7) - 0.1 * 2 / (Math.sqrt(8) + 1e-7);
    assertEquals(expected, w[0], 1e-15);
  }

  @Test
  void adamFirstStepMovesByTheLearningRate() {
    double[] w = {0, 0, 0, 0};
    Optimizer adam = OptimizerKind.ADAM.create(layout, 0);
    adam.step(w, new double[] {3, -0.5, 1e-3, 0}, 0.001);
    // With bias correction, m̂ = g and v̂ = g², so the first step is -lr·g / (|g| + ε).
    assertEquals(-0.001 * 3 / (3 + 1e-8), w[0], 1e-18);
    assertEquals(0.001 * 0.5 / (0.5 + 1e-8), w[1], 1e-18);
    assertEquals(-0.001 * 1e-3 / (1e-3 + 1e-8), w[2], 1e-16);
    assertEquals(0.0, w[3], 0.0);
    assertEquals(1.0, adam.state()[2 * layout.size()], 0.0, "step count");
    // A second step with the same gradient: m̂ = g, v̂ = g² again, so again -lr·g/(|g|+ε).
    adam.step(w, new double[] {3, -0.5, 1e-3, 0}, 0.001);
    assertEquals(-2 * 0.001 * 3 / (3 + 1e-8), w[0], 1e-17);
  }

  @Test
  void copiesOwnTheirState() {
    Optimizer original = OptimizerKind.ADAM.create(layout, 0);
    original.step(new double[4], new double[] {1, 1, 1, 1}, 0.01);
    Optimizer copy = original.copy();
    assertArrayEquals(original.state(), copy.state(), 0.0);
    copy.step(new double[4], new double[] {1, 1, 1, 1}, 0.01);
    assertNotEquals(Arrays.toString(original.state()), Arrays.toString(copy.state()));
  }

  @Test
  void stateOfTheWrongSizeIsRefused() {
    Optimizer adam = OptimizerKind.ADAM.create(layout, 0);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> adam.setState(new double[3]));
    assertEquals("adam state: expected 9 values; found 3", e.getMessage());
  }
}
