package io.sparkgrad.bench;

import java.util.Arrays;
import java.util.List;

/**
 * The benchmark harness's entry point; {@code scripts/bench.sh} runs each part in a JVM of its
 * own (a JVM holds one SparkContext, and the parts must not disturb each other's JIT or heap):
 *
 * <pre>
 *   limit    GEMM and training-pass GFLOPS at the training shapes, and one partition's epoch of
 *            sparkgrad's worker without Spark (no Spark at all)
 *   gemm     the GEMMs alone at given rows (--hidden H --rows R,R,... [--quick]): GFLOPS a core
 *            and the 8.1 M-example epoch's limit on 2 cores, for a run's own rows per thread;
 *            with --data DIR --worker-batches B,B,...: the worker's epoch at each batch size
 *   trainer  sparkgrad's SparkTrainer in process: scaling, hidden sizes, partitions, periods, BLAS
 *   mllib    Spark MLlib's MultilayerPerceptronClassifier
 *   report   merges the parts' JSON and the command runs into results.md and results.json
 *   scale    mnist8m scale: expand --copies 135, then 3 epochs of the default network
 *            (ScaleRuns; not run by scripts/bench.sh by default: ~7 GB of disk, long)
 * </pre>
 */
public final class HarnessMain {
  private HarnessMain() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0) {
      throw new IllegalArgumentException("expected a part: limit, trainer, mllib or report");
    }
    List<String> rest = Arrays.asList(argv).subList(1, argv.length);
    switch (argv[0]) {
      case "limit" -> ComputeLimit.run(Bench.Args.parse(rest));
      case "gemm" -> ComputeLimit.runGemm(rest);
      case "trainer" -> TrainerRuns.run(Bench.Args.parse(rest));
      case "mllib" -> MllibRuns.run(Bench.Args.parse(rest));
      case "report" -> Report.run(rest);
      case "scale" -> ScaleRuns.run(rest);
      case "scaling" -> ScalingRuns.run(rest);
      default -> throw new IllegalArgumentException(
          "expected a part: limit, trainer, mllib or report; found '" + argv[0] + "'");
    }
    System.exit(0);
  }
}
