package io.sparkgrad.worker;

import io.sparkgrad.math.ExactSum;
import java.io.Serializable;
import java.util.function.Supplier;

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
 *
 * <p>A float32 task sends less still: its final float parameters and optimizer state as they are,
 * with its example count n ({@link #addFloatSteps}), 4 bytes a value instead of 8, and no
 * copy made in the task. Where the result is first merged or read, n·(w − w₀) and n·s are formed
 * from them with exactly the task's former arithmetic, so the exact sums receive the same doubles;
 * w₀, the job's start weights, come from {@link StartWeights} (the broadcast's, on the driver).
 */
public final class JobResult implements Serializable {
  /**
   * The start weights of a job, where its results meet: serializable and small (it reads them,
   * e.g. from a broadcast, rather than holding them), since it travels with every task's result.
   */
  public interface StartWeights extends Supplier<double[]>, Serializable {}

  private final LazySum vector;
  private final LazySum state;
  /** Set with a float32 task's steps; needed until its values settle into the sums. */
  private StartWeights start;
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
    if (start == null) {
      start = other.start;
    }
    StartWeights from = start;
    guard(() -> vector.merge(other.vector, from));
    guard(() -> state.merge(other.state, from));
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
   * Adds a float32 task's local steps over {@code weight} examples: its final parameters
   * ({@code params}, to be measured from {@code start}) and its optimizer's state vectors and
   * scalars. The arrays are kept, not copied: the task must not change them afterwards.
   */
  void addFloatSteps(float[] params, float[][] stateVectors, double[] stateScalars,
      double weight, StartWeights start) {
    this.start = start;
    guard(() -> vector.add(new FloatValues(new float[][] {params}, new double[0], weight, true)));
    guard(() -> state.add(new FloatValues(stateVectors, stateScalars, weight, false)));
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
    guard(() -> vector.settle(start));
    guard(() -> state.settle(start));
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
    return vector.toArray(scale, start);
  }

  /** The summed optimizer state times {@code scale}. */
  public double[] state(double scale) {
    return state.toArray(scale, start);
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
   * A float32 task's values before they enter a sum: {@code vectors} one after another, then
   * {@code scalars}, each times {@code weight}; with {@code fromStart}, the one vector is measured
   * from the start weights first: weight·((double) v − w₀), the order of operations the task used.
   */
  private record FloatValues(float[][] vectors, double[] scalars, double weight,
      boolean fromStart) implements Serializable {
    int size() {
      int size = scalars.length;
      for (float[] v : vectors) {
        size += v.length;
      }
      return size;
    }

    double[] toDoubles(StartWeights start) {
      double[] values = new double[size()];
      int at = 0;
      if (fromStart) {
        if (start == null) {
          throw new IllegalStateException("a float32 update needs its job's start weights");
        }
        double[] w0 = start.get();
        float[] v = vectors[0];
        for (int i = 0; i < v.length; i++) {
          values[i] = weight * ((double) v[i] - w0[i]);
        }
        return values;
      }
      for (float[] v : vectors) {
        for (int i = 0; i < v.length; i++) {
          values[at++] = (double) v[i] * weight;
        }
      }
      for (double scalar : scalars) {
        values[at++] = scalar * weight;
      }
      return values;
    }
  }

  /**
   * An exact sum of vectors that keeps a single added vector as plain doubles or as a float32
   * task's values ("pending") until a second one meets it. Its methods throw {@link
   * ExactSum.NonFiniteValueException} for a value that cannot be summed; {@link JobResult}
   * records it.
   */
  private static final class LazySum implements Serializable {
    private final String name;
    private final int size;
    /** Allocated on first use, so an empty sum (Spark's zero value) is a few bytes. */
    private ExactSum exact;
    private double[] pending;
    private FloatValues pendingFloats;

    LazySum(String name, int size) {
      this.name = name;
      this.size = size;
    }

    private boolean isEmpty() {
      return exact == null && pending == null && pendingFloats == null;
    }

    void add(double[] values) {
      checkSize(values.length);
      if (isEmpty()) {
        pending = values;
      } else {
        settle(null);
        exact.addAll(values);
      }
    }

    void add(FloatValues values) {
      checkSize(values.size());
      if (isEmpty()) {
        pendingFloats = values;
      } else {
        throw new IllegalStateException(name + ": a task adds its float32 steps once");
      }
    }

    private void checkSize(int found) {
      if (found != size) {
        throw new IllegalArgumentException(
            name + ": expected " + size + " values; found " + found);
      }
    }

    void merge(LazySum other, StartWeights start) {
      if (isEmpty()) {
        // Nothing here yet (the zero value): adopt the other side as it is, pending or not.
        exact = other.exact;
        pending = other.pending;
        pendingFloats = other.pendingFloats;
      } else if (!other.isEmpty()) {
        settle(start);
        if (other.exact != null) {
          exact.merge(other.exact);
        }
        if (other.pending != null) {
          exact.addAll(other.pending);
        }
        if (other.pendingFloats != null) {
          exact.addAll(other.pendingFloats.toDoubles(start));
        }
      }
    }

    /** Moves the pending values, if any, into the exact sum. */
    void settle(StartWeights start) {
      if (exact == null) {
        exact = new ExactSum(size);
      }
      if (pending != null) {
        double[] values = pending;
        pending = null;
        exact.addAll(values);
      }
      if (pendingFloats != null) {
        FloatValues values = pendingFloats;
        pendingFloats = null;
        exact.addAll(values.toDoubles(start));
      }
    }

    double[] toArray(double scale, StartWeights start) {
      if (isEmpty()) {
        return new double[size];
      }
      settle(start);
      return exact.toArray(scale);
    }
  }
}
