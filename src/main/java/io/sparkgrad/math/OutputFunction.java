package io.sparkgrad.math;


/** The function applied to the output layer's affine result. */
public enum OutputFunction {
  /** y = a: regression. */
  IDENTITY,
  /** y = exp(a - max a) / sum(exp(a - max a)), per example: classification. */
  SOFTMAX;

  public static OutputFunction parse(String key, String value) {
    return Enums.parse(OutputFunction.class, key, value);
  }

  public String label() {
    return Enums.label(this);
  }
}
