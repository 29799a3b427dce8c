package io.sparkgrad.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The aggregator on its own (no Spark): derived figures by hand, and merge algebra. */
class EvaluationSumsTest {
  private static final double TOLERANCE = 1e-12;

  /**
   * The hand-computed example (rows: true class, columns: predicted):
   *
   * <pre>
   *        p0 p1 p2 p3   support
   *   t0    5  1  0  0      6
   *   t1    2  3  1  0      6
   *   t2    0  2  4  0      6
   *   t3    0  0  0  0      0
   *   predicted 7  6  5  0
   * </pre>
   *
   * precision = 5/7, 3/6, 4/5, 0 (nothing predicted as 3); recall = 5/6, 3/6, 4/6, 0 (no
   * support); F1 = 2PR/(P+R) = 10/13, 1/2, 8/11, 0; accuracy 12/18.
   */
  static EvaluationSums handExample() {
    int[][] counts = {{5, 1, 0, 0}, {2, 3, 1, 0}, {0, 2, 4, 0}, {0, 0, 0, 0}};
    EvaluationSums sums = new EvaluationSums(4, 3);
    int index = 0;
    for (int a = 0; a < 4; a++) {
      for (int p = 0; p < 4; p++) {
        for (int n = 0; n < counts[a][p]; n++) {
          sums.addExample(index++, a, p, a == p ? 0.9 : 0.6, a == p ? 0.9 : 0.1 + 0.01 * index);
        }
      }
    }
    sums.addLoss(9.0);
    return sums;
  }

  @Test
  void perClassPrecisionRecallAndF1MatchTheHandComputedValues() {
    EvaluationSums s = handExample();
    double[] precision = {5.0 / 7, 3.0 / 6, 4.0 / 5, 0};
    double[] recall = {5.0 / 6, 3.0 / 6, 4.0 / 6, 0};
    double[] f1 = {10.0 / 13, 1.0 / 2, 8.0 / 11, 0};
    long[] support = {6, 6, 6, 0};
    for (int k = 0; k < 4; k++) {
      assertEquals(precision[k], s.precision(k), TOLERANCE, "precision of class " + k);
      assertEquals(recall[k], s.recall(k), TOLERANCE, "recall of class " + k);
      assertEquals(f1[k], s.f1(k), TOLERANCE, "F1 of class " + k);
      assertEquals(support[k], s.support(k), "support of class " + k);
    }
    assertEquals(18, s.count());
    assertEquals(12, s.correct());
    assertEquals(12.0 / 18, s.accuracy(), TOLERANCE);
    assertEquals(0.5, s.meanLoss(), TOLERANCE);
    assertEquals((5.0 / 7 + 0.5 + 0.8 + 0) / 4, s.macroPrecision(), TOLERANCE);
    assertEquals((5.0 / 6 + 0.5 + 4.0 / 6 + 0) / 4, s.macroRecall(), TOLERANCE);
    assertEquals((10.0 / 13 + 0.5 + 8.0 / 11 + 0) / 4, s.macroF1(), TOLERANCE);
    assertArrayEquals(new long[] {2, 3, 1, 0}, s.confusionMatrix()[1]);
    assertEquals(0.9, s.meanConfidenceCorrect(), TOLERANCE);
    assertEquals(0.6, s.meanConfidenceWrong(), TOLERANCE);
    long[] correct = new long[EvaluationSums.CONFIDENCE_BINS];
    correct[18] = 12; // 0.9 falls in [0.90, 0.95)
    long[] wrong = new long[EvaluationSums.CONFIDENCE_BINS];
    wrong[12] = 6; // 0.6 falls in [0.60, 0.65)
    assertArrayEquals(correct, s.confidenceHistogramCorrect());
    assertArrayEquals(wrong, s.confidenceHistogramWrong());
    // The three lowest true-class scores are the first three errors (0.1 + 0.01·(index + 1)):
    // example 5 (t0→p1), then 6 and 7 (t1→p0).
    List<EvaluationSums.Example> worst = s.worst();
    assertEquals(List.of(5, 6, 7), worst.stream().map(EvaluationSums.Example::index).toList());
    assertEquals(0, worst.get(0).actual());
    assertEquals(1, worst.get(0).predicted());
  }

  @Test
  void histogramBinsCoverZeroToOneAndClampTheRest() {
    assertEquals(0, EvaluationSums.bin(0));
    assertEquals(0, EvaluationSums.bin(-0.3));
    assertEquals(0, EvaluationSums.bin(Double.NaN));
    assertEquals(1, EvaluationSums.bin(0.05));
    assertEquals(19, EvaluationSums.bin(0.97));
    assertEquals(19, EvaluationSums.bin(1.0));
    assertEquals(19, EvaluationSums.bin(1.7));
  }

