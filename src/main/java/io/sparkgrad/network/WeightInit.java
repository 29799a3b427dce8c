package io.sparkgrad.network;

import io.sparkgrad.math.Activation;
import io.sparkgrad.math.Enums;
import java.util.SplittableRandom;

/**
 * Initial weights from a seed. Weights are drawn from N(0, σ²) with σ set by the scheme; biases
 * start at 0. The Gaussian comes from our own polar Box–Muller over SplitMix64
 * ({@link SplittableRandom}, whose algorithm is specified), so the same seed gives the same
 * weights on every JVM.
 */
public enum WeightInit {
  /** The scheme that suits the activation: He for ReLU, Xavier otherwise. */
  AUTO,
  /** σ = 0.01, the textbook's first example. */
  TEXTBOOK,
  /** Xavier/Glorot as in the textbook: σ = √(1 / fan-in); suits sigmoid. */
  XAVIER,
  /** He: σ = √(2 / fan-in); suits ReLU. */
  HE;

  public static WeightInit parse(String key, String value) {
    return Enums.parse(WeightInit.class, key, value);
  }

  public String label() {
    return Enums.label(this);
  }

  /** The scheme actually used for an activation ({@link #AUTO} resolved). */
  public WeightInit resolve(Activation activation) {
    if (this != AUTO) {
      return this;
    }
    return activation == Activation.RELU ? HE : XAVIER;
  }

  private double sigma(int fanIn) {
    switch (this) {
      case TEXTBOOK:
        return 0.01;
      case XAVIER:
        return Math.sqrt(1.0 / fanIn);
      case HE:
        return Math.sqrt(2.0 / fanIn);
      default:
        throw new IllegalStateException("resolve AUTO first");
    }
  }

  /** A fresh parameter array for the spec, W1 drawn before W2, from {@code seed}. */
  public double[] initialize(NetworkSpec spec, long seed) {
    WeightInit scheme = resolve(spec.activation());
    ParameterLayout layout = spec.layout();
    double[] params = new double[layout.size()];
    Gaussian gaussian = new Gaussian(new SplittableRandom(seed));
    double sigma1 = scheme.sigma(layout.inputs());
    for (int i = 0; i < layout.w1Size(); i++) {
      params[layout.w1Offset() + i] = sigma1 * gaussian.next();
    }
    double sigma2 = scheme.sigma(layout.hidden());
    for (int i = 0; i < layout.w2Size(); i++) {
      params[layout.w2Offset() + i] = sigma2 * gaussian.next();
    }
    return params;
  }

  /** Standard normal variates by the polar (Marsaglia) method; keeps the spare of each pair. */
  static final class Gaussian {
    private final SplittableRandom random;
    private double spare;
    private boolean hasSpare;

    Gaussian(SplittableRandom random) {
      this.random = random;
    }

    double next() {
      if (hasSpare) {
        hasSpare = false;
        return spare;
      }
      double u;
      double v;
      double s;
      do {
        u = 2 * random.nextDouble() - 1;
        v = 2 * random.nextDouble() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s == 0);
      double factor = Math.sqrt(-2 * Math.log(s) / s);
      spare = v * factor;
      hasSpare = true;
      return u * factor;
    }
  }
}
