package io.sparkgrad.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.testing.MnistFixture;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two classes with the same weights tie exactly for every image, in passes of every size, so the
 * argmax picks the first of them whatever the batching: evaluate and predict batch the same
 * images differently.
 */
class ScorerTest {
  @ParameterizedTest
  @EnumSource(Precision.class)
  void classesWithTheSameWeightsTieInPassesOfEverySize(Precision precision) throws IOException {
    LabeledImages digits = MnistFixture.trainingSplit();
    int d = digits.features();
    NetworkSpec spec = NetworkSpec.of(d, 32, 10, Activation.RELU, LossFunction.CROSS_ENTROPY);
    ParameterLayout layout = spec.layout();
    double[] params = new double[layout.size()];
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < params.length; i++) {
      params[i] = random.nextGaussian() * 0.05;
    }
    for (int h = 0; h < layout.hidden(); h++) {
      params[layout.w2Offset() + h * 10 + 9] = params[layout.w2Offset() + h * 10 + 4];
    }
    params[layout.b2Offset() + 9] = params[layout.b2Offset() + 4];
    Scorer<?> scorer = Scorer.create(spec, precision, BlasChoice.AUTO, params);
    int scored = 0;
    for (int rows = 1; rows <= Math.min(Scorer.CHUNK_ROWS, digits.count()); rows += rows / 3 + 1) {
      for (int from : new int[] {0, digits.count() - rows}) {
        scorer.scorePixels(digits.pixels(), from * d, rows);
        for (int r = 0; r < rows; r++) {
          String at = "image " + (from + r) + " at " + r + " of " + rows + ", " + precision;
          assertEquals(scorer.output(r, 4), scorer.output(r, 9), at);
          assertTrue(scorer.predicted(r) != 9, at + ": class 9 picked over its tie, 4");
          scored++;
        }
      }
    }
    assertTrue(scored > 1000, "scored " + scored);
  }
}
