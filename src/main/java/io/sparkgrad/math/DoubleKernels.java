package io.sparkgrad.math;

import java.util.Arrays;

/** {@link Kernels} over {@code double[]} (float64, dgemm). */
public final class DoubleKernels extends Kernels<double[]> {
  /**
   * b / 255 for every pixel byte b, the same division done once: a look-up costs a cycle where
   * the division costs several, in the loop that scales every gathered row.
   */
  private static final double[] PIXEL_SCALE = new double[256];

  static {
    for (int b = 0; b < 256; b++) {
      PIXEL_SCALE[b] = b / 255.0;
    }
  }

  public DoubleKernels(Blas blas) {
    super(blas);
  }

  @Override
  public Precision precision() {
    return Precision.FLOAT64;
  }

  @Override
  public double[] allocate(int length) {
    return new double[length];
  }

  @Override
  public int length(double[] array) {
    return array.length;
  }

  @Override
  public void gemm(
      String transA, String transB, int m, int n, int k,
      double alpha, double[] a, int offA, int lda, double[] b, int offB, int ldb,
      double beta, double[] c, int offC, int ldc) {
    blas.dgemm(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
  }

  @Override
  public void multiplyInOrder(int m, int n, int k, double[] a, int aOff, double[] b, int bOff,
      double[] c, int cOff) {
    for (int j = 0; j < n; j++) {
      int cj = cOff + j * m;
      Arrays.fill(c, cj, cj + m, 0.0);
      for (int p = 0; p < k; p++) {
        double bp = b[bOff + j * k + p];
        int ap = aOff + p * m;
        for (int i = 0; i < m; i++) {
          c[cj + i] += a[ap + i] * bp;
        }
      }
    }
  }

  @Override
  public void addColumnBiasInPlace(double[] m, double[] bias, int biasOff, int rows, int cols) {
    for (int c = 0; c < cols; c++) {
      int base = c * rows;
      for (int r = 0; r < rows; r++) {
        m[base + r] += bias[biasOff + r];
      }
    }
  }

  @Override
  public void addRowSums(double[] out, int outOff, double[] m, double scale, int rows, int cols) {
    // Column by column, in memory order: the inner loop vectorizes and the reads stream.
    double s = scale;
    for (int c = 0; c < cols; c++) {
      int base = c * rows;
      for (int r = 0; r < rows; r++) {
        out[outOff + r] += s * m[base + r];
      }
    }
  }

  @Override
  public void activationForward(double[] out, double[] in, Activation h, int n) {
    switch (h) {
      case SIGMOID:
        for (int i = 0; i < n; i++) {
          out[i] = sigmoid(in[i]);
        }
        break;
      case RELU:
        for (int i = 0; i < n; i++) {
          out[i] = Math.max(0.0, in[i]);
        }
        break;
      case STEP:
        for (int i = 0; i < n; i++) {
          out[i] = in[i] > 0 ? 1.0 : 0.0;
        }
        break;
      default:
        throw new IllegalArgumentException("activation: unsupported " + h);
    }
  }

  @Override
  public void activationBackwardInPlace(
      double[] grad, double[] post, Activation h, int n) {
    h.requireTrainable("activation");
    if (h == Activation.SIGMOID) {
      for (int i = 0; i < n; i++) {
        grad[i] *= post[i] * (1.0 - post[i]);
      }
    } else {
      // 1[post > 0] without a branch, so the loop vectorizes: post·MAX_VALUE ≥ 1 for every
      // positive normal post (0 stays 0, and NaN stays NaN for the divergence guard). Only a
      // subnormal activation would get a fractional factor.
      for (int i = 0; i < n; i++) {
        grad[i] *= Math.min(post[i] * Double.MAX_VALUE, 1.0);
      }
    }
  }

  /** The largest of {@code m[base .. base + classes)} (one column), in double. */
  private static double columnMax(double[] m, int base, int classes) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < classes; k++) {
      max = Math.max(max, m[base + k]);
    }
    return max;
  }

  @Override
  public void softmaxColumns(double[] out, double[] in, int classes, int cols) {
    softmaxColumns(out, in, classes, cols, null);
  }

  /** With {@code logSumExp} null, the softmax alone. */
  @Override
  public boolean softmaxColumns(
      double[] out, double[] in, int classes, int cols, double[] logSumExp) {
    for (int c = 0; c < cols; c++) {
      int base = c * classes;
      double max = columnMax(in, base, classes);
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        double e = Math.exp(in[base + k] - max);
        out[base + k] = e;
        sum += e;
      }
      if (logSumExp != null) {
        // As crossEntropySum forms it.
        logSumExp[c] = Math.log(sum) + max;
      }
      double inv = 1.0 / sum;
      for (int k = 0; k < classes; k++) {
        out[base + k] *= inv;
      }
    }
    return logSumExp != null;
  }

  @Override
  public double crossEntropySum(double[] logits, int[] labels, int labelOff, int classes, int cols,
      double[] logSumExp) {
    double total = 0;
    for (int c = 0; c < cols; c++) {
      int label = labels[labelOff + c];
      checkLabel(label, c, classes);
      total += logSumExp[c] - logits[c * classes + label];
    }
    return total;
  }

  @Override
  public double crossEntropySum(double[] logits, int[] labels, int labelOff, int classes, int cols) {
    double total = 0;
    for (int c = 0; c < cols; c++) {
      int label = labels[labelOff + c];
      checkLabel(label, c, classes);
      int base = c * classes;
      double max = columnMax(logits, base, classes);
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        sum += Math.exp(logits[base + k] - max);
      }
      total += Math.log(sum) + max - logits[base + label];
    }
    return total;
  }

  @Override
  public double sumOfSquaresSum(double[] y, int[] labels, int labelOff, int classes, int cols) {
    double total = 0;
    for (int c = 0; c < cols; c++) {
      int label = labels[labelOff + c];
      checkLabel(label, c, classes);
      int base = c * classes;
      for (int k = 0; k < classes; k++) {
        double e = y[base + k] - (k == label ? 1.0 : 0.0);
        total += e * e;
      }
    }
    return 0.5 * total;
  }

  @Override
  public int countCorrect(double[] y, int[] labels, int labelOff, int classes, int cols) {
    int correct = 0;
    for (int c = 0; c < cols; c++) {
      if (argmax(y, c * classes, classes) == labels[labelOff + c]) {
        correct++;
      }
    }
    return correct;
  }

  @Override
  public void argmaxColumns(int[] out, int outOff, double[] y, int classes, int cols) {
    for (int c = 0; c < cols; c++) {
      out[outOff + c] = argmax(y, c * classes, classes);
    }
  }

  private static int argmax(double[] y, int base, int classes) {
    int best = 0;
    for (int k = 1; k < classes; k++) {
      if (y[base + k] > y[base + best]) {
        best = k;
      }
    }
    return best;
  }

  @Override
  public void outputGradient(
      double[] grad, double[] y, int[] labels, int labelOff, OutputFunction output,
      LossFunction loss, double scale, int classes, int cols) {
    boolean softmaxJacobian =
        output == OutputFunction.SOFTMAX && loss == LossFunction.SUM_OF_SQUARES;
    for (int c = 0; c < cols; c++) {
      int label = labels[labelOff + c];
      checkLabel(label, c, classes);
      int base = c * classes;
      if (!softmaxJacobian) {
        for (int k = 0; k < classes; k++) {
          grad[base + k] = scale * (y[base + k] - (k == label ? 1.0 : 0.0));
        }
      } else {
        double dot = 0;
        for (int k = 0; k < classes; k++) {
          dot += (y[base + k] - (k == label ? 1.0 : 0.0)) * y[base + k];
        }
        for (int k = 0; k < classes; k++) {
          double e = y[base + k] - (k == label ? 1.0 : 0.0);
          grad[base + k] = scale * y[base + k] * (e - dot);
        }
      }
    }
  }

  @Override
  public void addToDouble(double[] dst, int dstOff, double[] src, int n) {
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] += src[i];
    }
  }

  @Override
  public void copyFromDouble(double[] dst, double[] src, int n) {
    System.arraycopy(src, 0, dst, 0, n);
  }

  @Override
  public void copyToDouble(double[] dst, double[] src, int n) {
    System.arraycopy(src, 0, dst, 0, n);
  }

  @Override
  public void scalePixels(double[] dst, int dstOff, byte[] src, int srcOff, int n) {
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] = PIXEL_SCALE[src[srcOff + i] & 0xFF];
    }
  }

  @Override
  public void copy(double[] dst, int dstOff, double[] src, int srcOff, int n) {
    System.arraycopy(src, srcOff, dst, dstOff, n);
  }

  @Override
  public void multiply(double[] out, double[] a, double[] b, int n) {
    for (int i = 0; i < n; i++) {
      out[i] = a[i] * b[i];
    }
  }

  @Override
  public void fillRange(double[] a, int from, int n, double value) {
    java.util.Arrays.fill(a, from, from + n, value);
  }

  @Override
  public void dropoutInPlace(
      double[] x, int off, int n, Dropout dropout, java.util.SplittableRandom random) {
    double keep = dropout.keepScale();
    int threshold = dropout.threshold();
    int i = 0;
    while (i < n) {
      long bits = random.nextLong();
      for (int end = Math.min(i + 4, n); i < end; i++, bits >>>= 16) {
        x[off + i] *= (int) (bits & 0xFFFF) >= threshold ? keep : 0.0;
      }
    }
  }

  @Override
  public void zeroRange(double[] a, int from, int n) {
    java.util.Arrays.fill(a, from, from + n, 0.0);
  }
}
