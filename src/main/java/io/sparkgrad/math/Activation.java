package io.sparkgrad.math;


/** Hidden-layer activation functions. */
public enum Activation {
  /** h(x) = 1 if x > 0 else 0. Forward only: its derivative is zero almost everywhere. */
  STEP,
  /** h(x) = 1 / (1 + exp(-x)), computed without overflow for any finite x. */
  SIGMOID,
  /** h(x) = max(0, x). */
  RELU;

  /** Whether backpropagation through this function gives a useful gradient. */
  public boolean isTrainable() {
    return this != STEP;
  }

  /** Refuses training with a function that has no gradient, saying why. */
  public void requireTrainable(String key) {
    if (!isTrainable()) {
      throw new IllegalArgumentException(
          key + ": 'step' cannot be trained: its derivative is 0 everywhere except at 0, where it"
              + " is undefined, so backpropagation would never change the first layer; use"
              + " 'sigmoid' or 'relu' (step remains available for forward passes)");
    }
  }

  public static Activation parse(String key, String value) {
    return Enums.parse(Activation.class, key, value);
  }

  public String label() {
    return Enums.label(this);
  }
}
