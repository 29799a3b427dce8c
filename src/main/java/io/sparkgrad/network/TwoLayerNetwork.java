package io.sparkgrad.network;

import io.sparkgrad.math.Kernels;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;

/**
 * Forward and backward passes of the two-layer network over a block of examples, one GEMM per
 * matrix product.
 *
 * <p>Shapes (column-major; n = rows in the block, d = inputs, H = hidden, K = outputs):
 *
 * <pre>
 *   X  d×n   input block, one example per column (row-major n×d in memory)
 *   A1 H×n   = W1·X + b1          Z1 H×n = h(A1)
 *   A2 K×n   = W2·Z1 + b2         Y  K×n = softmax(A2) or A2
 *   backward, for loss L = scale · sum over the block:
 *   dA2 = ∂L/∂A2  (scale·(Y − T) for softmax+cross-entropy and identity+sum of squares)
 *   dW2 += dA2·Z1ᵀ   db2 += rowsum(dA2)   dZ1 = W2ᵀ·dA2
 *   dA1 = dZ1 ⊙ h'(A1), with h' read off Z1: Z1·(1 − Z1) for sigmoid, 1[Z1 > 0] for ReLU
 *   dW1 += dA1·Xᵀ    db1 += rowsum(dA1)
 * </pre>
 *
 * <p>With a dropout mask M (H×n, entries 0 or 1/(1 − p), see {@link
 * io.sparkgrad.math.Dropout}), training uses D = Z1 ⊙ M in place of Z1 after the hidden layer:
 * A2 = W2·D + b2, dW2 += dA2·Dᵀ, and dZ1 = (W2ᵀ·dA2) ⊙ M. Z1 itself is kept for h'.
 *
 * <p>Holds work buffers for up to {@code maxRows} examples, so an instance belongs to one thread
 * (one Spark task); it allocates nothing per call.
 */
public final class TwoLayerNetwork<A> {
  private final NetworkSpec spec;
  private final ParameterLayout layout;
  private final Kernels<A> k;
  private final int maxRows;
  private final A a1;
  private final A z1;
  private final A a2;
  private final A y;
  private final A dA2;
  /** Z1 ⊙ M under dropout; allocated on the first masked call. */
  private A dropped;
  /**
   * Each column's log-sum-exp from the last forward pass's softmax, which the cross-entropy then
   * reads instead of taking the exponentials again (the same bits: {@link
   * Kernels#crossEntropySum(Object, int[], int, int, int, double[])}); valid when
   * {@link #logSumExpKept}.
   */
  private final double[] logSumExp;
  private boolean logSumExpKept;
  /** The output layer by plain loops instead of the BLAS (scorers). */
  private final boolean outputsInOrder;

  public TwoLayerNetwork(NetworkSpec spec, Kernels<A> kernels, int maxRows) {
    this(spec, kernels, maxRows, false);
  }

  /**
   * With {@code outputsInOrder}, the output layer is multiplied by plain loops ({@link
   * Kernels#multiplyInOrder}), every class's output summed in the same order: classes with equal
   * weights tie exactly whatever the pass, so a scorer's argmax does not depend on how images
   * were batched. Training keeps the BLAS.
   */
  public TwoLayerNetwork(NetworkSpec spec, Kernels<A> kernels, int maxRows,
      boolean outputsInOrder) {
    if (maxRows <= 0) {
      throw new IllegalArgumentException("maxRows: expected a positive count; found " + maxRows);
    }
    this.spec = spec;
    this.layout = spec.layout();
    this.k = kernels;
    this.maxRows = maxRows;
    this.a1 = k.allocate(layout.hidden() * maxRows);
    this.z1 = k.allocate(layout.hidden() * maxRows);
    this.a2 = k.allocate(layout.outputs() * maxRows);
    this.y = spec.output() == OutputFunction.SOFTMAX ? k.allocate(layout.outputs() * maxRows) : a2;
    this.dA2 = k.allocate(layout.outputs() * maxRows);
    this.logSumExp = new double[maxRows];
    this.outputsInOrder = outputsInOrder;
  }

  public NetworkSpec spec() {
    return spec;
  }

