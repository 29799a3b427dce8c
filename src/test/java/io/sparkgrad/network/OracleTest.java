package io.sparkgrad.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkgrad.math.Activation;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.DoubleKernels;
import io.sparkgrad.math.Kernels;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.math.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * TwoLayerNetwork against an independent numpy oracle ({@code scripts/numpy_oracle.py}, whose
 * own backprop is checked there against central differences).
 *
 * <p>Every case of the fixture runs in float64 and float32, on the pure-Java BLAS
 * ({@link BlasChoice#JAVA}) and on whatever {@link BlasChoice#AUTO} loads (JNI OpenBLAS where a
 * system BLAS exists, else the Java one again): forward outputs, mean loss and correct count
 * through {@code forward} and {@code evaluate}, and the gradient of the mean loss through
 * {@code accumulateGradient} (once with gradScale = 1/rows on a zeroed array, and once as two
 * passes of 1/(2·rows) to check that it adds).
 *
 * <p>Tolerances, normwise per quantity: {@code max_i |java_i − numpy_i| / max_i |numpy_i|}
 * (the loss is a scalar, so that is its relative error):
 *
 * <ul>
 *   <li>float64: ≤ {@value #FLOAT64_TOL}. Same formulas in the same precision; only the order
 *       of the sums differs (a few ulps, observed ≤ ~1e-15).
 *   <li>float32: ≤ {@value #FLOAT32_TOL}. The parameters and inputs are rounded to float
 *       (2^-24 ≈ 6e-8 relative) and the GEMMs accumulate in float; observed ≤ ~1e-6.
 *   <li>correct counts: exactly equal (integers).
 * </ul>
 *
 * The input block sits at an offset inside a NaN-padded array, the labels inside a padding of
 * −1, and the network has room for more rows than the block, so reading the wrong elements or
 * assuming maxRows == rows fails too. {@link #everyMutantIsCaught} shows that plausible kernel
 * bugs (transposed W1, wrong gradient sign, missing softmax Jacobian, no max shift...) each
 * break at least one comparison.
 */
class OracleTest {
  static final double FLOAT64_TOL = 1e-12;
  static final double FLOAT32_TOL = 2e-5;

  private static final int X_PAD = 5;
  private static final int LABEL_PAD = 2;
  private static final int EXTRA_ROWS = 3;

  private static final OracleFixture FIXTURE = OracleFixture.load();
  /** Worst normwise error per configuration and quantity, printed after all tests. */
  private static final Map<String, Map<String, Double>> WORST = new LinkedHashMap<>();

  // ---- the oracle comparison ------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> matchesNumpy() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Precision precision : Precision.values()) {
      for (BlasChoice choice : new BlasChoice[] {BlasChoice.JAVA, BlasChoice.AUTO}) {
        for (OracleFixture.Network net : FIXTURE.networks()) {
          for (OracleFixture.Case c : net.cases()) {
            String config = precision.label() + "/" + choice.label() + "("
                + Blas.get(choice).implementationName() + ")";
            tests.add(DynamicTest.dynamicTest(config + " " + c.name(), () -> {
              Kernels<?> k = precision.kernels(Blas.get(choice));
              double tol = precision == Precision.FLOAT64 ? FLOAT64_TOL : FLOAT32_TOL;
              Comparison cmp = compare(k, net, c, tol);
              System.out.println(config + " " + c.name() + ": " + cmp);
              record(config, cmp);
              cmp.assertAllWithin();
            }));
          }
        }
      }
    }
    return tests.stream();
  }

  @AfterAll
  static void printWorst() {
    System.out.println("max normwise difference to numpy, over all cases:");
    for (Map.Entry<String, Map<String, Double>> e : WORST.entrySet()) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-28s", e.getKey()));
      e.getValue().forEach(
          (q, v) -> line.append(String.format(Locale.ROOT, " %s %.1e", q, v)));
      System.out.println(line);
    }
  }

  private static synchronized void record(String config, Comparison cmp) {
    Map<String, Double> worst = WORST.computeIfAbsent(config, key -> new LinkedHashMap<>());
    for (Diff d : cmp.diffs) {
      worst.merge(d.quantity, d.normwise(), Math::max);
    }
  }

  /** Runs one case on the given kernels and compares every quantity with numpy. */
  static <A> Comparison compare(
      Kernels<A> k, OracleFixture.Network net, OracleFixture.Case c, double tol) {
    NetworkSpec spec = new NetworkSpec(net.layout(), c.activation(), c.output(), c.loss());
    TwoLayerNetwork<A> network = new TwoLayerNetwork<>(spec, k, net.rows() + EXTRA_ROWS);
    int rows = net.rows();
    int outputs = net.outputs();
    A params = fromDouble(k, net.params());

    double[] xPadded = new double[X_PAD + net.x().length + X_PAD];
    Arrays.fill(xPadded, Double.NaN);
    System.arraycopy(net.x(), 0, xPadded, X_PAD, net.x().length);
    A x = fromDouble(k, xPadded);
    int[] labels = new int[LABEL_PAD + rows + LABEL_PAD];
    Arrays.fill(labels, -1);
    System.arraycopy(net.labels(), 0, labels, LABEL_PAD, rows);

    Comparison cmp = new Comparison(tol);
    double[] y = toDouble(k, network.forward(params, x, X_PAD, rows), rows * outputs);
    cmp.add("y", y, c.y());
    BlockStats eval = network.evaluate(params, x, X_PAD, labels, LABEL_PAD, rows);
    cmp.add("loss", eval.lossSum() / rows, c.meanLoss());
    cmp.addCount("correct", eval.correct(), c.correct());
    assertEquals(rows, eval.rows(), "rows of evaluate");

    if (c.hasGradient()) {
      ParameterLayout layout = net.layout();
      A grad = k.allocate(layout.size());
      BlockStats train =
          network.accumulateGradient(params, x, X_PAD, labels, LABEL_PAD, rows, grad, 1.0 / rows);
      cmp.add("trainLoss", train.lossSum() / rows, c.meanLoss());
      cmp.addCount("trainCorrect", train.correct(), c.correct());
      addGradient(cmp, "", k, grad, layout, c);

      // Accumulation: two half-scaled passes into the same array give the same gradient.
      A twice = k.allocate(layout.size());
      network.accumulateGradient(params, x, X_PAD, labels, LABEL_PAD, rows, twice, 0.5 / rows);
      network.accumulateGradient(params, x, X_PAD, labels, LABEL_PAD, rows, twice, 0.5 / rows);
      addGradient(cmp, "2x½ ", k, twice, layout, c);
    }
    return cmp;
  }

  private static <A> void addGradient(
      Comparison cmp, String prefix, Kernels<A> k, A grad, ParameterLayout layout,
      OracleFixture.Case c) {
    double[] g = toDouble(k, grad, layout.size());
    cmp.add(prefix + "dW1", slice(g, layout.w1Offset(), layout.w1Size()), c.dW1());
    cmp.add(prefix + "db1", slice(g, layout.b1Offset(), layout.hidden()), c.db1());
    cmp.add(prefix + "dW2", slice(g, layout.w2Offset(), layout.w2Size()), c.dW2());
    cmp.add(prefix + "db2", slice(g, layout.b2Offset(), layout.outputs()), c.db2());
  }

  private static <A> A fromDouble(Kernels<A> k, double[] values) {
    A a = k.allocate(values.length);
    k.copyFromDouble(a, values, values.length);
    return a;
  }

  private static <A> double[] toDouble(Kernels<A> k, A a, int n) {
    double[] out = new double[n];
    k.addToDouble(out, 0, a, n);
    return out;
  }

  private static double[] slice(double[] a, int off, int n) {
    return Arrays.copyOfRange(a, off, off + n);
  }

  /** One quantity: max |got − want| and max |want| (the normwise scale). */
  record Diff(String quantity, double maxAbs, double scale, double tol) {
    double normwise() {
      return scale == 0 ? maxAbs : maxAbs / scale;
    }

    boolean within() {
      return normwise() <= tol; // false for NaN
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%s %.1e", quantity, normwise());
    }
  }

  /** The diffs of one case; integer counts must match exactly. */
  static final class Comparison {
    final double tol;
    final List<Diff> diffs = new ArrayList<>();
    final List<String> countMismatches = new ArrayList<>();
    final List<String> counts = new ArrayList<>();

    Comparison(double tol) {
      this.tol = tol;
    }

    void add(String quantity, double[] got, double[] want) {
      assertEquals(want.length, got.length, quantity + " length");
      double maxAbs = 0;
      double scale = 0;
      for (int i = 0; i < want.length; i++) {
        double d = Math.abs(got[i] - want[i]);
        maxAbs = Double.isNaN(d) ? Double.NaN : Math.max(maxAbs, d);
        scale = Math.max(scale, Math.abs(want[i]));
      }
      diffs.add(new Diff(quantity, maxAbs, scale, tol));
    }

    void add(String quantity, double got, double want) {
      add(quantity, new double[] {got}, new double[] {want});
    }

    void addCount(String quantity, long got, long want) {
      counts.add(quantity + " " + got + (got == want ? "" : "≠" + want));
      if (got != want) {
        countMismatches.add(quantity + ": expected " + want + "; found " + got);
      }
    }

    List<String> failures() {
      List<String> out = new ArrayList<>(countMismatches);
      for (Diff d : diffs) {
        if (!d.within()) {
          out.add(String.format(Locale.ROOT,
              "%s: max |java − numpy| = %.3e, max |numpy| = %.3e, normwise %.3e > tol %.0e",
              d.quantity, d.maxAbs, d.scale, d.normwise(), d.tol));
        }
      }
      return out;
    }

    void assertAllWithin() {
      List<String> failures = failures();
      if (!failures.isEmpty()) {
        fail(String.join("\n", failures));
      }
    }

    @Override
    public String toString() {
      return diffs + " " + counts + " (tol " + tol + ")";
    }
  }

  // ---- the oracle would notice a broken kernel ---------------------------------------------

  /** Plausible bugs, each injected into otherwise correct float64 kernels. */
  enum Mutation {
    /** W1 read as if it were stored row-major hidden×inputs. */
    W1_TRANSPOSED,
    /** dA2 with the wrong sign: gradient ascent. */
    GRADIENT_SIGN,
    /** softmax + sum of squares without the softmax Jacobian (y − t as for cross-entropy). */
    SOFTMAX_JACOBIAN_MISSING,
    /** The hidden activation's derivative skipped (as if h were the identity). */
    ACTIVATION_DERIVATIVE_SKIPPED,
    /** Bias gradients (row sums) not accumulated. */
    BIAS_GRADIENT_MISSING,
    /** Biases not added in the forward pass. */
    BIAS_FORWARD_MISSING,
    /** softmax without subtracting the column maximum: exp(1000) overflows. */
    SOFTMAX_UNSHIFTED,
    /** cross-entropy as −log(y + 1e-7), the textbook's δ guard, instead of log-sum-exp. */
    CROSS_ENTROPY_DELTA_GUARD,
    /** argmax that lets the last of equal maxima win. */
    ARGMAX_LAST_WINS,
    /** The gradient GEMMs overwrite (beta = 0) instead of adding. */
    GRADIENT_OVERWRITES;
  }

  @Test
  void everyMutantIsCaught() {
    Blas blas = Blas.get(BlasChoice.JAVA);
    List<String> survivors = new ArrayList<>();
    Map<Mutation, String> caughtBy = new EnumMap<>(Mutation.class);
    for (Mutation m : Mutation.values()) {
      for (OracleFixture.Network net : FIXTURE.networks()) {
        MutantKernels k = new MutantKernels(blas, m, net.inputs(), net.hidden());
        for (OracleFixture.Case c : net.cases()) {
          List<String> failures;
          try {
            failures = compare(k, net, c, FLOAT64_TOL).failures();
          } catch (RuntimeException e) {
            failures = List.of("threw " + e);
          }
          if (!failures.isEmpty() && !caughtBy.containsKey(m)) {
            caughtBy.put(m, c.name() + ": " + failures.get(0));
          }
        }
      }
      if (!caughtBy.containsKey(m)) {
        survivors.add(m.name());
      }
      System.out.println("mutant " + m + " caught by " + caughtBy.getOrDefault(m, "NOTHING"));
    }
    assertTrue(survivors.isEmpty(), "mutants that matched numpy: " + survivors);
  }

  /** DoubleKernels with one {@link Mutation} injected. */
  static final class MutantKernels extends Kernels<double[]> {
    private final DoubleKernels base;
    private final Mutation mutation;
    private final int inputs;
    private final int hidden;

    MutantKernels(Blas blas, Mutation mutation, int inputs, int hidden) {
      super(blas);
      this.base = new DoubleKernels(blas);
      this.mutation = mutation;
      this.inputs = inputs;
      this.hidden = hidden;
    }

    @Override
    public Precision precision() {
      return Precision.FLOAT64;
    }

    @Override
    public double[] allocate(int length) {
      return base.allocate(length);
    }

    @Override
    public int length(double[] array) {
      return base.length(array);
    }

    @Override
    public void multiplyInOrder(int m, int n, int k, double[] a, int aOff, double[] b, int bOff,
        double[] c, int cOff) {
      base.multiplyInOrder(m, n, k, a, aOff, b, bOff, c, cOff);
    }

    @Override
    public void gemm(
        String transA, String transB, int m, int n, int k,
        double alpha, double[] a, int offA, int lda, double[] b, int offB, int ldb,
        double beta, double[] c, int offC, int ldc) {
      if (mutation == Mutation.W1_TRANSPOSED
          && transA.equals("N") && transB.equals("N") && m == hidden && k == inputs) {
        base.gemm("T", "N", m, n, k, alpha, a, offA, inputs, b, offB, ldb, beta, c, offC, ldc);
        return;
      }
      if (mutation == Mutation.GRADIENT_OVERWRITES && beta == 1.0) {
        beta = 0.0;
      }
      base.gemm(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }

    @Override
    public void addColumnBiasInPlace(double[] m, double[] bias, int biasOff, int rows, int cols) {
      if (mutation != Mutation.BIAS_FORWARD_MISSING) {
        base.addColumnBiasInPlace(m, bias, biasOff, rows, cols);
      }
    }

    @Override
    public void addRowSums(double[] out, int outOff, double[] m, double scale, int rows, int cols) {
      if (mutation != Mutation.BIAS_GRADIENT_MISSING) {
        base.addRowSums(out, outOff, m, scale, rows, cols);
      }
    }

    @Override
    public void activationForward(double[] out, double[] in, Activation h, int n) {
      base.activationForward(out, in, h, n);
    }

    @Override
    public void activationBackwardInPlace(double[] grad, double[] post, Activation h, int n) {
      if (mutation != Mutation.ACTIVATION_DERIVATIVE_SKIPPED) {
        base.activationBackwardInPlace(grad, post, h, n);
      }
    }

    @Override
    public void softmaxColumns(double[] out, double[] in, int classes, int cols) {
      if (mutation != Mutation.SOFTMAX_UNSHIFTED) {
        base.softmaxColumns(out, in, classes, cols);
        return;
      }
      for (int c = 0; c < cols; c++) {
        double sum = 0;
        for (int i = c * classes; i < (c + 1) * classes; i++) {
          out[i] = Math.exp(in[i]);
          sum += out[i];
        }
        for (int i = c * classes; i < (c + 1) * classes; i++) {
          out[i] /= sum;
        }
      }
    }

    @Override
    public double crossEntropySum(
        double[] logits, int[] labels, int labelOff, int classes, int cols) {
      if (mutation != Mutation.CROSS_ENTROPY_DELTA_GUARD) {
        return base.crossEntropySum(logits, labels, labelOff, classes, cols);
      }
      double[] y = new double[classes * cols];
      base.softmaxColumns(y, logits, classes, cols);
      double total = 0;
      for (int c = 0; c < cols; c++) {
        total -= Math.log(y[c * classes + labels[labelOff + c]] + 1e-7);
      }
      return total;
    }

    @Override
    public double sumOfSquaresSum(double[] y, int[] labels, int labelOff, int classes, int cols) {
      return base.sumOfSquaresSum(y, labels, labelOff, classes, cols);
    }

    @Override
    public int countCorrect(double[] y, int[] labels, int labelOff, int classes, int cols) {
      if (mutation != Mutation.ARGMAX_LAST_WINS) {
        return base.countCorrect(y, labels, labelOff, classes, cols);
      }
      int correct = 0;
      for (int c = 0; c < cols; c++) {
        int best = 0;
        for (int i = 1; i < classes; i++) {
          if (y[c * classes + i] >= y[c * classes + best]) {
            best = i;
          }
        }
        correct += best == labels[labelOff + c] ? 1 : 0;
      }
      return correct;
    }

    @Override
    public void argmaxColumns(int[] out, int outOff, double[] y, int classes, int cols) {
      base.argmaxColumns(out, outOff, y, classes, cols);
    }

    @Override
    public void outputGradient(
        double[] grad, double[] y, int[] labels, int labelOff, OutputFunction output,
        LossFunction loss, double scale, int classes, int cols) {
      if (mutation == Mutation.GRADIENT_SIGN) {
        scale = -scale;
      }
      if (mutation == Mutation.SOFTMAX_JACOBIAN_MISSING) {
        loss = LossFunction.CROSS_ENTROPY;
      }
      base.outputGradient(grad, y, labels, labelOff, output, loss, scale, classes, cols);
    }

    @Override
    public void addToDouble(double[] dst, int dstOff, double[] src, int n) {
      base.addToDouble(dst, dstOff, src, n);
    }

    @Override
    public void copyFromDouble(double[] dst, double[] src, int n) {
      base.copyFromDouble(dst, src, n);
    }

    @Override
    public void scalePixels(double[] dst, int dstOff, byte[] src, int srcOff, int n) {
      base.scalePixels(dst, dstOff, src, srcOff, n);
    }

    @Override
    public void copy(double[] dst, int dstOff, double[] src, int srcOff, int n) {
      base.copy(dst, dstOff, src, srcOff, n);
    }

    @Override
    public void zeroRange(double[] a, int from, int n) {
      base.zeroRange(a, from, n);
    }

    @Override
    public void multiply(double[] out, double[] a, double[] b, int n) {
      base.multiply(out, a, b, n);
    }

    @Override
    public void fillRange(double[] a, int from, int n, double value) {
      base.fillRange(a, from, n, value);
    }

    @Override
    public void dropoutInPlace(double[] x, int off, int n, io.sparkgrad.math.Dropout dropout,
        java.util.SplittableRandom random) {
      base.dropoutInPlace(x, off, n, dropout, random);
    }

    @Override
    public void copyToDouble(double[] dst, double[] src, int n) {
      base.copyToDouble(dst, src, n);
    }
  }
}
