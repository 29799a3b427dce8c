package io.sparkgrad.math;


/** Training losses, each reported as the mean over a block's examples. */
public enum LossFunction {
  /**
   * -sum(t * log y). Computed in log-softmax form from the logits, log y_k = a_k - max a -
   * log(sum exp(a - max a)), so it is exact and finite even where y_k rounds to 0 (no δ guard
   * is needed and none biases the value). Requires the softmax output.
   */
  CROSS_ENTROPY,
  /** ½ sum((y - t)²). */
  SUM_OF_SQUARES;

  public static LossFunction parse(String key, String value) {
    return Enums.parse(LossFunction.class, key, value);
  }

  /** The output function this loss pairs with unless configured otherwise. */
  public OutputFunction defaultOutput() {
    return this == CROSS_ENTROPY ? OutputFunction.SOFTMAX : OutputFunction.IDENTITY;
  }

  public String label() {
    return Enums.label(this);
  }
}
