package io.sparkgrad.evaluation;

import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.BlockStats;
import io.sparkgrad.network.NetworkSpec;

/**
 * Adds cached blocks to {@link EvaluationSums} through the one {@link Scorer}, in chunks of at
 * most {@link Scorer#CHUNK_ROWS} examples (a chunk's pixel bytes are scaled into the scorer's
 * buffer, as training scales them). Per example: its label, predicted class, predicted-class
 * score and true-class score.
 */
public final class BlockScorer {
  private final Scorer<?> scorer;

  public BlockScorer(NetworkSpec spec, Precision precision, BlasChoice blas, double[] params) {
    this.scorer = Scorer.create(spec, precision, blas, params);
  }

  /** Adds the block's loss, confusion counts, scores and worst examples to {@code sums}. */
  public EvaluationSums score(ExampleBlock block, EvaluationSums sums) {
    int inputs = block.inputs();
    int[] labels = block.labels();
    int[] indices = block.indices();
    for (int from = 0; from < block.rows(); from += Scorer.CHUNK_ROWS) {
      int rows = Math.min(Scorer.CHUNK_ROWS, block.rows() - from);
      BlockStats stats = scorer.scorePixels(block.pixels(), from * inputs, labels, from, rows);
      sums.addLoss(stats.lossSum());
      for (int c = 0; c < rows; c++) {
        int label = labels[from + c];
        int p = scorer.predicted(c);
        sums.addExample(indices[from + c], label, p, scorer.output(c, p), scorer.output(c, label));
      }
    }
    return sums;
  }
}
