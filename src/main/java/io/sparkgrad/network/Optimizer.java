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
  /** Per-parameter state vectors (kept apart so the update loops vectorize). */
  protected final double[][] vectors;
  /** Scalar state, e.g. Adam's step count. */
  protected final double[] scalars;
  /**
   * The state vectors in float32, used by {@link #step(float[], float[], double)}: a partition
   * taking many local steps in float32 keeps its parameters, gradient and state in one precision
   * instead of converting all of them at every step. Allocated on first use.
   */
  protected float[][] floatVectors;
  /** Whether {@link #floatVectors} (rather than {@link #vectors}) holds the current state. */
  private boolean stateInFloat;

  private final OptimizerKind kind;

  protected Optimizer(OptimizerKind kind, ParameterLayout layout, double weightDecay,
      int vectorCount, int scalarCount) {
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException(
          "weight-decay: expected a finite value ≥ 0; found " + weightDecay);
    }
    this.kind = kind;
    this.layout = layout;
    this.weightDecay = weightDecay;
    this.vectors = new double[vectorCount][layout.size()];
    this.scalars = new double[scalarCount];
  }

  public final OptimizerKind kind() {
    return kind;
  }

  /**
   * One update of {@code params} from the mean gradient {@code grad} at learning rate {@code lr}.
   * {@code grad} is modified when weight decay is on.
   */
  public final void step(double[] params, double[] grad, double lr) {
    layout.checkSize("parameters", params.length);
    layout.checkSize("gradient", grad.length);
    begin(lr, false).apply(params, grad, 0, params.length);
  }

  /**
   * The same update in float32 arithmetic (the scalars, such as Adam's step size, stay double).
   * The state moves to float32 on the first such step and back on the next double step, {@link
   * #state()} or {@link #setState}, so the two forms can be mixed but are best not alternated.
   */
  public final void step(float[] params, float[] grad, double lr) {
    layout.checkSize("parameters", params.length);
    layout.checkSize("gradient", grad.length);
    begin(lr, true).apply(params, grad, 0, params.length);
  }

  /**
   * Starts one update at rate {@code lr} whose parameters are then updated in ranges
   * ({@link Step#apply}), by several threads at once if wished: the step count advances once
   * here, and since every update is elementwise, any split of the parameters gives exactly the
   * result of {@link #step(float[], float[], double)} (or the double one, {@code inFloat} false).
   */
  public final Step begin(double lr, boolean inFloat) {
    if (inFloat) {
      useFloatState();
    } else {
      useDoubleState();
    }
    return new Step(advance(lr));
  }

  /** One update, applied range by range; ranges must not overlap. */
  public final class Step {
    private final double[] stepScalars;

    private Step(double[] stepScalars) {
      this.stepScalars = stepScalars;
    }

    /** Updates {@code params[from, to)} from {@code grad[from, to)}. */
    public void apply(float[] params, float[] grad, int from, int to) {
      layout.addWeightDecay(grad, params, weightDecay, from, to);
      update(params, grad, stepScalars, from, to);
    }

    /** Updates {@code params[from, to)} from {@code grad[from, to)} in double. */
    public void apply(double[] params, double[] grad, int from, int to) {
      layout.addWeightDecay(grad, params, weightDecay, from, to);
      update(params, grad, stepScalars, from, to);
    }

    /**
     * Exactly {@code first[i] += last[i]} over {@code [from, to)} and then {@link
     * #apply(float[], float[], int, int)} with {@code first}: the same float additions in the same
     * order, so the same bits, but without the pass that writes the sum back and reads it again
     * where the optimizer can take the sum as it goes (Adam, without weight decay). {@code first}
     * holds the sum afterwards only when the fused pass is not taken: callers must not rely on it.
     */
    public void applySum(float[] params, float[] first, float[] last, int from, int to) {
      if (weightDecay == 0 && updateSum(params, first, last, stepScalars, from, to)) {
        return;
      }
      for (int i = from; i < to; i++) {
        first[i] += last[i];
      }
      apply(params, first, from, to);
    }
  }

  /**
   * {@link #update(float[], float[], double[], int, int)} from the gradient {@code first[i] +
   * last[i]} (one float addition, formed as {@link Step#applySum} defines it), in one pass;
   * returns false, having done nothing, where the optimizer has no such pass.
   */
  protected boolean updateSum(
      float[] params, float[] first, float[] last, double[] step, int from, int to) {
    return false;
  }

  /**
   * Advances the scalar state by one step and returns what the update of every parameter needs
   * at it (for most optimizers just the rate).
   */
  protected double[] advance(double lr) {
    return new double[] {lr};
  }

  /** The update of {@code params[from, to)}, with {@code step} from {@link #advance}. */
  protected abstract void update(double[] params, double[] grad, double[] step, int from, int to);

  /** {@link #update(double[], double[], double[], int, int)} over {@link #floatVectors}. */
  protected abstract void update(float[] params, float[] grad, double[] step, int from, int to);

  /**
   * State below this magnitude is set to 0. A state value that decays geometrically (Adam's
   * moments, momentum's velocity, when a weight's gradient stays 0, as it does for pixels that
   * are always blank) would otherwise become subnormal, and x86 arithmetic on subnormal numbers
   * is about 15 times slower (measured: an Adam step over 636k float parameters took 5.8 ms
   * instead of 0.4 ms). Values this small cannot move a weight: Adam divides by √v + ε with
   * ε = 1e−8, and a velocity of 1e−30 is far below a float weight's resolution.
   */
  static final double TINY = 1e-30;

  /** Sets every |x| &lt; TINY of {@code values[from, to)} to 0. */
  static void flushTiny(double[] values, int from, int to) {
    for (int i = from; i < to; i++) {
      if (Math.abs(values[i]) < TINY) {
        values[i] = 0;
      }
    }
  }

  static void flushTiny(float[] values, int from, int to) {
    float tiny = (float) TINY;
    for (int i = from; i < to; i++) {
      if (Math.abs(values[i]) < tiny) {
        values[i] = 0;
      }
    }
  }

  private void useFloatState() {
    if (stateInFloat) {
      return;
    }
    if (floatVectors == null) {
      floatVectors = new float[vectors.length][layout.size()];
    }
    for (int j = 0; j < vectors.length; j++) {
      for (int i = 0; i < vectors[j].length; i++) {
        floatVectors[j][i] = (float) vectors[j][i];
      }
    }
    stateInFloat = true;
  }

  private void useDoubleState() {
    if (!stateInFloat) {
      return;
    }
    for (int j = 0; j < vectors.length; j++) {
      for (int i = 0; i < vectors[j].length; i++) {
        vectors[j][i] = floatVectors[j][i];
      }
    }
    stateInFloat = false;
  }

  /**
   * The live float32 state vectors (e.g. Adam's m and v) after float32 steps, for a caller that
   * hands them on instead of copying them ({@link #state()} widens and copies); null when the
   * state is not in float32. Further steps change them.
   */
  public float[][] floatStateVectors() {
    return stateInFloat ? floatVectors : null;
  }

  /** A copy of the scalar state (Adam's step count), the tail of {@link #state()}. */
  public double[] scalarState() {
    return scalars.clone();
  }

  /** Length of {@link #state()}. */
  public int stateSize() {
    return vectors.length * layout.size() + scalars.length;
  }

  /**
   * A copy of the state as one array: the state vectors one after another (e.g. Adam's m, then
   * v), then the scalars (Adam's step count).
   */
  public double[] state() {
    useDoubleState();
    double[] state = new double[stateSize()];
    int n = layout.size();
    for (int j = 0; j < vectors.length; j++) {
      System.arraycopy(vectors[j], 0, state, j * n, n);
    }
    System.arraycopy(scalars, 0, state, vectors.length * n, scalars.length);
    return state;
  }

  /** Replaces the state, e.g. from a checkpoint or an average across partitions. */
  public void setState(double[] newState) {
    if (newState.length != stateSize()) {
      throw new IllegalArgumentException(
          kind().label() + " state: expected " + stateSize() + " values; found "
              + newState.length);
    }
    int n = layout.size();
    stateInFloat = false;
    for (int j = 0; j < vectors.length; j++) {
      System.arraycopy(newState, j * n, vectors[j], 0, n);
    }
    System.arraycopy(newState, vectors.length * n, scalars, 0, scalars.length);
  }

  /** An independent optimizer of the same kind and settings with a copy of this state. */
  public final Optimizer copy() {
    Optimizer copy = kind().create(layout, weightDecay);
    copy.setState(state());
    return copy;
  }

  public double weightDecay() {
    return weightDecay;
  }

  @Override
  public String toString() {
    return kind().label() + "(weightDecay=" + weightDecay + ", state=" + stateSize()
        + " values, hash " + Arrays.hashCode(state()) + ")";
  }

  /** w := w − lr·g. */
  static final class Sgd extends Optimizer {
    Sgd(ParameterLayout layout, double weightDecay) {
      super(OptimizerKind.SGD, layout, weightDecay, 0, 0);
    }

    @Override
    protected void update(double[] params, double[] grad, double[] step, int from, int to) {
      double lr = step[0];
      for (int i = from; i < to; i++) {
        params[i] -= lr * grad[i];
      }
    }

    @Override
    protected void update(float[] params, float[] grad, double[] step, int from, int to) {
      float rate = (float) step[0];
      for (int i = from; i < to; i++) {
        params[i] -= rate * grad[i];
      }
    }
  }

  /** v := μ·v − lr·g; w := w + v. State: v. */
  static final class Momentum extends Optimizer {
    private final double momentum;

    Momentum(ParameterLayout layout, double weightDecay, double momentum) {
      super(OptimizerKind.MOMENTUM, layout, weightDecay, 1, 0);
      this.momentum = momentum;
    }

    @Override
    protected void update(double[] params, double[] grad, double[] step, int from, int to) {
      double lr = step[0];
      double[] v = vectors[0];
      for (int i = from; i < to; i++) {
        double velocity = momentum * v[i] - lr * grad[i];
        // Flushed in the loop (no step counter to schedule a pass by): see TINY.
        v[i] = Math.abs(velocity) < TINY ? 0 : velocity;
        params[i] += v[i];
      }
    }

    @Override
    protected void update(float[] params, float[] grad, double[] step, int from, int to) {
      float[] v = floatVectors[0];
      float mu = (float) momentum;
      float rate = (float) step[0];
      float tiny = (float) TINY;
      for (int i = from; i < to; i++) {
        float velocity = mu * v[i] - rate * grad[i];
        v[i] = Math.abs(velocity) < tiny ? 0 : velocity;
        params[i] += v[i];
      }
    }
  }

  /** h := h + g²; w := w − lr·g / (√h + 1e−7). State: h. */
  static final class AdaGrad extends Optimizer {
    private static final double EPSILON = 1e-7;

    AdaGrad(ParameterLayout layout, double weightDecay) {
      super(OptimizerKind.ADAGRAD, layout, weightDecay, 1, 0);
    }

    @Override
    protected void update(double[] params, double[] grad, double[] step, int from, int to) {
      double lr = step[0];
      double[] h = vectors[0];
      for (int i = from; i < to; i++) {
        h[i] += grad[i] * grad[i];
        params[i] -= lr * grad[i] / (Math.sqrt(h[i]) + EPSILON);
      }
    }

    @Override
    protected void update(float[] params, float[] grad, double[] step, int from, int to) {
      float[] h = floatVectors[0];
      float rate = (float) step[0];
      float epsilon = (float) EPSILON;
      for (int i = from; i < to; i++) {
        h[i] += grad[i] * grad[i];
        params[i] -= rate * grad[i] / ((float) Math.sqrt(h[i]) + epsilon);
      }
    }
  }

  /**
   * Adam (Kingma and Ba, 2015) with bias correction: m := β1·m + (1−β1)·g; v := β2·v + (1−β2)·g²;
   * w := w − α_t·m / (√v + ε̂), the paper's efficient form of w − lr·m̂ / (√v̂ + ε) with
   * α_t = lr·√(1−β2^t)/(1−β1^t) and ε̂ = ε·√(1−β2^t): one square root and one division per
   * parameter. State: m, v, then the step count t.
   */
  static final class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    Adam(ParameterLayout layout, double weightDecay, double beta1, double beta2, double epsilon) {
      super(OptimizerKind.ADAM, layout, weightDecay, 2, 1);
      this.beta1 = beta1;
      this.beta2 = beta2;
      this.epsilon = epsilon;
    }

    /**
     * Steps between passes that flush tiny moments to 0 (see TINY). Between two passes a moment
     * shrinks at most by β1^100 ≈ 3e−5 (β1 = 0.9), so from 1e−30 it stays far above float's
     * smallest normal number, 1.2e−38. The schedule follows the step count t, which is part of
     * the state, so a resumed run flushes at the same steps.
     */
    private static final int FLUSH_PERIOD = 100;

    /** Advances the step count and returns {α_t, ε̂, 1 if the moments are flushed at t}. */
    @Override
    protected double[] advance(double lr) {
      double t = scalars[0] + 1;
      scalars[0] = t;
      double correction1 = 1 - Math.pow(beta1, t);
      double root2 = Math.sqrt(1 - Math.pow(beta2, t));
      return new double[] {lr * root2 / correction1, epsilon * root2, t % FLUSH_PERIOD == 0 ? 1 : 0};
    }

    @Override
    protected void update(float[] params, float[] grad, double[] step, int from, int to) {
      float stepSize = (float) step[0];
      float epsilonHat = (float) step[1];
      float b1 = (float) beta1;
      float b2 = (float) beta2;
      float oneMinusB1 = (float) (1 - beta1);
      float oneMinusB2 = (float) (1 - beta2);
      float[] m = floatVectors[0];
      float[] v = floatVectors[1];
      if (step[2] != 0) {
        flushTiny(m, from, to);
        flushTiny(v, from, to);
      }
      for (int i = from; i < to; i++) {
        float g = grad[i];
        float mi = b1 * m[i] + oneMinusB1 * g;
        float vi = b2 * v[i] + oneMinusB2 * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] -= stepSize * mi / ((float) Math.sqrt(vi) + epsilonHat);
      }
    }

    @Override
    protected boolean updateSum(
        float[] params, float[] first, float[] last, double[] step, int from, int to) {
      float stepSize = (float) step[0];
      float epsilonHat = (float) step[1];
      float b1 = (float) beta1;
      float b2 = (float) beta2;
      float oneMinusB1 = (float) (1 - beta1);
      float oneMinusB2 = (float) (1 - beta2);
      float[] m = floatVectors[0];
      float[] v = floatVectors[1];
      if (step[2] != 0) {
        flushTiny(m, from, to);
        flushTiny(v, from, to);
      }
      // The loop of update(float[]…) with g = first[i] + last[i] in place of grad[i].
      for (int i = from; i < to; i++) {
        float g = first[i] + last[i];
        float mi = b1 * m[i] + oneMinusB1 * g;
        float vi = b2 * v[i] + oneMinusB2 * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] -= stepSize * mi / ((float) Math.sqrt(vi) + epsilonHat);
      }
      return true;
    }

    @Override
    protected void update(double[] params, double[] grad, double[] step, int from, int to) {
      double stepSize = step[0];
      double epsilonHat = step[1];
      double[] m = vectors[0];
      double[] v = vectors[1];
      if (step[2] != 0) {
        flushTiny(m, from, to);
        flushTiny(v, from, to);
      }
      for (int i = from; i < to; i++) {
        double g = grad[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        params[i] -= stepSize * m[i] / (Math.sqrt(v[i]) + epsilonHat);
      }
    }
  }
}
