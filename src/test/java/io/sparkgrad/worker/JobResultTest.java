package io.sparkgrad.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
