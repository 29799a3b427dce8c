package io.sparkgrad.config;

import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.network.WeightInit;
import java.io.Serializable;

/**
 * The network's shape and functions. Each component is the value of the training key of its
 * name ({@link Groups}).
 *
 * @param classes 0 = one more than the largest label of either split
 */
public record Network(
    int hidden, Activation activation, LossFunction loss, OutputFunction output, WeightInit init,
    int classes) implements Serializable {

  /** The network spec for a data set with {@code inputs} features and {@code outputs} classes. */
  public NetworkSpec spec(int inputs, int outputs) {
    return new NetworkSpec(new ParameterLayout(inputs, hidden, outputs), activation, output, loss);
  }
}
