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
 *
 * <p>The sums are allocated on first use, so the zero value that Spark ships with every task of
 * a tree aggregation stays a few bytes.
 */
public final class JobResult implements Serializable {
  private final int vectorSize;
  private final int stateSize;
  private ExactSum vector;
  private ExactSum state;
  private final ExactSum trainLoss = new ExactSum(1);
  private long examples;
  private long trainCorrect;
  /** A value that could not enter the sums (NaN, infinite, huge): training has diverged. */
  private Double nonFinite;

  public JobResult(int vectorSize, int stateSize) {
    this.vectorSize = vectorSize;
    this.stateSize = stateSize;
  }

  public JobResult merge(JobResult other) {
    if (nonFinite == null && other.nonFinite != null) {
      nonFinite = other.nonFinite;
    }
    vector = mergeInto(vector, other.vector);
    state = mergeInto(state, other.state);
    trainLoss.merge(other.trainLoss);
    examples += other.examples;
    trainCorrect += other.trainCorrect;
    return this;
  }

  private static ExactSum mergeInto(ExactSum mine, ExactSum theirs) {
    if (theirs == null) {
      return mine;
    }
    return mine == null ? theirs : mine.merge(theirs);
  }

  void addVector(double[] values) {
    if (vector == null) {
      vector = new ExactSum(vectorSize);
    }
    guard(() -> vector.addAll(values));
  }

  void addState(double[] values) {
    if (state == null) {
      state = new ExactSum(stateSize);
    }
    guard(() -> state.addAll(values));
  }

  /**
   * Records a value that cannot be summed instead of failing the task: divergence is
   * deterministic, so Spark retrying the task would only fail again, and the driver reports it
   * better (epoch, step, cause).
   */
  private void guard(Runnable add) {
    try {
      add.run();
    } catch (ExactSum.NonFiniteValueException e) {
      if (nonFinite == null) {
        nonFinite = e.value();
      }
    }
  }

  /** The first value that could not be summed, if training diverged in this job. */
  public java.util.OptionalDouble nonFiniteValue() {
    return nonFinite == null ? java.util.OptionalDouble.empty()
        : java.util.OptionalDouble.of(nonFinite);
  }

  void addExamples(long count, double lossSum, long correct) {
    examples += count;
    guard(() -> trainLoss.add(0, lossSum));
    trainCorrect += correct;
  }

  /** The summed vector times {@code scale}. */
  public double[] vector(double scale) {
    return vector == null ? new double[vectorSize] : vector.toArray(scale);
  }

  /** The summed optimizer state times {@code scale}. */
  public double[] state(double scale) {
    return state == null ? new double[stateSize] : state.toArray(scale);
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
