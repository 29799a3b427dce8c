package io.sparkgrad.math;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that owns a netlib BLAS instance.
 *
 * <p>All matrices are column-major, as BLAS expects. Each method is documented by its formula;
 * {@code op(X)} is {@code X} or {@code X^T} as {@code trans} says ("N" or "T").
 *
 * <p>netlib falls back silently from native to Java, so the facade logs once which
 * implementation it got, and {@link #implementationName()} and {@link #library()} let callers
 * record it. The first native choice in a JVM also loads the bundled OpenBLAS
 * ({@link NativeBinding}), so on executors the first BLAS use in a task does it too.
 */
public final class Blas {
  private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
  private static final Map<BlasChoice, Blas> INSTANCES = new EnumMap<>(BlasChoice.class);

  private final BLAS blas;
  private final String library;

  private Blas(BLAS blas, String library) {
    this.blas = blas;
    this.library = library;
  }

  /**
   * The instance for a choice, created and logged once per JVM.
   *
   * @throws BlasUnavailableException when {@code bundled}, {@code system} or {@code native} was
   *     chosen and that library cannot be loaded in this JVM; the message says why
   */
  public static synchronized Blas get(BlasChoice choice) {
    Blas existing = INSTANCES.get(choice);
    if (existing != null) {
      return existing;
    }
    Blas created = load(choice);
    if (choice == BlasChoice.AUTO && !created.isNative()) {
      // One warning with every reason: it names the setting to change (java.io.tmpdir) when
      // the temporary folder is the cause, and the jar when it is missing.
      LOG.warn("native BLAS not loaded; using {} (pure Java, several times slower). {}",
          created.implementationName(), NativeBinding.problem(NativeBinding.Library.BUNDLED));
    } else if (choice == BlasChoice.JAVA) {
      // Also taken by code that calls no BLAS (block building): not worth an executor log line
      // beside the native one the run uses.
      LOG.debug("BLAS ({}): {}", choice.label(), created.describe());
    } else {
      LOG.info("BLAS ({}): {}", choice.label(), created.describe());
    }
    INSTANCES.put(choice, created);
    return created;
  }

  /** The fastest implementation available: {@code get(BlasChoice.AUTO)}. */
  public static Blas best() {
    return get(BlasChoice.AUTO);
  }

  private static Blas load(BlasChoice choice) {
    switch (choice) {
      case JAVA:
        return javaBlas();
      case BUNDLED:
        return nativeBlas(choice, NativeBinding.Library.BUNDLED);
      case SYSTEM:
        return nativeBlas(choice, NativeBinding.Library.SYSTEM);
      case NATIVE:
        return nativeBlas(choice, null);
      case AUTO:
      default:
        NativeBinding.Bound bound = NativeBinding.bind(null);
        return bound != null ? new Blas(bound.blas(), bound.description()) : javaBlas();
    }
  }

  private static Blas javaBlas() {
    return new Blas(JavaBLAS.getInstance(), "pure Java");
  }

  private static Blas nativeBlas(BlasChoice choice, NativeBinding.Library wanted) {
    NativeBinding.Bound bound = NativeBinding.bind(wanted);
    if (bound == null) {
      throw new BlasUnavailableException("blas: '" + choice.label() + "' was requested but "
          + (wanted == null ? "no native BLAS" : "the " + choice.label() + " BLAS")
          + " cannot be loaded: "
          + NativeBinding.problem(wanted == null ? NativeBinding.Library.BUNDLED : wanted)
          + ". Use blas=auto to fall back to Java (README: Native BLAS)");
    }
    return new Blas(bound.blas(), bound.description());
  }

  /** The simple class name of the loaded implementation, e.g. {@code JNIBLAS}, {@code VectorBLAS}. */
  public String implementationName() {
    return blas.getClass().getSimpleName();
  }

  /**
   * The library behind it, with its version where known: {@code bundled OpenBLAS 0.3.31
   * (org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64)}, {@code system libblas.so.3 (<mapped
   * file>)} or {@code pure Java}.
   */
  public String library() {
    return library;
  }

  /** {@code implementationName(), library()}: what the CLI prints and metadata.json records. */
  public String describe() {
    return implementationName() + ", " + library;
  }

  /** True when this instance calls a native library through JNI. */
  public boolean isNative() {
    return blas instanceof NativeBLAS;
  }

  /**
   * {@code C := alpha * op(A) * op(B) + beta * C} in float64, where op(A) is m×k, op(B) is k×n
   * and C is m×n, each stored column-major from its offset with leading dimension lda/ldb/ldc.
   */
  public void dgemm(
      String transA, String transB, int m, int n, int k,
      double alpha, double[] a, int offA, int lda,
      double[] b, int offB, int ldb,
      double beta, double[] c, int offC, int ldc) {
    blas.dgemm(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
  }

  /** {@code C := alpha * op(A) * op(B) + beta * C} in float32; arguments as {@link #dgemm}. */
  public void sgemm(
      String transA, String transB, int m, int n, int k,
      float alpha, float[] a, int offA, int lda,
      float[] b, int offB, int ldb,
      float beta, float[] c, int offC, int ldc) {
    blas.sgemm(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
  }
}
