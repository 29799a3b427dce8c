package io.sparkgrad.training;

import io.sparkgrad.math.ExactSum;
import java.io.Serializable;

/**
 * What partitions send back from one training job, summed exactly (see {@link ExactSum}) so that
 * the result does not depend on the order in which Spark merges partitions.
 *
 * <p>In {@link SyncMode#GRADIENT} mode {@code vector} is the summed gradient over the step's
 * examples; in {@link SyncMode#LOCAL_STEPS} mode it is Σ_p n_p·(w_p − w) and {@code state} is
 * Σ_p n_p·s_p, weighting each partition's update and optimizer state by the examples it used.
 * {@code trainLoss} and {@code trainCorrect} cover the examples seen during the job, measured
 * before each example's step.
 */
public final class JobResult implements Serializable {
  private final ExactSum vector;
  private final ExactSum state;
  private final ExactSum trainLoss;
  private long examples;
  private long trainCorrect;

  public JobResult(int vectorSize, int stateSize) {
    this.vector = new ExactSum(vectorSize);
    this.state = new ExactSum(stateSize);
    this.trainLoss = new ExactSum(1);
  }

  public JobResult merge(JobResult other) {
    vector.merge(other.vector);
    state.merge(other.state);
    trainLoss.merge(other.trainLoss);
    examples += other.examples;
    trainCorrect += other.trainCorrect;
    return this;
  }

  void addVector(double[] values) {
    vector.addAll(values);
  }

  void addState(double[] values) {
    state.addAll(values);
  }

  void addExamples(long count, double lossSum, long correct) {
    examples += count;
    trainLoss.add(0, lossSum);
    trainCorrect += correct;
  }

  /** The summed vector times {@code scale}. */
  public double[] vector(double scale) {
    return vector.toArray(scale);
  }

  /** The summed optimizer state times {@code scale}. */
  public double[] state(double scale) {
    return state.toArray(scale);
  }

  public long examples() {
    return examples;
  }

  public double trainLossSum() {
    return trainLoss.get(0);
  }

  public long trainCorrect() {
    return trainCorrect;
  }
}
