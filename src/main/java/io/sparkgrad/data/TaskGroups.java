package io.sparkgrad.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToLongFunction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Small pieces of work (files to hash, labels to check) shared out to a few tasks of about equal
 * bytes: a task per piece cost Spark's scheduling (tens of ms a task on a laptop) for work of a
 * few ms, e.g. 80 tasks for the 2.4 MB of labels of MNIST ×40.
 */
final class TaskGroups {
  /** Tasks per core of the default parallelism: slack for pieces of unequal cost. */
  static final int TASKS_PER_CORE = 2;

  private TaskGroups() {}

  /** How many groups {@code pieces} pieces make: at most two a core, at least one. */
  static int count(JavaSparkContext jsc, int pieces) {
    return Math.max(1, Math.min(pieces, TASKS_PER_CORE * jsc.defaultParallelism()));
  }

  /**
   * {@code pieces} in {@code groups} lists of about equal total {@code bytes}: the largest piece
   * first to the least loaded group (ties to the lower group), so the grouping is a function of
   * the pieces alone. Empty groups are dropped.
   */
  static <T> List<List<T>> balanced(List<T> pieces, ToLongFunction<T> bytes, int groups) {
    if (groups < 1) {
      throw new IllegalArgumentException("groups: expected at least 1; found " + groups);
    }
    List<T> largestFirst = new ArrayList<>(pieces);
    largestFirst.sort(Comparator.comparingLong(bytes).reversed());
    List<List<T>> out = new ArrayList<>();
    long[] load = new long[groups];
    for (int g = 0; g < groups; g++) {
      out.add(new ArrayList<>());
    }
    for (T piece : largestFirst) {
      int least = 0;
      for (int g = 1; g < groups; g++) {
        if (load[g] < load[least]) {
          least = g;
        }
      }
      out.get(least).add(piece);
      load[least] += Math.max(1, bytes.applyAsLong(piece));
    }
    out.removeIf(List::isEmpty);
    return out;
  }
}
