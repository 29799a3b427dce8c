package io.sparkgrad.predict;

import io.sparkgrad.math.Blas;
import io.sparkgrad.math.DoubleKernels;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.TwoLayerNetwork;

/**
 * Class probabilities for images of pixel bytes, in float64 whatever precision the model was
 * trained in: up to {@link #BLOCK_ROWS} examples per forward pass (one GEMM per layer). Plain
 * Java; an instance belongs to one thread (one Spark task).
 */
public final class PredictionScorer {
  public static final int BLOCK_ROWS = 512;

  private final TwoLayerNetwork<double[]> network;
  private final DoubleKernels k;
  private final double[] params;
  private final double[] x;

  public PredictionScorer(NetworkSpec spec, double[] params) {
    spec.layout().checkSize("parameters", params.length);
    this.k = new DoubleKernels(Blas.best());
    this.network = new TwoLayerNetwork<>(spec, k, BLOCK_ROWS);
    this.params = params;
    this.x = new double[spec.inputs() * BLOCK_ROWS];
  }

  public int classes() {
    return network.spec().outputs();
  }

  public int inputs() {
    return network.spec().inputs();
  }

  /**
   * Scores {@code rows} (1..{@link #BLOCK_ROWS}) images stored one after another in
   * {@code pixels} from {@code offset} ({@code inputs} bytes each) and writes their outputs to
   * {@code out}: K×rows column-major, i.e. example r's K values at {@code out[r·K ..]} (class
   * probabilities for a softmax model, raw outputs for an identity one).
   */
  public void score(byte[] pixels, int offset, int rows, double[] out) {
    int inputs = inputs();
    int classes = classes();
    if (out.length < rows * classes) {
      throw new IllegalArgumentException("out: expected room for " + rows + "×" + classes
          + " values; found an array of " + out.length);
    }
    // X: d×rows column-major, each example one contiguous column scaled to [0, 1].
    k.scalePixels(x, 0, pixels, offset, inputs * rows);
    double[] y = network.forward(params, x, 0, rows);
    System.arraycopy(y, 0, out, 0, rows * classes);
  }

  /** The index of the largest of {@code values[offset .. offset + count)} (the first, on ties). */
  public static int argmax(double[] values, int offset, int count) {
    int best = 0;
    for (int i = 1; i < count; i++) {
      if (values[offset + i] > values[offset + best]) {
        best = i;
      }
    }
    return best;
  }
}
