package io.sparkgrad.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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

  /**
   * The float32 form of each rule follows the float64 one over many steps (to float rounding),
   * its state reads back through {@link Optimizer#state()}, and a double step after float steps
   * continues from that state.
   */
  @ParameterizedTest
  @EnumSource(OptimizerKind.class)
  void float32StepsFollowTheFloat64Rule(OptimizerKind kind) {
    ParameterLayout wide = new ParameterLayout(6, 5, 3);
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    double[] start = random.doubles(wide.size(), -1, 1).toArray();
    Optimizer inDouble = kind.create(wide, 1e-3);
    Optimizer inFloat = kind.create(wide, 1e-3);
    double[] w = start.clone();
    float[] wf = new float[wide.size()];
    for (int i = 0; i < wf.length; i++) {
      wf[i] = (float) start[i];
    }
    for (int step = 0; step < 20; step++) {
      double[] grad = random.doubles(wide.size(), -1, 1).toArray();
      float[] gradF = new float[grad.length];
      for (int i = 0; i < grad.length; i++) {
        gradF[i] = (float) grad[i];
      }
      inDouble.step(w, grad, 0.01);
      inFloat.step(wf, gradF, 0.01);
    }
    for (int i = 0; i < w.length; i++) {
      assertEquals(w[i], wf[i], 2e-5, kind + " parameter " + i);
      assertNotEquals(start[i], wf[i], kind + " parameter " + i + " moved");
    }
    double[] stateD = inDouble.state();
    double[] stateF = inFloat.state();
    for (int i = 0; i < stateD.length; i++) {
      assertEquals(stateD[i], stateF[i], 1e-5 * Math.max(1, Math.abs(stateD[i])), "state " + i);
    }
    double[] grad = random.doubles(wide.size(), -1, 1).toArray();
    double[] wAfter = new double[wf.length];
    for (int i = 0; i < wf.length; i++) {
      wAfter[i] = wf[i];
    }
    inDouble.step(w, grad.clone(), 0.01);
    inFloat.step(wAfter, grad.clone(), 0.01);
    assertArrayEquals(w, wAfter, 2e-5);
  }

  /**
   * A weight whose gradient stays 0 (a pixel that is always blank) must not leave subnormal
   * numbers in the state, whose arithmetic is many times slower: moments that decay below
   * Optimizer.TINY are flushed to 0.
   */
  @ParameterizedTest
  @EnumSource(value = OptimizerKind.class, names = {"MOMENTUM", "ADAM"})
  void decayingStateNeverGoesSubnormal(OptimizerKind kind) {
    Optimizer inFloat = kind.create(layout, 0);
    Optimizer inDouble = kind.create(layout, 0);
    float[] wf = new float[4];
    double[] wd = new double[4];
    inFloat.step(wf, new float[] {1e-3f, 1e-3f, 1e-3f, 1e-3f}, 0.01);
    inDouble.step(wd, new double[] {1e-3, 1e-3, 1e-3, 1e-3}, 0.01);
    // Then gradient 0 for longer than any state takes to decay through the subnormal range
    // (0.9^n·1e-4 passes float's 1.2e-38 after about 750 steps, double's after about 6600).
    for (int step = 0; step < 8000; step++) {
      inFloat.step(wf, new float[4], 0.01);
      inDouble.step(wd, new double[4], 0.01);
      if (step % 50 == 0 || step > 7990) {
        for (double value : inFloat.state()) {
          float asFloat = (float) value;
          assertTrue(asFloat == 0 || Math.abs(asFloat) >= Float.MIN_NORMAL,
              kind + " float32 state at step " + step + ": subnormal " + value);
        }
        for (double value : inDouble.state()) {
          assertTrue(value == 0 || Math.abs(value) >= Double.MIN_NORMAL,
              kind + " float64 state at step " + step + ": subnormal " + value);
        }
      }
    }
  }

  /**
   * Step.applySum is add-then-apply, bit for bit, for every optimizer, with and without weight
   * decay, through the steps where Adam flushes its tiny moments (every 100th), from moments that
   * include tiny ones; the ranges split as a worker splits them.
   */
  @ParameterizedTest
  @EnumSource(OptimizerKind.class)
  void applySumIsTheSumThenTheStepBitForBit(OptimizerKind kind) {
    ParameterLayout big = new ParameterLayout(30, 20, 10);
    int n = big.size();
    for (double decay : new double[] {0, 1e-3}) {
      java.util.SplittableRandom random = new java.util.SplittableRandom(17);
      float[] w1 = new float[n];
      for (int i = 0; i < n; i++) {
        w1[i] = (float) random.nextGaussian();
      }
      float[] w2 = w1.clone();
      Optimizer separate = kind.create(big, decay);
      Optimizer fused = kind.create(big, decay);
      double[] state = new double[separate.stateSize()];
      for (int i = 0; i < state.length - (kind == OptimizerKind.ADAM ? 1 : 0); i++) {
        state[i] = i % 7 == 0 ? 1e-31 * random.nextDouble() : 1e-4 * random.nextDouble();
      }
      separate.setState(state);
      fused.setState(state);
      for (int t = 0; t < 205; t++) {
        float[] first = new float[n];
        float[] last = new float[n];
        for (int i = 0; i < n; i++) {
          // A seventh of the parameters get no gradient (like always-blank pixels): their
          // moments decay towards the tiny ones that Adam flushes every 100th step.
          first[i] = i % 7 == 0 ? 0 : (float) (1e-2 * random.nextGaussian());
          last[i] = i % 7 == 0 ? 0 : (float) (1e-2 * random.nextGaussian());
        }
        float[] sum = first.clone();
        Optimizer.Step a = separate.begin(1e-3, true);
        Optimizer.Step b = fused.begin(1e-3, true);
        for (int from = 0; from < n; from += 97) {
          int to = Math.min(n, from + 97);
          for (int i = from; i < to; i++) {
            sum[i] += last[i];
          }
          a.apply(w1, sum, from, to);
          b.applySum(w2, first, last, from, to);
        }
      }
      for (int i = 0; i < n; i++) {
        assertEquals(Float.floatToRawIntBits(w1[i]), Float.floatToRawIntBits(w2[i]),
            kind + " decay " + decay + " parameter " + i);
      }
      assertArrayEquals(separate.state(), fused.state(), 0.0, kind + " decay " + decay);
    }
  }
}
