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
 * a tree aggregation stays a few bytes. A partition's own vector and state stay plain doubles
 * ("pending") until two results meet: the task then sends 8 bytes per value instead of the exact
 * sum's 16 and converts nothing, and the conversion, done where results merge (the driver, on a
 * local master), gives the same bits as converting in the task, since exact sums do not depend
 * on when or in which order values enter them.
 */
public final class JobResult implements Serializable {
  private final int vectorSize;
  private final int stateSize;
  private ExactSum vector;
  private ExactSum state;
  /** This partition's vector before it meets another result; then added to {@link #vector}. */
  private double[] pendingVector;
  private double[] pendingState;
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
    if (vector == null && pendingVector == null) {
      // Nothing here yet (the zero value): adopt the other side as it is, pending or not.
      vector = other.vector;
      pendingVector = other.pendingVector;
    } else if (other.vector != null || other.pendingVector != null) {
      vector = exact(vector, pendingVector, vectorSize);
      pendingVector = null;
      addInto(vector, other.vector, other.pendingVector);
    }
    if (state == null && pendingState == null) {
      state = other.state;
      pendingState = other.pendingState;
    } else if (other.state != null || other.pendingState != null) {
      state = exact(state, pendingState, stateSize);
      pendingState = null;
      addInto(state, other.state, other.pendingState);
    }
    if (nonFinite == null && other.nonFinite != null) {
      nonFinite = other.nonFinite;
    }
    trainLoss.merge(other.trainLoss);
    examples += other.examples;
    trainCorrect += other.trainCorrect;
    return this;
  }

  /** The exact sum of {@code sum} (may be null) and {@code pending} (may be null). */
  private ExactSum exact(ExactSum sum, double[] pending, int size) {
    ExactSum result = sum != null ? sum : new ExactSum(size);
    addInto(result, null, pending);
    return result;
  }

  private void addInto(ExactSum target, ExactSum sum, double[] pending) {
    if (sum != null) {
      target.merge(sum);
    }
    if (pending != null) {
      guard(() -> target.addAll(pending));
    }
  }

  /** Adds a partition's vector; the array is kept, not copied, until another result is merged. */
  void addVector(double[] values) {
    checkLength("vector", values, vectorSize);
    if (vector == null && pendingVector == null) {
      pendingVector = values;
    } else {
      vector = exact(vector, pendingVector, vectorSize);
      pendingVector = null;
      addInto(vector, null, values);
    }
  }

  /** Adds a partition's optimizer state; the array is kept, not copied, like the vector's. */
  void addState(double[] values) {
    checkLength("state", values, stateSize);
    if (state == null && pendingState == null) {
      pendingState = values;
    } else {
      state = exact(state, pendingState, stateSize);
      pendingState = null;
      addInto(state, null, values);
    }
  }

  private static void checkLength(String what, double[] values, int size) {
    if (values.length != size) {
      throw new IllegalArgumentException(
          what + ": expected " + size + " values; found " + values.length);
    }
  }

  /** Converts what is still pending into the exact sums (recording a non-finite value). */
  private void settle() {
    if (pendingVector != null) {
      vector = exact(vector, pendingVector, vectorSize);
      pendingVector = null;
    }
    if (pendingState != null) {
      state = exact(state, pendingState, stateSize);
      pendingState = null;
    }
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
    settle();
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
    settle();
    return vector == null ? new double[vectorSize] : vector.toArray(scale);
  }

  /** The summed optimizer state times {@code scale}. */
  public double[] state(double scale) {
    settle();
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
