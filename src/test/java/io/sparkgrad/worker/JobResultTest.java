package io.sparkgrad.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.math.ExactSum;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Partition results merge to the same bits in any order and tree shape, whether a partition's
 * values are still pending (plain doubles, as a task sends them) or already exact sums.
 */
class JobResultTest {
  private static final int SIZE = 1000;

  @Test
  void anyMergeOrderGivesTheBitsOfOneExactSum() throws Exception {
    double[][] parts = new double[5][];
    SplittableRandom random = new SplittableRandom(4);
    ExactSum expected = new ExactSum(SIZE);
    for (int p = 0; p < parts.length; p++) {
      // Magnitudes from 1e-12 to 1e3, so that a double sum would depend on the order.
      parts[p] = random.doubles(SIZE, -1, 1).map(x -> x * Math.pow(10, random.nextInt(-12, 4)))
          .toArray();
      expected.addAll(parts[p]);
    }
    double[] exact = expected.toArray(1.0);

    // Spark's zero value folded with each partition, then the driver merging them in two orders.
    JobResult forward = zero();
    for (int p = 0; p < parts.length; p++) {
      forward.merge(zero().merge(shipped(partition(parts[p]))));
    }
    JobResult backward = zero();
    for (int p = parts.length - 1; p >= 0; p--) {
      backward.merge(shipped(zero().merge(partition(parts[p]))));
    }
    // A tree: (0+1) + ((2+3)+4).
    JobResult left = partition(parts[0]).merge(partition(parts[1]));
    JobResult right = shipped(partition(parts[2]).merge(partition(parts[3])))
        .merge(partition(parts[4]));
    JobResult tree = shipped(left).merge(right);

    assertArrayEquals(exact, forward.vector(1.0), 0.0);
    assertArrayEquals(exact, backward.vector(1.0), 0.0);
    assertArrayEquals(exact, tree.vector(1.0), 0.0);
    assertArrayEquals(exact, tree.state(1.0), 0.0, "the state is summed the same way");
    assertEquals(5 * 10, tree.examples());
  }

  @Test
  void aNonFiniteValueIsRecordedWhereResultsMerge() {
    double[] bad = new double[SIZE];
    bad[7] = Double.NaN;
    JobResult merged = partition(new double[SIZE]).merge(partition(bad));
    assertTrue(merged.nonFiniteValue().isPresent(), "NaN found when the results meet");
    JobResult alone = zero().merge(partition(bad));
    assertTrue(alone.nonFiniteValue().isPresent(), "NaN found when the driver reads the result");
    assertFalse(partition(new double[SIZE]).nonFiniteValue().isPresent());
  }

  /**
   * A float32 task's result (its final float weights and state with its example count) settles
   * to the bits of the doubles such a task used to send, n·((double) w − w₀) and n·(double) s,
   * shipped or not, alone or merged with a double result; and without its job's start weights
   * the update cannot be formed.
   */
  @Test
  void aFloatTaskResultSettlesToTheDoublesATaskSent() {
    SplittableRandom random = new SplittableRandom(8);
    int n = SIZE / 2 - 1;
    double[] w0 = random.doubles(SIZE, -1, 1).toArray();
    float[] w = new float[SIZE];
    float[][] moments = new float[2][n];
    for (int i = 0; i < SIZE; i++) {
      w[i] = (float) (w0[i] + random.nextDouble(-1e-3, 1e-3));
    }
    for (float[] m : moments) {
      for (int i = 0; i < n; i++) {
        m[i] = (float) (random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-9, 2)));
      }
    }
    double[] steps = {235};
    double weight = 30_000;
    double[] update = new double[SIZE];
    for (int i = 0; i < SIZE; i++) {
      update[i] = w[i];
      update[i] = weight * (update[i] - w0[i]);
    }
    double[] state = new double[SIZE];
    for (int j = 0; j < 2; j++) {
      for (int i = 0; i < n; i++) {
        state[j * n + i] = moments[j][i];
        state[j * n + i] *= weight;
      }
    }
    // SIZE = 2n + 2: the two moments, then two scalars (the step count and a 0)
    state[SIZE - 2] = steps[0] * weight;
    double[] other = random.doubles(SIZE, -1, 1).toArray();

    JobResult.StartWeights start = new StartOf(w0);
    for (boolean ship : new boolean[] {false, true}) {
      JobResult floats = zero();
      floats.addExamples((long) weight, 1.0, 5);
      floats.addFloatSteps(w, moments, new double[] {steps[0], 0}, weight, start);
      JobResult alone = zero().merge(ship ? shipped(floats) : floats);
      assertArrayEquals(update, alone.vector(1.0), "update, shipped " + ship);
      assertArrayEquals(state, alone.state(1.0), "state, shipped " + ship);

      JobResult doubles = partition(other);
      JobResult expected = partition(other).merge(partition(update));
      double[] expectedState = partition(other).merge(partition(state)).state(1.0);
      JobResult floats2 = zero();
      floats2.addExamples((long) weight, 1.0, 5);
      floats2.addFloatSteps(w, moments, new double[] {steps[0], 0}, weight, start);
      JobResult merged = doubles.merge(ship ? shipped(floats2) : floats2);
      assertArrayEquals(expected.vector(1.0), merged.vector(1.0), "merged, shipped " + ship);
      assertArrayEquals(expectedState, merged.state(1.0), "merged state, shipped " + ship);
    }
    JobResult noStart = zero();
    noStart.addFloatSteps(w, moments, new double[] {steps[0], 0}, weight, null);
    assertThrows(IllegalStateException.class, () -> noStart.vector(1.0));
  }

  /** The start weights as a serializable value, as a broadcast's handle would give them. */
  private record StartOf(double[] weights) implements JobResult.StartWeights {
    @Override
    public double[] get() {
      return weights;
    }
  }

  private static JobResult zero() {
    return new JobResult(SIZE, SIZE);
  }

  /** A task's result: its vector and state pending, 10 examples. */
  private static JobResult partition(double[] values) {
    JobResult result = zero();
    result.addExamples(10, 1.0, 5);
    result.addVector(values.clone());
    result.addState(values.clone());
    return result;
  }

  /** The result after Java serialization, as Spark sends it from a task. */
  private static JobResult shipped(JobResult result) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(result);
      }
      try (ObjectInputStream in =
          new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
        return (JobResult) in.readObject();
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }
}
