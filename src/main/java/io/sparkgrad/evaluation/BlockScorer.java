package io.sparkgrad.evaluation;

import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Kernels;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.BlockStats;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.TwoLayerNetwork;

/**
 * Scores cached blocks with fixed parameters, in chunks of at most {@link #CHUNK_ROWS} examples
 * (one GEMM each, on the chunk's pixels scaled into one buffer). Plain Java, one per task.
 *
 * <p>Per chunk: the network's loss sum, the predicted class of each example (the kernels'
 * argmax, the same one training counts correct with), and from the K×rows outputs Y, widened to
 * double once, each example's predicted-class score Y[p, c] and true-class score Y[label, c].
 */
public final class BlockScorer<A> {
  static final int CHUNK_ROWS = 1024;

  private final TwoLayerNetwork<A> network;
  private final Kernels<A> k;
  private final A params;
  private final int[] predicted = new int[CHUNK_ROWS];
  private final double[] outputs;
  /** inputs × CHUNK_ROWS: the chunk's pixels scaled to [0, 1]. */
  private final A features;

  @SuppressWarnings("unchecked")
  public static BlockScorer<?> create(
      NetworkSpec spec, Precision precision, BlasChoice blas, double[] params) {
    return new BlockScorer<>(spec, (Kernels<Object>) precision.kernels(Blas.get(blas)), params);
  }

  BlockScorer(NetworkSpec spec, Kernels<A> kernels, double[] params) {
    spec.layout().checkSize("parameters", params.length);
    this.k = kernels;
    this.network = new TwoLayerNetwork<>(spec, kernels, CHUNK_ROWS);
    this.params = k.allocate(params.length);
    this.outputs = new double[spec.outputs() * CHUNK_ROWS];
    this.features = k.allocate(spec.inputs() * CHUNK_ROWS);
    k.copyFromDouble(this.params, params, params.length);
  }

  /** Adds the block's loss, confusion counts, scores and worst examples to {@code sums}. */
  public EvaluationSums score(ExampleBlock block, EvaluationSums sums) {
    int classes = network.spec().outputs();
    int[] labels = block.labels();
    int[] indices = block.indices();
    for (int from = 0; from < block.rows(); from += CHUNK_ROWS) {
      int rows = Math.min(CHUNK_ROWS, block.rows() - from);
      block.scaleRows(k, features, 0, from, rows);
      BlockStats stats = network.evaluate(params, features, 0, labels, from, rows);
      // evaluate() leaves the outputs of this chunk in the network's output buffer.
      A y = network.lastOutputs();
      k.argmaxColumns(predicted, 0, y, classes, rows);
      k.copyToDouble(outputs, y, classes * rows);
      sums.addLoss(stats.lossSum());
      for (int c = 0; c < rows; c++) {
        int label = labels[from + c];
        int p = predicted[c];
        sums.addExample(indices[from + c], label, p, outputs[c * classes + p],
            outputs[c * classes + label]);
      }
    }
    return sums;
  }
}
