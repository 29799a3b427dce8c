package io.sparkgrad.math;

import java.util.Arrays;

/** {@link Kernels} over {@code float[]} (float32, sgemm); sums that feed losses stay double. */
public final class FloatKernels extends Kernels<float[]> {
  /**
   * b / 255 for every pixel byte b, the same division done once: a look-up costs a cycle where
   * the division costs several, in the loop that scales every gathered row.
   */
  private static final float[] PIXEL_SCALE = new float[256];

  static {
    for (int b = 0; b < 256; b++) {
      PIXEL_SCALE[b] = b / 255.0f;
    }
  }

  public FloatKernels(Blas blas) {
    super(blas);
  }

  @Override
  public Precision precision() {
    return Precision.FLOAT32;
  }

  @Override
  public float[] allocate(int length) {
    return new float[length];
  }

  @Override
  public int length(float[] array) {
    return array.length;
  }

  @Override
  public void gemm(
      String transA, String transB, int m, int n, int k,
      double alpha, float[] a, int offA, int lda, float[] b, int offB, int ldb,
      double beta, float[] c, int offC, int ldc) {
    blas.sgemm(
        transA, transB, m, n, k, (float) alpha, a, offA, lda, b, offB, ldb, (float) beta, c, offC,
        ldc);
  }

  @Override
  public void multiplyInOrder(int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
      float[] c, int cOff) {
    for (int j = 0; j < n; j++) {
      int cj = cOff + j * m;
      Arrays.fill(c, cj, cj + m, 0f);
      for (int p = 0; p < k; p++) {
        float bp = b[bOff + j * k + p];
        int ap = aOff + p * m;
        for (int i = 0; i < m; i++) {
          c[cj + i] += a[ap + i] * bp;
        }
      }
    }
  }

  @Override
  public void addColumnBiasInPlace(float[] m, float[] bias, int biasOff, int rows, int cols) {
    for (int c = 0; c < cols; c++) {
      int base = c * rows;
      for (int r = 0; r < rows; r++) {
        m[base + r] += bias[biasOff + r];
      }
    }
  }

  @Override
  public void addRowSums(float[] out, int outOff, float[] m, double scale, int rows, int cols) {
    // Column by column, in memory order: the inner loop vectorizes and the reads stream.
    float s = (float) scale;
    for (int c = 0; c < cols; c++) {
      int base = c * rows;
      for (int r = 0; r < rows; r++) {
        out[outOff + r] += s * m[base + r];
      }
    }
  }

  @Override
  public void activationForward(float[] out, float[] in, Activation h, int n) {
    switch (h) {
      case SIGMOID:
        for (int i = 0; i < n; i++) {
          out[i] = (float) sigmoid(in[i]);
        }
        break;
      case RELU:
        for (int i = 0; i < n; i++) {
          out[i] = Math.max(0.0f, in[i]);
        }
        break;
      case STEP:
        for (int i = 0; i < n; i++) {
          out[i] = in[i] > 0 ? 1.0f : 0.0f;
        }
        break;
      default:
        throw new IllegalArgumentException("activation: unsupported " + h);
    }
  }

  @Override
  public void activationBackwardInPlace(
      float[] grad, float[] post, Activation h, int n) {
    h.requireTrainable("activation");
    if (h == Activation.SIGMOID) {
      for (int i = 0; i < n; i++) {
        grad[i] *= post[i] * (1.0f - post[i]);
      }
    } else {
      // 1[post > 0] without a branch, so the loop vectorizes: post·MAX_VALUE ≥ 1 for every
      // positive normal post (0 stays 0, and NaN stays NaN for the divergence guard). Only a
      // subnormal activation would get a fractional factor.
      for (int i = 0; i < n; i++) {
        grad[i] *= Math.min(post[i] * Float.MAX_VALUE, 1.0f);
      }
    }
  }

