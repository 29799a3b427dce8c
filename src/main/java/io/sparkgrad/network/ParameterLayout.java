package io.sparkgrad.network;

import java.io.Serializable;

/**
 * Where W1, b1, W2 and b2 sit in the one flat parameter array (gradients use the same layout, so
 * adding two gradients is one axpy and a training step broadcasts one array).
 *
 * <pre>
 *   offset        block  shape (column-major)   role
 *   0             W1     hidden × inputs         first-layer weights (same bytes as numpy W1[in, H])
 *   w1Size        b1     hidden                  first-layer bias
 *   b1Off+H       W2     outputs × hidden        second-layer weights (same bytes as numpy W2[H, out])
 *   w2Off+out*H   b2     outputs                 second-layer bias
 * </pre>
 */
public record ParameterLayout(int inputs, int hidden, int outputs) implements Serializable {

  public ParameterLayout {
    requirePositive("inputs", inputs);
    requirePositive("hidden", hidden);
    requirePositive("outputs", outputs);
    long size = (long) hidden * inputs + hidden + (long) outputs * hidden + outputs;
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "network: " + inputs + "→" + hidden + "→" + outputs + " needs " + size
              + " parameters; at most " + (Integer.MAX_VALUE - 8) + " fit in one array");
    }
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + ": expected a positive size; found " + value);
    }
  }

  public int w1Offset() {
    return 0;
  }

  public int w1Size() {
    return hidden * inputs;
  }

  public int b1Offset() {
    return w1Size();
  }

  public int w2Offset() {
    return b1Offset() + hidden;
  }

  public int w2Size() {
    return outputs * hidden;
  }

  public int b2Offset() {
    return w2Offset() + w2Size();
  }

  /** Total number of parameters. */
  public int size() {
    return b2Offset() + outputs;
  }

  /**
   * {@code grad[i] += lambda * params[i]} over the weights W1 and W2 only: the gradient of the
   * L2 penalty ½·λ·(‖W1‖² + ‖W2‖²). Biases are not decayed.
   */
  public void addWeightDecay(double[] grad, double[] params, double lambda) {
    addWeightDecay(grad, params, lambda, 0, size());
  }

  /** {@link #addWeightDecay(double[], double[], double)} on {@code [from, to)} only. */
  public void addWeightDecay(double[] grad, double[] params, double lambda, int from, int to) {
    if (lambda == 0) {
      return;
    }
    for (int i = Math.max(from, w1Offset()); i < Math.min(to, w1Offset() + w1Size()); i++) {
      grad[i] += lambda * params[i];
    }
    for (int i = Math.max(from, w2Offset()); i < Math.min(to, w2Offset() + w2Size()); i++) {
      grad[i] += lambda * params[i];
    }
  }

  /** {@link #addWeightDecay(double[], double[], double)} in float32. */
  public void addWeightDecay(float[] grad, float[] params, double lambda) {
    addWeightDecay(grad, params, lambda, 0, size());
  }

  /** {@link #addWeightDecay(float[], float[], double)} on {@code [from, to)} only. */
  public void addWeightDecay(float[] grad, float[] params, double lambda, int from, int to) {
    if (lambda == 0) {
      return;
    }
    float decay = (float) lambda;
    for (int i = Math.max(from, w1Offset()); i < Math.min(to, w1Offset() + w1Size()); i++) {
      grad[i] += decay * params[i];
    }
    for (int i = Math.max(from, w2Offset()); i < Math.min(to, w2Offset() + w2Size()); i++) {
      grad[i] += decay * params[i];
    }
  }

  /** Throws unless {@code array} holds exactly {@link #size()} values. */
  public void checkSize(String what, int length) {
    if (length != size()) {
      throw new IllegalArgumentException(
          what + ": expected " + size() + " values for a " + inputs + "→" + hidden + "→" + outputs
              + " network; found " + length);
    }
  }
}