  /**
   * Runs the forward pass and returns the K×rows output buffer Y (class probabilities for
   * softmax). The buffer is reused by the next call.
   */
  public A forward(A params, A x, int xOff, int rows) {
    checkInputs(params, x, xOff, rows);
    return forward(params, x, xOff, rows, null);
  }

  /** The forward pass; with a mask, the output layer reads Z1 ⊙ mask (kept in {@link #dropped}). */
  private A forward(A params, A x, int xOff, int rows, A hiddenMask) {
    int d = layout.inputs();
    int hidden = layout.hidden();
    int out = layout.outputs();
    // A1 := W1·X + b1; Z1 := h(A1)
    k.gemm("N", "N", hidden, rows, d, 1.0, params, layout.w1Offset(), hidden, x, xOff, d,
        0.0, a1, 0, hidden);
    k.addColumnBiasInPlace(a1, params, layout.b1Offset(), hidden, rows);
    k.activationForward(z1, a1, spec.activation(), hidden * rows);
    A hiddenOut = z1;
    if (hiddenMask != null) {
      k.multiply(dropped, z1, hiddenMask, hidden * rows);
      hiddenOut = dropped;
    }
    // A2 := W2·Z1 + b2; Y := g(A2)
    if (outputsInOrder) {
      k.multiplyInOrder(out, rows, hidden, params, layout.w2Offset(), hiddenOut, 0, a2, 0);
    } else {
      k.gemm("N", "N", out, rows, hidden, 1.0, params, layout.w2Offset(), out, hiddenOut, 0,
          hidden, 0.0, a2, 0, out);
    }
    k.addColumnBiasInPlace(a2, params, layout.b2Offset(), out, rows);
    logSumExpKept = false;
    if (spec.output() == OutputFunction.SOFTMAX && spec.loss() == LossFunction.CROSS_ENTROPY) {
      logSumExpKept = k.softmaxColumns(y, a2, out, rows, logSumExp);
    } else if (spec.output() == OutputFunction.SOFTMAX) {
      k.softmaxColumns(y, a2, out, rows);
    }
    return y;
  }

  /** The output buffer Y of the last forward pass (K×rows; reused by the next call). */
  public A lastOutputs() {
    return y;
  }

  /** Loss sum and correct count of the block, without gradients. */
  public BlockStats evaluate(A params, A x, int xOff, int[] labels, int labelOff, int rows) {
    checkLabels(labels, labelOff, rows);
    forward(params, x, xOff, rows);
    return statsOfLastForward(labels, labelOff, rows);
  }

  /**
   * Adds {@code gradScale} times the gradient of the block's summed loss to {@code grad} (same
   * layout as the parameters) and returns the block's loss sum and correct count. Use
   * {@code gradScale = 1/rows} for the gradient of the mean loss.
   */
  public BlockStats accumulateGradient(
      A params, A x, int xOff, int[] labels, int labelOff, int rows, A grad, double gradScale) {
    return gradient(params, x, xOff, labels, labelOff, rows, grad, gradScale, true, null);
  }

  /**
   * {@link #accumulateGradient} with dropout on the hidden layer: {@code hiddenMask} is H×rows
   * (column r for example r), 0 or 1/(1 − p) per unit, or null for none.
   */
  public BlockStats accumulateGradient(
      A params, A x, int xOff, int[] labels, int labelOff, int rows, A grad, double gradScale,
      A hiddenMask) {
    return gradient(params, x, xOff, labels, labelOff, rows, grad, gradScale, true, hiddenMask);
  }

  /**
   * Like {@link #accumulateGradient} but overwrites {@code grad} instead of adding to it (no
   * need to zero it first).
   */
  public BlockStats computeGradient(
      A params, A x, int xOff, int[] labels, int labelOff, int rows, A grad, double gradScale) {
    return gradient(params, x, xOff, labels, labelOff, rows, grad, gradScale, false, null);
  }

  /** {@link #computeGradient} with a hidden dropout mask (see {@link #accumulateGradient}). */
  public BlockStats computeGradient(
      A params, A x, int xOff, int[] labels, int labelOff, int rows, A grad, double gradScale,
      A hiddenMask) {
    return gradient(params, x, xOff, labels, labelOff, rows, grad, gradScale, false, hiddenMask);
  }

