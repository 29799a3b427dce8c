package io.sparkgrad.evaluation;

import io.sparkgrad.math.ExactSum;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Running sums of an evaluation, one per Spark task, merged by tree aggregation:
 *
 * <pre>
 *   loss                 exact sum of the per-example loss          (ExactSum slot 0)
 *   confidence sums      exact sums of the predicted-class score,
 *                        over correct and over wrong predictions     (ExactSum slots 1, 2)
 *   confusion  K×K       examples of true class a predicted as p at [a·K + p]
 *   histograms 2×BINS    predicted-class score in BINS equal bins of [0, 1], correct and wrong
 *   worst      ≤ N       the N examples with the lowest score of their true class,
 *                        ties broken by the smaller example index
 * </pre>
 *
 * <p>Every part is an integer count, an exact sum, or a bounded "N smallest under a total order",
 * so {@link #merge} is associative and commutative and the result does not depend on how Spark
 * partitions or orders the work. Derived figures (accuracy, precision, ...) are computed when
 * read. The score is the network's output: a class probability for the softmax output, the raw
 * output for the identity output (the histograms then clamp it to [0, 1]).
 *
 * <p>Plain Java: no Spark, testable on its own.
 */
public final class EvaluationSums implements Serializable {
  /** Bins of the confidence histograms: [0, 0.05), [0.05, 0.1), ..., [0.95, 1]. */
  public static final int CONFIDENCE_BINS = 20;

  private static final int LOSS = 0;
  private static final int CONFIDENCE_CORRECT = 1;
  private static final int CONFIDENCE_WRONG = 2;

  private final int classes;
  private final int worstCapacity;
  private final ExactSum sums = new ExactSum(3);
  private final long[] confusion;
  private final long[] correctHistogram = new long[CONFIDENCE_BINS];
  private final long[] wrongHistogram = new long[CONFIDENCE_BINS];
  private long count;

  // The worst examples, ascending by (trueScore, index): the worst first; worstSize ≤ capacity.
  private int worstSize;
  private final int[] worstIndex;
  private final int[] worstActual;
  private final int[] worstPredicted;
  private final double[] worstTrueScore;
  private final double[] worstConfidence;

  /** One example among the worst classified: its index in the evaluated split and its scores. */
  public record Example(
      int index, int actual, int predicted, double trueScore, double confidence) {}

  /** Sums without a list of worst examples. */
  public EvaluationSums(int classes) {
    this(classes, 0);
  }

  /**
   * @param classes number of classes K, at least 1
   * @param worstCapacity how many of the worst-classified examples to keep (0 for none)
   */
  public EvaluationSums(int classes, int worstCapacity) {
    if (classes < 1) {
      throw new IllegalArgumentException("classes: expected at least 1; found " + classes);
    }
    if (worstCapacity < 0) {
      throw new IllegalArgumentException(
          "worstCapacity: expected 0 or more; found " + worstCapacity);
    }
    this.classes = classes;
    this.worstCapacity = worstCapacity;
    this.confusion = new long[classes * classes];
    this.worstIndex = new int[worstCapacity];
    this.worstActual = new int[worstCapacity];
    this.worstPredicted = new int[worstCapacity];
    this.worstTrueScore = new double[worstCapacity];
    this.worstConfidence = new double[worstCapacity];
  }

  /** Adds the summed loss of examples counted with {@link #addExample}. */
  public EvaluationSums addLoss(double lossSum) {
    sums.add(LOSS, lossSum);
    return this;
  }

  /**
   * Adds one scored example.
   *
   * @param index the example's index in the evaluated split (unique within one evaluation)
   * @param actual its true class
   * @param predicted the class with the highest score
   * @param confidence the score of {@code predicted}
   * @param trueScore the score of {@code actual}
   */
  public EvaluationSums addExample(
      int index, int actual, int predicted, double confidence, double trueScore) {
    if (actual < 0 || actual >= classes || predicted < 0 || predicted >= classes) {
      throw new IllegalArgumentException("example " + index + ": expected classes in 0.."
          + (classes - 1) + "; found actual " + actual + ", predicted " + predicted);
    }
    confusion[actual * classes + predicted]++;
    count++;
    boolean correct = actual == predicted;
    sums.add(correct ? CONFIDENCE_CORRECT : CONFIDENCE_WRONG, confidence);
    (correct ? correctHistogram : wrongHistogram)[bin(confidence)]++;
    offerWorst(index, actual, predicted, trueScore, confidence);
    return this;
  }

  /** The histogram bin of a score: floor(score·BINS), clamped to the bins. */
  static int bin(double score) {
    if (!(score > 0)) {
      return 0;
    }
    return (int) Math.min(CONFIDENCE_BINS - 1, Math.floor(score * CONFIDENCE_BINS));
  }

  /** Order of the worst list: lower true-class score first, then lower index. */
  private static int compare(double scoreA, int indexA, double scoreB, int indexB) {
    int byScore = Double.compare(scoreA, scoreB);
    return byScore != 0 ? byScore : Integer.compare(indexA, indexB);
  }

  private void offerWorst(
      int index, int actual, int predicted, double trueScore, double confidence) {
    if (worstCapacity == 0) {
      return;
    }
    if (worstSize == worstCapacity
        && compare(trueScore, index, worstTrueScore[worstSize - 1], worstIndex[worstSize - 1])
            >= 0) {
      return;
    }
    int at = worstSize == worstCapacity ? worstSize - 1 : worstSize++;
    // Insertion: shift larger entries one place towards the end.
    while (at > 0 && compare(trueScore, index, worstTrueScore[at - 1], worstIndex[at - 1]) < 0) {
      worstIndex[at] = worstIndex[at - 1];
      worstActual[at] = worstActual[at - 1];
      worstPredicted[at] = worstPredicted[at - 1];
      worstTrueScore[at] = worstTrueScore[at - 1];
      worstConfidence[at] = worstConfidence[at - 1];
      at--;
    }
    worstIndex[at] = index;
    worstActual[at] = actual;
    worstPredicted[at] = predicted;
    worstTrueScore[at] = trueScore;
    worstConfidence[at] = confidence;
  }

  /** Adds {@code other} into this (in place) and returns this. */
  public EvaluationSums merge(EvaluationSums other) {
    if (other.classes != classes || other.worstCapacity != worstCapacity) {
      throw new IllegalArgumentException("merge: expected " + classes + " classes and "
          + worstCapacity + " worst examples; found " + other.classes + " and "
          + other.worstCapacity);
    }
    sums.merge(other.sums);
    for (int i = 0; i < confusion.length; i++) {
      confusion[i] += other.confusion[i];
    }
    for (int b = 0; b < CONFIDENCE_BINS; b++) {
      correctHistogram[b] += other.correctHistogram[b];
      wrongHistogram[b] += other.wrongHistogram[b];
    }
    count += other.count;
    for (int i = 0; i < other.worstSize; i++) {
      offerWorst(other.worstIndex[i], other.worstActual[i], other.worstPredicted[i],
          other.worstTrueScore[i], other.worstConfidence[i]);
    }
    return this;
  }

  public int classes() {
    return classes;
  }

  public long count() {
    return count;
  }

  public double meanLoss() {
    return count == 0 ? Double.NaN : sums.get(LOSS) / count;
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

  /** The confusion matrix, {@code [actual][predicted]}. */
  public long[][] confusionMatrix() {
    long[][] matrix = new long[classes][];
    for (int a = 0; a < classes; a++) {
      matrix[a] = Arrays.copyOfRange(confusion, a * classes, (a + 1) * classes);
    }
    return matrix;
  }

  /** Examples whose true class is {@code k} (a row sum of the confusion matrix). */
  public long support(int k) {
    long sum = 0;
    for (int p = 0; p < classes; p++) {
      sum += confusion[k * classes + p];
    }
    return sum;
  }

  /** Examples predicted as {@code k} (a column sum of the confusion matrix). */
  public long predictedCount(int k) {
    long sum = 0;
    for (int a = 0; a < classes; a++) {
      sum += confusion[a * classes + k];
    }
    return sum;
  }

  /**
   * Precision of class k: C[k][k] / (examples predicted as k); 0 when nothing is predicted as k
   * (the convention of scikit-learn's {@code zero_division=0}).
   */
  public double precision(int k) {
    long predicted = predictedCount(k);
    return predicted == 0 ? 0 : (double) confusion(k, k) / predicted;
  }

  /** Recall of class k: C[k][k] / support(k); 0 when the class has no examples. */
  public double recall(int k) {
    long support = support(k);
    return support == 0 ? 0 : (double) confusion(k, k) / support;
  }

  /** F1 of class k: 2·P·R / (P + R); 0 when P + R = 0. */
  public double f1(int k) {
    double p = precision(k);
    double r = recall(k);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  /** Unweighted mean over the classes of {@link #precision}. */
  public double macroPrecision() {
    double sum = 0;
    for (int k = 0; k < classes; k++) {
      sum += precision(k);
    }
    return sum / classes;
  }

  /** Unweighted mean over the classes of {@link #recall}. */
  public double macroRecall() {
    double sum = 0;
    for (int k = 0; k < classes; k++) {
      sum += recall(k);
    }
    return sum / classes;
  }

  /** Unweighted mean over the classes of {@link #f1}. */
  public double macroF1() {
    double sum = 0;
    for (int k = 0; k < classes; k++) {
      sum += f1(k);
    }
    return sum / classes;
  }

  /** Predicted-class score histogram over all examples (correct + wrong). */
  public long[] confidenceHistogram() {
    long[] all = new long[CONFIDENCE_BINS];
    for (int b = 0; b < CONFIDENCE_BINS; b++) {
      all[b] = correctHistogram[b] + wrongHistogram[b];
    }
    return all;
  }

  /** Predicted-class score histogram of the correctly classified examples. */
  public long[] confidenceHistogramCorrect() {
    return correctHistogram.clone();
  }

  /** Predicted-class score histogram of the misclassified examples. */
  public long[] confidenceHistogramWrong() {
    return wrongHistogram.clone();
  }

  /** Mean predicted-class score of the correct predictions; NaN when there are none. */
  public double meanConfidenceCorrect() {
    long n = correct();
    return n == 0 ? Double.NaN : sums.get(CONFIDENCE_CORRECT) / n;
  }

  /** Mean predicted-class score of the wrong predictions; NaN when there are none. */
  public double meanConfidenceWrong() {
    long n = count - correct();
    return n == 0 ? Double.NaN : sums.get(CONFIDENCE_WRONG) / n;
  }

  /** The worst-classified examples, lowest true-class score first (ties: lower index first). */
  public List<Example> worst() {
    List<Example> list = new ArrayList<>(worstSize);
    for (int i = 0; i < worstSize; i++) {
      list.add(new Example(worstIndex[i], worstActual[i], worstPredicted[i], worstTrueScore[i],
          worstConfidence[i]));
    }
    return list;
  }
}
