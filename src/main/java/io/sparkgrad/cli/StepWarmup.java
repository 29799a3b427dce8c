package io.sparkgrad.cli;

import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.evaluation.BlockScorer;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.Optimizer;
import io.sparkgrad.worker.JobResult;
import io.sparkgrad.worker.ReplicaWorker;
import io.sparkgrad.worker.StepPlan;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the training step and the scorer of a run's configuration on a few made-up blocks, so
 * that the JIT has compiled them before the first epoch. In local mode this JVM is also the
 * executor: without this, epoch 1 ran its Java loops (batch gathering, activations, the optimizer
 * step, the sums) interpreted or half-compiled, and took 1.2-1.4× the other epochs
 * (docs/benchmarks/startup.md).
 *
 * <p>It shares nothing with the run: its own parameters, optimizer state and blocks, no Spark,
 * and the run's code only through the public entry points a task uses. Every random stream of
 * training is keyed by (seed, stream, epoch, example), so the run's results do not depend on
 * what ran before them in the JVM; the default run's weights.bin is bit-identical with and
 * without it.
 */
final class StepWarmup {
  /** Made-up training examples: 16 steps of batch 128, in two blocks. */
  static final int EXAMPLES = 2048;

  /**
   * Worker passes over them (64 steps). Measured in thread CPU time of one partition's epoch
   * (docs/benchmarks/startup.md): without the warm-up epoch 1 took 1.36× the later epochs, after
   * 2 passes 1.10×, after 4 or 6 passes 1.05×; the 4 passes cost about 0.3 s of CPU on the
   * start-up thread, while Spark starts on the main one.
   */
  static final int PASSES = 4;

  private StepWarmup() {}

  /**
   * Trains {@link #PASSES} times over {@link #EXAMPLES} made-up examples of {@code rows×cols}
   * pixels, merges the results as the driver does, and scores them; returns the examples seen
   * (so that the work cannot be optimized away, and for the test).
   */
  static long run(TrainingConfig config, int imageRows, int imageCols, int classes) {
    int inputs = imageRows * imageCols;
    NetworkSpec spec = config.network().spec(inputs, classes);
    int batch = Math.min(config.optimization().batchSize(), EXAMPLES);
    int steps = StepPlan.stepsPerEpoch(EXAMPLES, batch);
    double[] rates = new double[steps];
    Arrays.fill(rates, 1e-3);
    // A seed of its own: the run's streams are never drawn from here.
    long seed = config.run().seed() ^ 0x5DEECE66DL;
    StepPlan plan = new StepPlan(spec, config.distribution().precision(),
        config.distribution().blas(), config.distribution().syncMode(),
        config.optimization().optimizer(), config.regularization().weightDecay(),
        config.regularization().noise(), imageRows, imageCols, seed, EXAMPLES, batch, 0, 0,
        // One thread: the other core is starting Spark meanwhile; the step's code is the
        // same on any number of threads.
        rates, 1);
    List<ExampleBlock> blocks = List.of(
        block(0, EXAMPLES / 2, inputs, classes), block(EXAMPLES / 2, EXAMPLES / 2, inputs, classes));
    double[] params = config.network().init().initialize(spec, seed);
    Optimizer optimizer = config.optimization().optimizer().create(spec.layout(),
        config.regularization().weightDecay());
    double[] state = optimizer.state();
    JobResult total = new JobResult(spec.layout().size(), optimizer.stateSize());
    for (int pass = 0; pass < PASSES; pass++) {
      total.merge(ReplicaWorker.create(plan, blocks).run(params, state));
    }
    total.vector(1.0 / Math.max(1, total.examples()));
    BlockScorer scorer = new BlockScorer(spec, config.distribution().precision(),
        config.distribution().blas(), params);
    EvaluationSums sums = new EvaluationSums(classes, 24);
    for (ExampleBlock block : blocks) {
      scorer.score(block, sums);
    }
    return total.examples() + sums.count();
  }

  /** Examples {@code first..first+rows-1}: a fixed pattern of pixels, labels 0..classes-1. */
  private static ExampleBlock block(int first, int rows, int inputs, int classes) {
    byte[] pixels = new byte[rows * inputs];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 31 + first);
    }
    int[] labels = new int[rows];
    int[] indices = new int[rows];
    for (int r = 0; r < rows; r++) {
      labels[r] = (first + r) % classes;
      indices[r] = first + r;
    }
    return new ExampleBlock(pixels, labels, indices, rows, inputs);
  }
}
