package io.sparkgrad.bench;

import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.OptimizerKind;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.network.WeightInit;
import io.sparkgrad.worker.ExampleNoise;
import io.sparkgrad.worker.JobResult;
import io.sparkgrad.worker.ReplicaWorker;
import io.sparkgrad.worker.StepPlan;
import io.sparkgrad.worker.SyncMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A training job of one model replica as a Spark task runs it ({@link ReplicaWorker}), without
 * Spark: the default network (784→256→10, ReLU, softmax, cross-entropy, Adam, float32, native
 * BLAS), {@value #STEPS} local steps a job, reported per step. {@code rows} is the replica's
 * share of a step: 64 is the default run's (a batch of 128 on 2 replicas of 1 thread), 128 on
 * {@code threads} 2 the large sets' layout (1 replica of 2 threads, two 64-row chunks a step).
 *
 * <p>The job includes what a task does around its steps: building the worker's buffers and
 * optimizer, converting the broadcast parameters and state, and assembling the result, but not
 * Spark's (de)serialization. The examples look like MNIST (81% zero pixels, random labels),
 * 25,600 of them in 4,096-row blocks, so a step gathers random rows as training does.
 *
 * <p>Run: {@code mvn -q -B -o -DskipTests package} (the benchmarks compile as test sources),
 * {@code mvn -q -B -o dependency:build-classpath -Dmdep.includeScope=test
 * -Dmdep.outputFile=/tmp/test-classpath.txt}, then {@code java --add-modules=jdk.incubator.vector
 * -cp target/test-classes:target/classes:$(cat /tmp/test-classpath.txt) org.openjdk.jmh.Main
 * WorkerStepBench -p rows=64 -p threads=1} (add {@code -prof gc} for the bytes allocated a step).
 * Its wall-clock scores swing by ±50% on a shared machine; {@link WorkerStepCpu} times the same
 * job by CPU time. Figures: docs/benchmarks/startup.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector",
    "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages"})
public class WorkerStepBench {
  static final int STEPS = 100;
  private static final int INPUTS = 784;
  static final int EXAMPLES = 25_600;
  private static final int BLOCK_ROWS = 4096;

  @Param({"64"})
  public int rows;

  @Param({"1"})
  public int threads;

  private NetworkSpec spec;
  private double[] rates;
  private List<ExampleBlock> blocks;
  private double[] params;
  private double[] state;
  private int epoch;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(5);
    blocks = new ArrayList<>();
    for (int first = 0; first < EXAMPLES; first += BLOCK_ROWS) {
      int count = Math.min(BLOCK_ROWS, EXAMPLES - first);
      byte[] pixels = new byte[count * INPUTS];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = random.nextDouble() < 0.19 ? (byte) (1 + random.nextInt(255)) : 0;
      }
      int[] labels = new int[count];
      int[] indices = new int[count];
      for (int r = 0; r < count; r++) {
        labels[r] = random.nextInt(10);
        indices[r] = first + r;
      }
      blocks.add(new ExampleBlock(pixels, labels, indices, count, INPUTS));
    }
    spec = new NetworkSpec(new ParameterLayout(INPUTS, 256, 10), Activation.RELU,
        OutputFunction.SOFTMAX, LossFunction.CROSS_ENTROPY);
    params = WeightInit.HE.initialize(spec, 3);
    state = OptimizerKind.ADAM.create(spec.layout(), 0).state();
    rates = new double[STEPS];
    java.util.Arrays.fill(rates, 1e-3);
  }

  List<ExampleBlock> blocks() {
    return blocks;
  }

  NetworkSpec spec() {
    return spec;
  }

  double[] rates() {
    return rates;
  }

  double[] params() {
    return params;
  }

  double[] state() {
    return state;
  }

  @Benchmark
  @OperationsPerInvocation(STEPS)
  public JobResult job() {
    // Epochs 0..3 in turn: their orders are computed once and then cached, as on an executor.
    epoch = (epoch + 1) % 4;
    StepPlan plan = new StepPlan(spec, Precision.FLOAT32, BlasChoice.AUTO, SyncMode.LOCAL_STEPS,
        OptimizerKind.ADAM, 0, ExampleNoise.NONE, 28, 28, 7, EXAMPLES, rows, epoch, 0, rates,
        threads);
    return ReplicaWorker.create(plan, blocks).run(params, state);
  }
}
