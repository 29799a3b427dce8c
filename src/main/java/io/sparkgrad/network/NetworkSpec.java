package io.sparkgrad.network;

import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import java.io.Serializable;
import java.util.Objects;

/** The architecture of a two-layer network: sizes, hidden activation, output function, loss. */
public record NetworkSpec(
    ParameterLayout layout, Activation activation, OutputFunction output, LossFunction loss)
    implements Serializable {

  public NetworkSpec {
    Objects.requireNonNull(layout, "layout");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(loss, "loss");
    if (loss == LossFunction.CROSS_ENTROPY && output != OutputFunction.SOFTMAX) {
      throw new IllegalArgumentException(
          "output: cross-entropy needs class probabilities, so the output function must be"
              + " 'softmax'; found '" + output.label() + "'");
    }
  }

  public static NetworkSpec of(
      int inputs, int hidden, int outputs, Activation activation, LossFunction loss) {
    return new NetworkSpec(
        new ParameterLayout(inputs, hidden, outputs), activation, loss.defaultOutput(), loss);
  }

  public int inputs() {
    return layout.inputs();
  }

  public int hidden() {
    return layout.hidden();
  }

  public int outputs() {
    return layout.outputs();
  }

  /** Refuses a spec that cannot be trained (the step activation), with the reason. */
  public NetworkSpec requireTrainable() {
    activation.requireTrainable("activation");
    return this;
  }

  /** Floating-point operations of one forward+backward pass over {@code rows} examples. */
  public double trainingFlops(long rows) {
    // forward 2·n·(d·H + H·out); backward dW1, dW2, dZ1: 2·n·(d·H + 2·H·out).
    return 2.0 * rows * (2.0 * inputs() * hidden() + 3.0 * hidden() * outputs());
  }

  public String describe() {
    return inputs() + "→" + hidden() + "(" + activation.label() + ")→" + outputs() + "("
        + output.label() + "), loss " + loss.label();
  }
}
