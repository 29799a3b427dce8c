package io.sparkgrad.math;


/**
 * Floating-point precision of the network's arithmetic on the executors.
 *
 * <p>Parameters, optimizer state and aggregated gradients are always float64 on the driver;
 * precision decides the type of the activations, the cached features and the GEMMs.
 *
 * <p>The training default is {@link #FLOAT32}, by measurement (docs/benchmarks/math.md, made by
 * scripts/bench-math.sh): with native OpenBLAS a whole forward+backward pass over a 128-row
 * block runs about 2× faster in float32 than in float64 (H = 100 and 800), with the pure-Java
 * BLAS 1.2–1.4× faster; and its cached blocks take half the memory. Its rounding (about 1e−7
 * relative) is far below the noise of stochastic gradients: the default configuration ends at
 * 98.22% test accuracy in float32 and 98.32% in float64 (both past 98% at epoch 5). Gradient checks and the exact-reproduction tests use float64.
 */
public enum Precision {
  FLOAT32,
  FLOAT64;

  /** The kernels of this precision on the given BLAS. */
  public Kernels<?> kernels(Blas blas) {
    return this == FLOAT32 ? new FloatKernels(blas) : new DoubleKernels(blas);
  }

  public static Precision parse(String key, String value) {
    return Enums.parse(Precision.class, key, value);
  }

  public String label() {
    return Enums.label(this);
  }
}
