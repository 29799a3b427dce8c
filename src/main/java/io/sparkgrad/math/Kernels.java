package io.sparkgrad.math;

/**
 * The array kernels of the network for one element type {@code A} ({@code double[]} or
 * {@code float[]}).
 *
 * <p>Conventions, as in BLAS: matrices are column-major; a block of {@code n} examples with
 * {@code d} features is a d×n matrix, so each example is one contiguous column. Outputs come
 * first in argument lists and dimensions last. {@code ...InPlace} methods mutate an argument.
 * Sums that feed a loss or an accuracy are accumulated in double whatever {@code A} is.
 */
public abstract class Kernels<A> {
  protected final Blas blas;

  protected Kernels(Blas blas) {
    this.blas = blas;
  }

  public final Blas blas() {
    return blas;
  }

  public abstract Precision precision();

  public abstract A allocate(int length);

  public abstract int length(A array);

  /** {@code C := alpha * op(A) * op(B) + beta * C}; see {@link Blas#dgemm}. */
  public abstract void gemm(
      String transA, String transB, int m, int n, int k,
      double alpha, A a, int offA, int lda, A b, int offB, int ldb,
      double beta, A c, int offC, int ldc);

  /**
   * C (m×n, ld m) := A (m×k, ld m) · B (k×n, ld k) by plain loops, each element summed over k in
   * order: the same arithmetic for every row and column, which a BLAS kernel does not promise
   * (an AVX-512 OpenBLAS rounds some rows of some products differently from others with the same
   * values). For small products whose exact ties must stay ties (a scorer's output layer).
   */
  public abstract void multiplyInOrder(int m, int n, int k, A a, int aOff, A b, int bOff, A c,
      int cOff);

  /** {@code m[r, c] += bias[biasOff + r]} for the rows×cols matrix m. */
  public abstract void addColumnBiasInPlace(A m, A bias, int biasOff, int rows, int cols);

  /** {@code out[outOff + r] += scale * sum_c m[r, c]} for the rows×cols matrix m. */
  public abstract void addRowSums(A out, int outOff, A m, double scale, int rows, int cols);

  /** {@code out[i] := h(in[i])} for i < n. {@code out} may be {@code in}. */
  public abstract void activationForward(A out, A in, Activation h, int n);

  /**
   * {@code grad[i] := grad[i] * h'(pre[i])} for i < n, with the derivative read off
   * {@code post = h(pre)}: post·(1 − post) for sigmoid, 1[post > 0] (= 1[pre > 0]) for ReLU.
   */
  public abstract void activationBackwardInPlace(A grad, A post, Activation h, int n);

  /**
   * {@code out[:, c] := softmax(in[:, c])} per column of the classes×cols matrix, with the column
   * maximum subtracted first so that no exponential overflows. {@code out} may be {@code in}.
   */
  public abstract void softmaxColumns(A out, A in, int classes, int cols);

  /**
   * {@code sum_c -log softmax(logits[:, c])[label_c]} in log-softmax form:
   * {@code log(sum_k exp(a_k - m)) + m - a_label}; finite for any finite logits.
   */
  public abstract double crossEntropySum(
      A logits, int[] labels, int labelOff, int classes, int cols);

  /**
   * {@link #softmaxColumns(Object, Object, int, int)}, also keeping each column's log-sum-exp
   * {@code log(sum_k exp(a_k - m)) + m} in {@code logSumExp[c]}, formed exactly as {@link
   * #crossEntropySum(Object, int[], int, int, int)} forms it, so that {@link
   * #crossEntropySum(Object, int[], int, int, int, double[])} gives the same bits without taking
   * the exponentials again. Returns whether it kept them (kernels that do not just run the
   * softmax and return false).
   */
  public boolean softmaxColumns(A out, A in, int classes, int cols, double[] logSumExp) {
    softmaxColumns(out, in, classes, cols);
    return false;
  }

