package io.sparkgrad.evaluation;

import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Evaluates parameters over cached blocks: one broadcast, one tree aggregation of
 * {@link EvaluationSums} (nothing is collected but the merged sums).
 */
public final class SparkEvaluator {
  /** Worst-classified examples kept by {@link #evaluate(JavaRDD, double[])}. */
  public static final int DEFAULT_WORST = 24;

  private final JavaSparkContext jsc;
  private final NetworkSpec spec;
  private final Precision precision;
  private final BlasChoice blas;

  public SparkEvaluator(JavaSparkContext jsc, NetworkSpec spec, Precision precision, BlasChoice blas) {
    this.jsc = jsc;
    this.spec = spec;
    this.precision = precision;
    this.blas = blas;
  }

  /** Evaluates, keeping the {@link #DEFAULT_WORST} worst-classified examples. */
  public EvaluationSums evaluate(JavaRDD<ExampleBlock> blocks, double[] params) {
    return evaluate(blocks, params, DEFAULT_WORST);
  }

  /** Evaluates, keeping the {@code worst} worst-classified examples (0 for none). */
  public EvaluationSums evaluate(JavaRDD<ExampleBlock> blocks, double[] params, int worst) {
    Broadcast<double[]> weights = jsc.broadcast(params);
    NetworkSpec spec = this.spec;
    Precision precision = this.precision;
    BlasChoice blas = this.blas;
    int classes = spec.outputs();
    try {
      return blocks
          .mapPartitions(it -> {
            BlockScorer scorer = new BlockScorer(spec, precision, blas, weights.value());
            EvaluationSums sums = new EvaluationSums(classes, worst);
            it.forEachRemaining(block -> scorer.score(block, sums));
            return java.util.Collections.singletonList(sums).iterator();
          })
          .treeAggregate(new EvaluationSums(classes, worst), EvaluationSums::merge,
              EvaluationSums::merge);
    } finally {
      weights.destroy();
    }
  }
}
