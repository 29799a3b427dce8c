package io.sparkgrad.network;

import io.sparkgrad.math.Enums;

/** The optimizers, with the learning rate each is usually run at. */
public enum OptimizerKind {
  SGD(0.1),
  MOMENTUM(0.05),
  ADAGRAD(0.01),
  ADAM(0.001);

  private final double defaultLearningRate;

  OptimizerKind(double defaultLearningRate) {
    this.defaultLearningRate = defaultLearningRate;
  }

  public double defaultLearningRate() {
    return defaultLearningRate;
  }

  public static OptimizerKind parse(String key, String value) {
    return Enums.parse(OptimizerKind.class, key, value);
  }

  public String label() {
    return Enums.label(this);
  }

  /** A new optimizer of this kind with fresh state for {@code size} parameters. */
  public Optimizer create(ParameterLayout layout, double weightDecay) {
    switch (this) {
      case SGD:
        return new Optimizer.Sgd(layout, weightDecay);
      case MOMENTUM:
        return new Optimizer.Momentum(layout, weightDecay, 0.9);
      case ADAGRAD:
        return new Optimizer.AdaGrad(layout, weightDecay);
      case ADAM:
        return new Optimizer.Adam(layout, weightDecay, 0.9, 0.999, 1e-8);
      default:
        throw new IllegalStateException(name());
    }
  }
}
