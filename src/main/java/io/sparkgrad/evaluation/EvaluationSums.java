package io.sparkgrad.evaluation;

import io.sparkgrad.math.ExactSum;
import java.io.Serializable;

/**
 * Running sums of an evaluation: the loss (exact, so merge order does not matter), the confusion
 * matrix (true class × predicted class) and the number of examples. Merge is associative and
 * commutative; everything is derived from the sums when read.
 */
public final class EvaluationSums implements Serializable {
  private final int classes;
  private final ExactSum loss = new ExactSum(1);
  private final long[] confusion;
  private long count;

  public EvaluationSums(int classes) {
    this.classes = classes;
    this.confusion = new long[classes * classes];
  }

  void add(double lossSum, int[] trueLabels, int labelOff, int[] predicted, int rows) {
    loss.add(0, lossSum);
    for (int i = 0; i < rows; i++) {
      confusion[trueLabels[labelOff + i] * classes + predicted[i]]++;
    }
    count += rows;
  }

  public EvaluationSums merge(EvaluationSums other) {
    if (other.classes != classes) {
      throw new IllegalArgumentException(
          "merge: expected " + classes + " classes; found " + other.classes);
    }
    loss.merge(other.loss);
    for (int i = 0; i < confusion.length; i++) {
      confusion[i] += other.confusion[i];
    }
    count += other.count;
    return this;
  }

  public int classes() {
    return classes;
  }

  public long count() {
    return count;
  }

  public double meanLoss() {
    return count == 0 ? Double.NaN : loss.get(0) / count;
  }

  public long correct() {
    long correct = 0;
    for (int k = 0; k < classes; k++) {
      correct += confusion[k * classes + k];
    }
    return correct;
  }

  public double accuracy() {
    return count == 0 ? Double.NaN : (double) correct() / count;
  }

  /** Examples of true class {@code actual} predicted as {@code predicted}. */
  public long confusion(int actual, int predicted) {
    return confusion[actual * classes + predicted];
  }
}
