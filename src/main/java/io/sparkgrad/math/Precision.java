package io.sparkgrad.math;

import java.util.Locale;

/**
 * Floating-point precision of the network's arithmetic on the executors.
 *
 * <p>Parameters, optimizer state and aggregated gradients are always float64 on the driver;
 * precision decides the type of the activations, the cached features and the GEMMs.
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
    return name().toLowerCase(Locale.ROOT);
  }
}
