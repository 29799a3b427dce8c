package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.Optimizer;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.worker.JobResult;
import io.sparkgrad.worker.ReplicaWorker;
import io.sparkgrad.worker.StepPlan;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up of the training step touches nothing a run uses: a training job on real
 * MNIST digits gives the same bits before and after it, in either precision and with the
 * per-example noise that draws from seeded streams (dropout).
 */
class StepWarmupTest {
  private static final int ROWS = 1024;

  @Test
  void aTrainingJobGivesTheSameBitsBeforeAndAfterTheWarmup() {
    check(config("precision", "float32"));
    check(config("precision", "float64", "dropout", "0.2", "optimizer", "sgd"));
  }

  private static void check(TrainingConfig config) {
    JobResult before = job(config);
    long seen = StepWarmup.run(config, 28, 28, 10);
    // Every pass trains on every made-up example, then the scorer scores each once.
    assertEquals((long) StepWarmup.PASSES * StepWarmup.EXAMPLES + StepWarmup.EXAMPLES, seen,
        "examples the warm-up trained on and scored");
    JobResult after = job(config);
    assertEquals(before.examples(), after.examples(), "examples");
    assertEquals(before.trainLossSum(), after.trainLossSum(), 0.0, "training loss sum");
    assertArrayEquals(before.vector(1.0), after.vector(1.0), "update of the weights");
    assertArrayEquals(before.state(1.0), after.state(1.0), "optimizer state");
  }

  /** Eight local steps of epoch 2 over the first ROWS real training digits, in two blocks. */
  private static JobResult job(TrainingConfig config) {
    NetworkSpec spec = config.network().spec(784, 10);
    double[] rates = new double[8];
    Arrays.fill(rates, config.optimization().learningRate());
    StepPlan plan = new StepPlan(spec, config.distribution().precision(),
        config.distribution().blas(), config.distribution().syncMode(),
        config.optimization().optimizer(), config.regularization().weightDecay(),
        config.regularization().noise(), 28, 28, config.run().seed(), ROWS,
        config.optimization().batchSize(), 2, 0, rates, 2);
    LabeledImages digits = IdxFolders.mnist().train();
    List<ExampleBlock> blocks = List.of(block(digits, 0, ROWS / 2), block(digits, ROWS / 2, ROWS / 2));
    double[] params = config.network().init().initialize(spec, config.run().seed());
    Optimizer optimizer = config.optimization().optimizer().create(spec.layout(),
        config.regularization().weightDecay());
    return ReplicaWorker.create(plan, blocks).run(params, optimizer.state());
  }

  private static ExampleBlock block(LabeledImages digits, int first, int rows) {
    int inputs = digits.features();
    int[] labels = new int[rows];
    int[] indices = new int[rows];
    for (int r = 0; r < rows; r++) {
      labels[r] = digits.label(first + r);
      indices[r] = first + r;
    }
    return new ExampleBlock(
        Arrays.copyOfRange(digits.pixels(), first * inputs, (first + rows) * inputs), labels,
        indices, rows, inputs);
  }

  private static TrainingConfig config(String... pairs) {
    Map<String, String> texts = new java.util.LinkedHashMap<>(Map.of("data", "d", "model", "m",
        "hidden", "64"));
    for (int i = 0; i < pairs.length; i += 2) {
      texts.put(pairs[i], pairs[i + 1]);
    }
    return TrainingOptions.resolve(Map.of(), texts);
  }
}
