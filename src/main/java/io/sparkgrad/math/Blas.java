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
 * implementation it got, and {@link #implementationName()} lets callers record it.
 */
public final class Blas {
  private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
  private static final Map<BlasChoice, Blas> INSTANCES = new EnumMap<>(BlasChoice.class);

  private final BLAS blas;

  private Blas(BLAS blas) {
    this.blas = blas;
  }

  /** The instance for a choice, created and logged once per JVM. */
  public static synchronized Blas get(BlasChoice choice) {
    Blas existing = INSTANCES.get(choice);
    if (existing != null) {
      return existing;
    }
    Blas created = new Blas(load(choice));
    if (choice == BlasChoice.AUTO && !created.isNative()) {
      LOG.warn("native BLAS not loaded; using {} (pure Java, several times slower). Install"
          + " OpenBLAS for speed (Debian/Ubuntu: apt-get install libopenblas0-pthread)",
          created.implementationName());
    } else {
      LOG.info("BLAS ({}): {}", choice.label(), created.implementationName());
    }
    INSTANCES.put(choice, created);
    return created;
  }

  /** The fastest implementation available: {@code get(BlasChoice.AUTO)}. */
  public static Blas best() {
    return get(BlasChoice.AUTO);
  }

  private static BLAS load(BlasChoice choice) {
    switch (choice) {
      case JAVA:
        return JavaBLAS.getInstance();
      case NATIVE:
        try {
          return NativeBLAS.getInstance();
        } catch (RuntimeException | LinkageError e) {
          throw new IllegalStateException(
              "blas: 'native' was requested but no system BLAS could be loaded ("
                  + e.getMessage()
                  + "); install OpenBLAS (Debian: apt-get install libopenblas0-pthread)"
                  + " or use blas=auto",
              e);
        }
      case AUTO:
      default:
        return BLAS.getInstance();
    }
  }

  /** The simple class name of the loaded implementation, e.g. {@code JNIBLAS}, {@code VectorBLAS}. */
  public String implementationName() {
    return blas.getClass().getSimpleName();
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