  /**
   * {@link #crossEntropySum(Object, int[], int, int, int)} from the log-sum-exps that {@link
   * #softmaxColumns(Object, Object, int, int, double[])} kept for these logits (when it returned
   * true): the same value, bit for bit.
   */
  public double crossEntropySum(
      A logits, int[] labels, int labelOff, int classes, int cols, double[] logSumExp) {
    return crossEntropySum(logits, labels, labelOff, classes, cols);
  }

  /** {@code sum_c ½ sum_k (y[k, c] - onehot(label_c)[k])²}. */
  public abstract double sumOfSquaresSum(A y, int[] labels, int labelOff, int classes, int cols);

  /** How many columns have their largest entry at the label's row (first maximum wins). */
  public abstract int countCorrect(A y, int[] labels, int labelOff, int classes, int cols);

  /** {@code argmax_k y[k, c]} per column into {@code out[outOff + c]}. */
  public abstract void argmaxColumns(int[] out, int outOff, A y, int classes, int cols);

  /**
   * Gradient of the summed loss with respect to the output layer's affine result a, scaled:
   * {@code grad[:, c] := scale * (y - t)} for softmax with cross-entropy and for identity with
   * sum of squares; {@code scale * y ⊙ (e - (eᵀy))} with {@code e = y - t} for softmax with sum
   * of squares (the softmax Jacobian applied to e).
   */
  public abstract void outputGradient(
      A grad, A y, int[] labels, int labelOff, OutputFunction output, LossFunction loss,
      double scale, int classes, int cols);

  /** {@code dst[dstOff + i] += src[i]} for i < n, widening to double. */
  public abstract void addToDouble(double[] dst, int dstOff, A src, int n);

  /** {@code dst[i] := src[i]} for i < n, widening to double. */
  public abstract void copyToDouble(double[] dst, A src, int n);

  /** {@code dst[i] := src[i]} for i < n, converting from double. */
  public abstract void copyFromDouble(A dst, double[] src, int n);

  /** {@code dst[dstOff + i] := src[srcOff + i] / 255} for i < n: pixel bytes to [0, 1]. */
  public abstract void scalePixels(A dst, int dstOff, byte[] src, int srcOff, int n);

  /** {@code dst[dstOff + i] := src[srcOff + i]} for i < n. */
  public abstract void copy(A dst, int dstOff, A src, int srcOff, int n);

  /** {@code out[i] := a[i] * b[i]} for i < n; {@code out} may be {@code a} or {@code b}. */
  public abstract void multiply(A out, A a, A b, int n);

  /**
   * {@code mask[off + i] :=} 1/(1 − p) for a kept unit, 0 for a dropped one, for i < n, from the
   * next draws of {@code random} (see {@link Dropout}).
   */
  public final void dropoutMask(
      A mask, int off, int n, Dropout dropout, java.util.SplittableRandom random) {
    fillRange(mask, off, n, 1.0);
    dropoutInPlace(mask, off, n, dropout, random);
  }

  /**
   * {@code x[off + i] *=} 1/(1 − p) or 0, for i < n: the same draws as {@link #dropoutMask}
   * applied in place.
   */
  public abstract void dropoutInPlace(
      A x, int off, int n, Dropout dropout, java.util.SplittableRandom random);

  /** {@code a[from + i] := value} for i < n. */
  public abstract void fillRange(A a, int from, int n, double value);

  /** {@code a[i] := 0} for i < n. */
  public void zero(A a, int n) {
    zeroRange(a, 0, n);
  }

  /** {@code a[from + i] := 0} for i < n. */
  public abstract void zeroRange(A a, int from, int n);

  /** Label check shared by the loss kernels: the message names the row, value and range. */
  protected static void checkLabel(int label, int column, int classes) {
    if (label < 0 || label >= classes) {
      throw new IllegalArgumentException(
          "label of example " + column + ": expected 0.." + (classes - 1) + "; found " + label);
    }
  }

  /** Numerically safe logistic function: never evaluates exp of a large positive number. */
  protected static double sigmoid(double x) {
    if (x >= 0) {
      return 1.0 / (1.0 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1.0 + e);
  }
}