  /** Random examples with many tied scores, so the worst list needs its index tie-break. */
  private static List<double[]> randomExamples(int n, int classes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<double[]> examples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int actual = random.nextInt(classes);
      int predicted = random.nextInt(4) == 0 ? random.nextInt(classes) : actual;
      double confidence = random.nextInt(100) / 99.0;
      double trueScore = random.nextInt(8) / 8.0; // few distinct values: many ties
      examples.add(new double[] {i, actual, predicted, confidence, trueScore,
          random.nextDouble() * 3});
    }
    return examples;
  }

  private static EvaluationSums sumsOf(List<double[]> examples, int classes, int worst) {
    EvaluationSums sums = new EvaluationSums(classes, worst);
    for (double[] e : examples) {
      sums.addExample((int) e[0], (int) e[1], (int) e[2], e[3], e[4]);
      sums.addLoss(e[5]);
    }
    return sums;
  }

  private static void assertSame(EvaluationSums expected, EvaluationSums actual) {
    assertEquals(expected.count(), actual.count());
    assertEquals(expected.meanLoss(), actual.meanLoss(), 0.0, "exact loss sums");
    assertEquals(expected.meanConfidenceCorrect(), actual.meanConfidenceCorrect(), 0.0);
    assertEquals(expected.meanConfidenceWrong(), actual.meanConfidenceWrong(), 0.0);
    for (int a = 0; a < expected.classes(); a++) {
      assertArrayEquals(expected.confusionMatrix()[a], actual.confusionMatrix()[a]);
    }
    assertArrayEquals(expected.confidenceHistogramCorrect(), actual.confidenceHistogramCorrect());
    assertArrayEquals(expected.confidenceHistogramWrong(), actual.confidenceHistogramWrong());
    assertEquals(expected.worst(), actual.worst());
  }

  @Test
  void mergeInAnyOrderOrTreeShapeEqualsAddingEverythingToOne() {
    int classes = 5;
    int worst = 17;
    List<double[]> examples = randomExamples(2000, classes, 7);
    EvaluationSums whole = sumsOf(examples, classes, worst);

    // The same examples cut into 9 uneven parts, merged in several orders and shapes.
    List<List<double[]>> parts = new ArrayList<>();
    int[] cuts = {0, 10, 11, 400, 401, 900, 1300, 1301, 1800, 2000};
    for (int i = 0; i + 1 < cuts.length; i++) {
      parts.add(examples.subList(cuts[i], cuts[i + 1]));
    }
    SplittableRandom random = new SplittableRandom(11);
    for (int trial = 0; trial < 20; trial++) {
      List<EvaluationSums> pending = new ArrayList<>();
      for (List<double[]> part : parts) {
        pending.add(sumsOf(part, classes, worst));
      }
      pending.add(new EvaluationSums(classes, worst)); // an empty partition
      // Merge random pairs until one is left: covers left folds, right folds and trees.
      while (pending.size() > 1) {
        EvaluationSums a = pending.remove(random.nextInt(pending.size()));
        EvaluationSums b = pending.remove(random.nextInt(pending.size()));
        pending.add(a.merge(b));
      }
      assertSame(whole, pending.get(0));
    }
  }

  @Test
  void worstListIsTheNLowestTrueScoresTiesByIndex() {
    List<double[]> examples = randomExamples(500, 3, 3);
    EvaluationSums sums = sumsOf(examples, 3, 25);
    List<Integer> expected = examples.stream()
        .sorted(Comparator.<double[]>comparingDouble(e -> e[4]).thenComparingDouble(e -> e[0]))
        .limit(25)
        .map(e -> (int) e[0])
        .toList();
    assertEquals(expected, sums.worst().stream().map(EvaluationSums.Example::index).toList());
  }

  @Test
  void emptySumsAreTheIdentityOfMerge() {
    EvaluationSums hand = handExample();
    assertSame(handExample(), new EvaluationSums(4, 3).merge(hand));
    assertSame(handExample(), handExample().merge(new EvaluationSums(4, 3)));
    EvaluationSums empty = new EvaluationSums(4, 3);
    assertEquals(Double.NaN, empty.accuracy());
    assertEquals(List.of(), empty.worst());
  }

  @Test
  void mergeRefusesDifferentShapesAndAddRefusesOutOfRangeClasses() {
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> new EvaluationSums(4, 3).merge(new EvaluationSums(5, 3)));
    assertEquals("merge: expected 4 classes and 3 worst examples; found 5 and 3",
        shape.getMessage());
    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
        () -> new EvaluationSums(4).addExample(9, 4, 0, 0.5, 0.5));
    assertEquals("example 9: expected classes in 0..3; found actual 4, predicted 0",
        range.getMessage());
  }
}
