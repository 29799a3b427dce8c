package io.sparkgrad.bench;

import io.sparkgrad.math.Activation;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Kernels;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.BlockStats;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.network.TwoLayerNetwork;
import io.sparkgrad.network.WeightInit;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One training pass (forward + backward, {@link TwoLayerNetwork#accumulateGradient}) over a
 * 128-row block of a 784→H→10 ReLU/softmax/cross-entropy network, beside the GEMMs alone.
 *
 * <ul>
 *   <li>{@link #pass}: the whole pass: five GEMMs plus bias, ReLU, softmax, loss, argmax,
 *       output gradient, ReLU derivative and the bias row sums.
 *   <li>{@link #gemms}: the same five GEMMs with the same shapes, transposes, leading
 *       dimensions and betas, on separate buffers; together they do exactly
 *       {@link NetworkSpec#trainingFlops}(128) flops, so pass/gemms is the cost of the rest.
 *   <li>{@link #gemmW1X} and {@link #gemmDW1}: the two dominant ones alone, A1 := W1·X
 *       (H×784 · 784×128, "N","N") and dW1 += dA1·Xᵀ (H×128 · 128×784, "N","T"); the other
 *       three have a side of 10 and cost 3·10/(2·784) ≈ 2% of the flops.
 * </ul>
 *
 * <p>Inputs look like MNIST: 81% zero pixels, the others uniform in (0, 1]; He-initialised
 * weights from a fixed seed; random labels. There are {@value #BLOCKS} different 128-row blocks,
 * stacked in one array as a cached partition holds them, and successive calls take them in
 * turn: with a single block repeated, the branch predictor learns the ReLU mask at H = 100 and
 * hides a cost that training pays (about 4 ns per hidden unit and row in the ReLU backward).
 * The gradient accumulates across calls (as the method is specified to), so the call is
 * measured alone, without zeroing.
 *
 * <p>Run through {@code scripts/bench-math.sh}; the settings below are the ones it uses. The
 * pass and the five GEMMs get 3 forks (the Vector-API BLAS can JIT into a fast or a slow
 * steady state per fork); the single GEMMs, which only break the GEMM time down, get 1 fork to
 * keep the whole run under 10 minutes. Measurement is many short iterations (10 × 200 ms), so
 * that the report can take the best iteration as well as the median: the 2 CPUs are shared
 * with other work, which slows whole iterations, never speeds them up. Each fork checks that the
 * BLAS it loaded is the one the report will name.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector"})
public class TrainingPassBench {
  public static final int ROWS = 128;
  public static final int INPUTS = 784;
  public static final int OUTPUTS = 10;
  /** Distinct input blocks, used in turn. */
  public static final int BLOCKS = 8;
  /** System property prefix by which the runner tells each fork which BLAS to expect. */
  public static final String EXPECT_PREFIX = "sparkgrad.bench.expect.";

  @Param({"100", "800"})
  public int hidden;

  @Param({"float32", "float64"})
  public String precision;

  @Param({"auto", "java"})
  public String blas;

  private Workload<?> work;

  @Setup
  public void setUp() {
    BlasChoice choice = BlasChoice.parse(blas);
    Blas instance = Blas.get(choice);
    String expected = System.getProperty(EXPECT_PREFIX + choice.label());
    if (expected != null && !expected.equals(instance.implementationName())) {
      throw new IllegalStateException(
          "blas=" + blas + ": the runner saw " + expected + " but this fork loaded "
              + instance.implementationName() + "; the report would mislabel it");
    }
    work = new Workload<>(spec(hidden), Precision.parse("precision", precision).kernels(instance));
  }

  public static NetworkSpec spec(int hidden) {
    return NetworkSpec.of(INPUTS, hidden, OUTPUTS, Activation.RELU, LossFunction.CROSS_ENTROPY);
  }

  /** Flops of each dominant GEMM, A1 := W1·X and dW1 += dA1·Xᵀ. */
  public static double w1xFlops(int hidden) {
    return 2.0 * hidden * INPUTS * ROWS;
  }

  @Benchmark
  public BlockStats pass() {
    return work.pass();
  }

  @Benchmark
  public Object gemms() {
    return work.gemms();
  }

  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector"})
  public Object gemmW1X() {
    return work.gemmW1X();
  }

  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector"})
  public Object gemmDW1() {
    return work.gemmDW1();
  }

  /** The arrays of one configuration, typed by the kernels' element type. */
  static final class Workload<A> {
    private final Kernels<A> k;
    private final ParameterLayout layout;
    private final TwoLayerNetwork<A> network;
    private final A params;
    private final A x;
    private final int[] labels = new int[BLOCKS * ROWS];
    private int next;
    private final A grad;
    // buffers for the GEMM-only benchmarks, the shapes of TwoLayerNetwork's
    private final A a1;
    private final A z1;
    private final A a2;
    private final A dA2;
    private final A dA1;

    Workload(NetworkSpec spec, Kernels<A> kernels) {
      this.k = kernels;
      this.layout = spec.layout();
      this.network = new TwoLayerNetwork<>(spec, k, ROWS);
      int h = layout.hidden();
      SplittableRandom random = new SplittableRandom(20240607L);
      this.params = fromDouble(WeightInit.HE.initialize(spec, 42L));
      double[] pixels = new double[BLOCKS * INPUTS * ROWS];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = random.nextDouble() < 0.81 ? 0.0 : 1.0 - random.nextDouble();
      }
      this.x = fromDouble(pixels);
      for (int i = 0; i < labels.length; i++) {
        labels[i] = random.nextInt(OUTPUTS);
      }
      this.grad = k.allocate(layout.size());
      this.a1 = k.allocate(h * ROWS);
      this.z1 = fromDouble(random.doubles(h * ROWS, 0, 1).toArray());
      this.a2 = k.allocate(OUTPUTS * ROWS);
      this.dA2 = fromDouble(random.doubles(OUTPUTS * ROWS, -0.01, 0.01).toArray());
      this.dA1 = k.allocate(h * ROWS);
    }

    private A fromDouble(double[] values) {
      A a = k.allocate(values.length);
      k.copyFromDouble(a, values, values.length);
      return a;
    }

    /** The next block: its index, used for the input offset and the label offset. */
    private int nextBlock() {
      next = next == BLOCKS - 1 ? 0 : next + 1;
      return next;
    }

    BlockStats pass() {
      int b = nextBlock();
      return network.accumulateGradient(
          params, x, b * INPUTS * ROWS, labels, b * ROWS, ROWS, grad, 1.0 / ROWS);
    }

    /** The five GEMMs of accumulateGradient, in its order, with its arguments. */
    A gemms() {
      int d = layout.inputs();
      int h = layout.hidden();
      int out = layout.outputs();
      int xOff = nextBlock() * INPUTS * ROWS;
      k.gemm("N", "N", h, ROWS, d, 1.0, params, layout.w1Offset(), h, x, xOff, d, 0.0, a1, 0, h);
      k.gemm("N", "N", out, ROWS, h, 1.0, params, layout.w2Offset(), out, z1, 0, h, 0.0, a2, 0,
          out);
      k.gemm("N", "T", out, h, ROWS, 1.0, dA2, 0, out, z1, 0, h, 1.0, grad, layout.w2Offset(),
          out);
      k.gemm("T", "N", h, ROWS, out, 1.0, params, layout.w2Offset(), out, dA2, 0, out, 0.0, dA1,
          0, h);
      k.gemm("N", "T", h, d, ROWS, 1.0, dA1, 0, h, x, xOff, d, 1.0, grad, layout.w1Offset(), h);
      return grad;
    }

    A gemmW1X() {
      int d = layout.inputs();
      int h = layout.hidden();
      int xOff = nextBlock() * INPUTS * ROWS;
      k.gemm("N", "N", h, ROWS, d, 1.0, params, layout.w1Offset(), h, x, xOff, d, 0.0, a1, 0, h);
      return a1;
    }

    A gemmDW1() {
      int d = layout.inputs();
      int h = layout.hidden();
      int xOff = nextBlock() * INPUTS * ROWS;
      k.gemm("N", "T", h, d, ROWS, 1.0, dA1, 0, h, x, xOff, d, 1.0, grad, layout.w1Offset(), h);
      return grad;
    }
  }
}
