package io.sparkgrad.network;

import java.util.Arrays;

/**
 * A first-order optimizer over the flat parameter array. Each instance owns its state; runs never
 * share one (use {@link #copy()}). The state is one double array ({@link #state()}), so it can be
 * checkpointed, broadcast, and averaged across partitions.
 *
 * <p>With weight decay λ &gt; 0, {@code λ·w} is added to the gradient of the weights (not the
 * biases) before the update: plain L2 regularization of ½·λ·‖W‖².
 */
public abstract class Optimizer {
  protected final ParameterLayout layout;
  protected final double weightDecay;
  protected final double[] state;

  protected Optimizer(ParameterLayout layout, double weightDecay, int stateSize) {
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException(
          "weight-decay: expected a finite value ≥ 0; found " + weightDecay);
    }
    this.layout = layout;
    this.weightDecay = weightDecay;
    this.state = new double[stateSize];
  }

  public abstract OptimizerKind kind();

  /**
   * One update of {@code params} from the mean gradient {@code grad} at learning rate {@code lr}.
   * {@code grad} is modified when weight decay is on.
   */
  public final void step(double[] params, double[] grad, double lr) {
    layout.checkSize("parameters", params.length);
    layout.checkSize("gradient", grad.length);
    layout.addWeightDecay(grad, params, weightDecay);
    update(params, grad, lr);
  }

  protected abstract void update(double[] params, double[] grad, double lr);

  /** The optimizer's state (live, not a copy): moments, accumulators, step count. */
  public double[] state() {
    return state;
  }

  /** Replaces the state, e.g. from a checkpoint or an average across partitions. */
  public void setState(double[] newState) {
    if (newState.length != state.length) {
      throw new IllegalArgumentException(
          kind().label() + " state: expected " + state.length + " values; found "
              + newState.length);
    }
    System.arraycopy(newState, 0, state, 0, state.length);
  }

  /** An independent optimizer of the same kind and settings with a copy of this state. */
  public final Optimizer copy() {
    Optimizer copy = kind().create(layout, weightDecay);
    copy.setState(state);
    return copy;
  }

  public double weightDecay() {
    return weightDecay;
  }

  @Override
  public String toString() {
    return kind().label() + "(weightDecay=" + weightDecay + ", state=" + state.length
        + " values, hash " + Arrays.hashCode(state) + ")";
  }

  /** w := w − lr·g. */
  static final class Sgd extends Optimizer {
    Sgd(ParameterLayout layout, double weightDecay) {
      super(layout, weightDecay, 0);
    }

    @Override
    public OptimizerKind kind() {
      return OptimizerKind.SGD;
    }

    @Override
    protected void update(double[] params, double[] grad, double lr) {
      for (int i = 0; i < params.length; i++) {
        params[i] -= lr * grad[i];
      }
    }
  }

  /** v := μ·v − lr·g; w := w + v. State: v. */
  static final class Momentum extends Optimizer {
    private final double momentum;

    Momentum(ParameterLayout layout, double weightDecay, double momentum) {
      super(layout, weightDecay, layout.size());
      this.momentum = momentum;
    }

    @Override
    public OptimizerKind kind() {
      return OptimizerKind.MOMENTUM;
    }

    @Override
    protected void update(double[] params, double[] grad, double lr) {
      double[] v = state;
      for (int i = 0; i < params.length; i++) {
        v[i] = momentum * v[i] - lr * grad[i];
        params[i] += v[i];
      }
    }
  }

  /** h := h + g²; w := w − lr·g / (√h + 1e−7). State: h. */
  static final class AdaGrad extends Optimizer {
    private static final double EPSILON = 1e-7;

    AdaGrad(ParameterLayout layout, double weightDecay) {
      super(layout, weightDecay, layout.size());
    }

    @Override
    public OptimizerKind kind() {
      return OptimizerKind.ADAGRAD;
    }

    @Override
    protected void update(double[] params, double[] grad, double lr) {
      double[] h = state;
      for (int i = 0; i < params.length; i++) {
        h[i] += grad[i] * grad[i];
        params[i] -= lr * grad[i] / (Math.sqrt(h[i]) + EPSILON);
      }
    }
  }

  /**
   * Adam (Kingma and Ba, 2015) with bias correction: m := β1·m + (1−β1)·g; v := β2·v + (1−β2)·g²;
   * w := w − lr·m̂ / (√v̂ + ε). State: m, v, then the step count t.
   */
  static final class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    Adam(ParameterLayout layout, double weightDecay, double beta1, double beta2, double epsilon) {
      super(layout, weightDecay, 2 * layout.size() + 1);
      this.beta1 = beta1;
      this.beta2 = beta2;
      this.epsilon = epsilon;
    }

    @Override
    public OptimizerKind kind() {
      return OptimizerKind.ADAM;
    }

    @Override
    protected void update(double[] params, double[] grad, double lr) {
      int n = params.length;
      double t = state[2 * n] + 1;
      state[2 * n] = t;
      double correction1 = 1 - Math.pow(beta1, t);
      double correction2 = 1 - Math.pow(beta2, t);
      for (int i = 0; i < n; i++) {
        double g = grad[i];
        double m = beta1 * state[i] + (1 - beta1) * g;
        double v = beta2 * state[n + i] + (1 - beta2) * g * g;
        state[i] = m;
        state[n + i] = v;
        params[i] -= lr * (m / correction1) / (Math.sqrt(v / correction2) + epsilon);
      }
    }
  }
}
