package io.sparkgrad.worker;

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
  private final LazySum vector;
  private final LazySum state;
  private final ExactSum trainLoss = new ExactSum(1);
  private long examples;
  private long trainCorrect;
  /** A value that could not enter the sums (NaN, infinite, huge): training has diverged. */
  private Double nonFinite;

  public JobResult(int vectorSize, int stateSize) {
    this.vector = new LazySum("vector", vectorSize);
    this.state = new LazySum("state", stateSize);
  }

  public JobResult merge(JobResult other) {
    guard(() -> vector.merge(other.vector));
    guard(() -> state.merge(other.state));
    if (nonFinite == null && other.nonFinite != null) {
      nonFinite = other.nonFinite;
    }
    trainLoss.merge(other.trainLoss);
    examples += other.examples;
    trainCorrect += other.trainCorrect;
    return this;
  }

  /** Adds a partition's vector; the array is kept, not copied, until another result is merged. */
  void addVector(double[] values) {
    guard(() -> vector.add(values));
  }

  /** Adds a partition's optimizer state; the array is kept, not copied, like the vector's. */
  void addState(double[] values) {
    guard(() -> state.add(values));
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
    guard(vector::settle);
    guard(state::settle);
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

  /**
   * An exact sum of vectors that keeps a single added vector as plain doubles ("pending") until
   * a second one meets it. Its methods throw {@link ExactSum.NonFiniteValueException} for a
   * value that cannot be summed; {@link JobResult} records it.
   */
  private static final class LazySum implements Serializable {
    private final String name;
    private final int size;
    /** Allocated on first use, so an empty sum (Spark's zero value) is a few bytes. */
    private ExactSum exact;
    private double[] pending;

    LazySum(String name, int size) {
      this.name = name;
      this.size = size;
    }

    private boolean isEmpty() {
      return exact == null && pending == null;
    }

    void add(double[] values) {
      if (values.length != size) {
        throw new IllegalArgumentException(
            name + ": expected " + size + " values; found " + values.length);
      }
      if (isEmpty()) {
        pending = values;
      } else {
        settle();
        exact.addAll(values);
      }
    }

    void merge(LazySum other) {
      if (isEmpty()) {
        // Nothing here yet (the zero value): adopt the other side as it is, pending or not.
        exact = other.exact;
        pending = other.pending;
      } else if (!other.isEmpty()) {
        settle();
        if (other.exact != null) {
          exact.merge(other.exact);
        }
        if (other.pending != null) {
          exact.addAll(other.pending);
        }
      }
    }

    /** Moves the pending vector, if any, into the exact sum. */
    void settle() {
      if (exact == null) {
        exact = new ExactSum(size);
      }
      if (pending != null) {
        double[] values = pending;
        pending = null;
        exact.addAll(values);
      }
    }

    double[] toArray(double scale) {
      if (isEmpty()) {
        return new double[size];
      }
      settle();
      return exact.toArray(scale);
    }
  }
}