  /** The largest of {@code m[base .. base + classes)} (one column), in double. */
  private static double columnMax(float[] m, int base, int classes) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < classes; k++) {
      max = Math.max(max, m[base + k]);
    }
    return max;
  }

  @Override
  public void softmaxColumns(float[] out, float[] in, int classes, int cols) {
    softmaxColumns(out, in, classes, cols, null);
  }

  /** With {@code logSumExp} null, the softmax alone. */
  @Override
  public boolean softmaxColumns(
      float[] out, float[] in, int classes, int cols, double[] logSumExp) {
    for (int c = 0; c < cols; c++) {
      int base = c * classes;
      double max = columnMax(in, base, classes);
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        double e = Math.exp(in[base + k] - max);
        out[base + k] = (float) e;
        sum += e;
      }
      if (logSumExp != null) {
        // As crossEntropySum forms it.
        logSumExp[c] = Math.log(sum) + max;
      }
      float inv = (float) (1.0 / sum);
      for (int k = 0; k < classes; k++) {
        out[base + k] *= inv;
      }
    }
    return logSumExp != null;
  }

  @Override
  public double crossEntropySum(float[] logits, int[] labels, int labelOff, int classes, int cols,
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
  public double crossEntropySum(float[] logits, int[] labels, int labelOff, int classes, int cols) {
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
  public double sumOfSquaresSum(float[] y, int[] labels, int labelOff, int classes, int cols) {
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
  public int countCorrect(float[] y, int[] labels, int labelOff, int classes, int cols) {
    int correct = 0;
    for (int c = 0; c < cols; c++) {
      if (argmax(y, c * classes, classes) == labels[labelOff + c]) {
        correct++;
      }
    }
    return correct;
  }

  @Override
  public void argmaxColumns(int[] out, int outOff, float[] y, int classes, int cols) {
    for (int c = 0; c < cols; c++) {
      out[outOff + c] = argmax(y, c * classes, classes);
    }
  }

  private static int argmax(float[] y, int base, int classes) {
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
      float[] grad, float[] y, int[] labels, int labelOff, OutputFunction output,
      LossFunction loss, double scale, int classes, int cols) {
    boolean softmaxJacobian =
        output == OutputFunction.SOFTMAX && loss == LossFunction.SUM_OF_SQUARES;
    for (int c = 0; c < cols; c++) {
      int label = labels[labelOff + c];
      checkLabel(label, c, classes);
      int base = c * classes;
      if (!softmaxJacobian) {
        for (int k = 0; k < classes; k++) {
          grad[base + k] = (float) (scale * (y[base + k] - (k == label ? 1.0 : 0.0)));
        }
      } else {
        double dot = 0;
        for (int k = 0; k < classes; k++) {
          dot += (y[base + k] - (k == label ? 1.0 : 0.0)) * y[base + k];
        }
        for (int k = 0; k < classes; k++) {
          double e = y[base + k] - (k == label ? 1.0 : 0.0);
          grad[base + k] = (float) (scale * y[base + k] * (e - dot));
        }
      }
    }
  }

  @Override
  public void addToDouble(double[] dst, int dstOff, float[] src, int n) {
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] += src[i];
    }
  }

  @Override
  public void copyFromDouble(float[] dst, double[] src, int n) {
    for (int i = 0; i < n; i++) {
      dst[i] = (float) src[i];
    }
  }

  @Override
  public void copyToDouble(double[] dst, float[] src, int n) {
    for (int i = 0; i < n; i++) {
      dst[i] = src[i];
    }
  }

  @Override
  public void scalePixels(float[] dst, int dstOff, byte[] src, int srcOff, int n) {
    int i = VectorPixels.AVAILABLE ? VectorPixels.scale(dst, dstOff, src, srcOff, n) : 0;
    for (; i < n; i++) {
      dst[dstOff + i] = PIXEL_SCALE[src[srcOff + i] & 0xFF];
    }
  }

  @Override
  public void copy(float[] dst, int dstOff, float[] src, int srcOff, int n) {
    System.arraycopy(src, srcOff, dst, dstOff, n);
  }

  @Override
  public void multiply(float[] out, float[] a, float[] b, int n) {
    for (int i = 0; i < n; i++) {
      out[i] = a[i] * b[i];
    }
  }

  @Override
  public void fillRange(float[] a, int from, int n, double value) {
    java.util.Arrays.fill(a, from, from + n, (float) value);
  }

  @Override
  public void dropoutInPlace(
      float[] x, int off, int n, Dropout dropout, java.util.SplittableRandom random) {
    float keep = (float) dropout.keepScale();
    int threshold = dropout.threshold();
    int i = 0;
    while (i < n) {
      long bits = random.nextLong();
      for (int end = Math.min(i + 4, n); i < end; i++, bits >>>= 16) {
        x[off + i] *= (int) (bits & 0xFFFF) >= threshold ? keep : 0.0f;
      }
    }
  }

  @Override
  public void zeroRange(float[] a, int from, int n) {
    java.util.Arrays.fill(a, from, from + n, 0.0f);
  }
}
