package io.sparkgrad.evaluation;

import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Kernels;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.BlockStats;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.TwoLayerNetwork;

/**
 * The one scorer of a trained model, used by evaluation and by prediction alike: the network's
 * own forward pass in the model's precision, up to {@link #CHUNK_ROWS} examples per pass (one
 * GEMM per layer), and the kernels' argmax (the one training counts correct with), so that
 * {@code evaluate} and {@code predict} pick the same class even on a near-tie. The output layer
 * is multiplied in order ({@link Kernels#multiplyInOrder}), not by the BLAS, which rounds some
 * classes of some passes differently: classes that tie exactly stay tied however evaluate and
 * predict batch the images. Plain Java; an instance belongs to one thread (one Spark task).
 *
 * <p>After each pass, {@link #predicted(int)} and {@link #output(int, int)} hold the chunk's
 * classes and its K×rows outputs Y widened to double (class probabilities for a softmax model,
 * raw outputs for an identity one).
 */
public final class Scorer<A> {
  public static final int CHUNK_ROWS = 1024;

  private final TwoLayerNetwork<A> network;
  private final Kernels<A> k;
  private final A params;
  private final int classes;
  private final int inputs;
  private final int[] predicted = new int[CHUNK_ROWS];
  private final double[] outputs;
  /** Scaled pixels of the current chunk; allocated on the first call that scores pixels. */
  private A pixelBuffer;

  /** A scorer of {@code params} in {@code precision} on the chosen BLAS. */
  @SuppressWarnings("unchecked")
  public static Scorer<?> create(
      NetworkSpec spec, Precision precision, BlasChoice blas, double[] params) {
    return new Scorer<>(spec, (Kernels<Object>) precision.kernels(Blas.get(blas)), params);
  }

  private Scorer(NetworkSpec spec, Kernels<A> kernels, double[] params) {
    spec.layout().checkSize("parameters", params.length);
    this.k = kernels;
    this.network = new TwoLayerNetwork<>(spec, kernels, CHUNK_ROWS, true);
    this.params = k.allocate(params.length);
    k.copyFromDouble(this.params, params, params.length);
    this.classes = spec.outputs();
    this.inputs = spec.inputs();
    this.outputs = new double[classes * CHUNK_ROWS];
  }

  public int classes() {
    return classes;
  }

  public int inputs() {
    return inputs;
  }

  /**
   * Scores {@code rows} (1..{@link #CHUNK_ROWS}) labelled images of {@code inputs} pixel bytes
   * each, stored one after another in {@code pixels} from {@code offset} (as cached blocks hold
   * them), and returns their loss sum and correct count.
   */
  public BlockStats scorePixels(byte[] pixels, int offset, int[] labels, int labelOff, int rows) {
    scale(pixels, offset, rows);
    BlockStats stats = network.evaluate(params, pixelBuffer, 0, labels, labelOff, rows);
    keepOutputs(rows);
    return stats;
  }

  /**
   * Scores {@code rows} (1..{@link #CHUNK_ROWS}) images of {@code inputs} pixel bytes each,
   * stored one after another in {@code pixels} from {@code offset}; pixels are scaled to [0, 1]
   * exactly as the training data are.
   */
  public void scorePixels(byte[] pixels, int offset, int rows) {
    scale(pixels, offset, rows);
    network.forward(params, pixelBuffer, 0, rows);
    keepOutputs(rows);
  }

  private void scale(byte[] pixels, int offset, int rows) {
    if (pixelBuffer == null) {
      pixelBuffer = k.allocate(inputs * CHUNK_ROWS);
    }
    if (rows <= 0 || rows > CHUNK_ROWS) {
      throw new IllegalArgumentException(
          "rows: expected 1.." + CHUNK_ROWS + " images; found " + rows);
    }
    k.scalePixels(pixelBuffer, 0, pixels, offset, inputs * rows);
  }

  private void keepOutputs(int rows) {
    A y = network.lastOutputs();
    k.argmaxColumns(predicted, 0, y, classes, rows);
    k.copyToDouble(outputs, y, classes * rows);
  }

  /** The predicted class of example {@code r} of the last chunk. */
  public int predicted(int r) {
    return predicted[r];
  }

  /** Output {@code classIndex} of example {@code r} of the last chunk, widened to double. */
  public double output(int r, int classIndex) {
    return outputs[r * classes + classIndex];
  }
}
