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
 * (one GEMM each, no copying: a chunk is a column range of the block). Plain Java, one per task.
 */
public final class BlockScorer<A> {
  static final int CHUNK_ROWS = 1024;

  private final TwoLayerNetwork<A> network;
  private final Kernels<A> k;
  private final A params;
  private final int[] predicted = new int[CHUNK_ROWS];

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
    k.copyFromDouble(this.params, params, params.length);
  }

  /** Adds the block's loss and confusion counts to {@code sums}. */
  @SuppressWarnings("unchecked")
  public EvaluationSums score(ExampleBlock<?> untyped, EvaluationSums sums) {
    ExampleBlock<A> block = (ExampleBlock<A>) untyped;
    int classes = network.spec().outputs();
    int inputs = block.inputs();
    for (int from = 0; from < block.rows(); from += CHUNK_ROWS) {
      int rows = Math.min(CHUNK_ROWS, block.rows() - from);
      BlockStats stats =
          network.evaluate(params, block.features(), from * inputs, block.labels(), from, rows);
      // evaluate() leaves the outputs of this chunk in the network's output buffer.
      A outputs = network.lastOutputs();
      k.argmaxColumns(predicted, 0, outputs, classes, rows);
      sums.add(stats.lossSum(), block.labels(), from, predicted, rows);
    }
    return sums;
  }
}