  private BlockStats gradient(
      A params, A x, int xOff, int[] labels, int labelOff, int rows, A grad, double gradScale,
      boolean accumulate, A hiddenMask) {
    spec.activation().requireTrainable("activation");
    checkInputs(params, x, xOff, rows);
    checkLabels(labels, labelOff, rows);
    layout.checkSize("gradient", k.length(grad));
    if (hiddenMask != null) {
      long needed = (long) layout.hidden() * rows;
      if (k.length(hiddenMask) < needed) {
        throw new IllegalArgumentException("hidden dropout mask: expected " + layout.hidden()
            + "×" + rows + " values; found an array of " + k.length(hiddenMask));
      }
      if (dropped == null) {
        dropped = k.allocate(layout.hidden() * maxRows);
      }
    }
    forward(params, x, xOff, rows, hiddenMask);
    A hiddenOut = hiddenMask == null ? z1 : dropped;
    BlockStats stats = statsOfLastForward(labels, labelOff, rows);

    int d = layout.inputs();
    int hidden = layout.hidden();
    int out = layout.outputs();
    double beta = accumulate ? 1.0 : 0.0;
    if (!accumulate) {
      k.zeroRange(grad, layout.b1Offset(), hidden);
      k.zeroRange(grad, layout.b2Offset(), out);
    }
    // dA2 := scale · ∂L/∂A2
    k.outputGradient(dA2, y, labels, labelOff, spec.output(), spec.loss(), gradScale, out, rows);
    // dW2 += dA2·Z1ᵀ (D under dropout); db2 += rowsum(dA2)
    k.gemm("N", "T", out, hidden, rows, 1.0, dA2, 0, out, hiddenOut, 0, hidden,
        beta, grad, layout.w2Offset(), out);
    k.addRowSums(grad, layout.b2Offset(), dA2, 1.0, out, rows);
    // dZ1 := W2ᵀ·dA2 (⊙ M) into a1 (A1 is no longer needed: both derivatives are read off
    // Z1); dA1 := dZ1 ⊙ h'(A1)
    A dA1 = a1;
    k.gemm("T", "N", hidden, rows, out, 1.0, params, layout.w2Offset(), out, dA2, 0, out,
        0.0, dA1, 0, hidden);
    if (hiddenMask != null) {
      k.multiply(dA1, dA1, hiddenMask, hidden * rows);
    }
    k.activationBackwardInPlace(dA1, z1, spec.activation(), hidden * rows);
    // dW1 += dA1·Xᵀ; db1 += rowsum(dA1)
    k.gemm("N", "T", hidden, d, rows, 1.0, dA1, 0, hidden, x, xOff, d,
        beta, grad, layout.w1Offset(), hidden);
    k.addRowSums(grad, layout.b1Offset(), dA1, 1.0, hidden, rows);
    return stats;
  }

  private BlockStats statsOfLastForward(int[] labels, int labelOff, int rows) {
    int out = layout.outputs();
    double lossSum;
    if (spec.loss() != LossFunction.CROSS_ENTROPY) {
      lossSum = k.sumOfSquaresSum(y, labels, labelOff, out, rows);
    } else if (logSumExpKept) {
      lossSum = k.crossEntropySum(a2, labels, labelOff, out, rows, logSumExp);
    } else {
      lossSum = k.crossEntropySum(a2, labels, labelOff, out, rows);
    }
    int correct = k.countCorrect(y, labels, labelOff, out, rows);
    return new BlockStats(lossSum, correct, rows);
  }

  private void checkInputs(A params, A x, int xOff, int rows) {
    layout.checkSize("parameters", k.length(params));
    if (rows <= 0 || rows > maxRows) {
      throw new IllegalArgumentException(
          "rows: expected 1.." + maxRows + " examples in a block; found " + rows);
    }
    long needed = xOff + (long) layout.inputs() * rows;
    if (xOff < 0 || needed > k.length(x)) {
      throw new IllegalArgumentException(
          "inputs: expected " + layout.inputs() + "×" + rows + " values from offset " + xOff
              + " (" + needed + " in all); found an array of " + k.length(x));
    }
  }

  private static void checkLabels(int[] labels, int labelOff, int rows) {
    if (labelOff < 0 || labelOff + (long) rows > labels.length) {
      throw new IllegalArgumentException(
          "labels: expected " + rows + " labels from offset " + labelOff + "; found an array of "
              + labels.length);
    }
  }
}
