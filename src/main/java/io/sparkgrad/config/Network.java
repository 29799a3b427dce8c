package io.sparkgrad.config;

import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.network.WeightInit;
import java.util.Objects;

/** The network's shape and functions: the keys hidden, activation, loss, output, init, classes. */
public record Network(Values values) {
  public Network {
    Objects.requireNonNull(values, "values");
  }

  public int hidden() {
    return values.get(TrainingKeys.HIDDEN);
  }

  public Activation activation() {
    return values.get(TrainingKeys.ACTIVATION);
  }

  public LossFunction loss() {
    return values.get(TrainingKeys.LOSS);
  }

  public OutputFunction output() {
    return values.get(TrainingKeys.OUTPUT);
  }

  public WeightInit init() {
    return values.get(TrainingKeys.INIT);
  }

  /** 0 = one more than the largest label of either split. */
  public int classes() {
    return values.get(TrainingKeys.CLASSES);
  }

  /** The network spec for a data set with {@code inputs} features and {@code outputs} classes. */
  public NetworkSpec spec(int inputs, int outputs) {
    return new NetworkSpec(new ParameterLayout(inputs, hidden(), outputs), activation(), output(),
        loss());
  }
}
