package io.sparkgrad.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WeightInitTest {
  private final NetworkSpec relu = NetworkSpec.of(784, 200, 10, Activation.RELU, LossFunction.CROSS_ENTROPY);

  @Test
  void sameSeedSameWeightsOtherSeedOtherWeights() {
    assertArrayEquals(WeightInit.HE.initialize(relu, 7), WeightInit.HE.initialize(relu, 7), 0.0);
    assertFalse(Arrays.equals(WeightInit.HE.initialize(relu, 7), WeightInit.HE.initialize(relu, 8)));
  }

  @Test
  void standardDeviationsFollowTheScheme() {
    ParameterLayout layout = relu.layout();
    double[] he = WeightInit.HE.initialize(relu, 1);
    assertEquals(Math.sqrt(2.0 / 784), std(he, layout.w1Offset(), layout.w1Size()), 0.02 * Math.sqrt(2.0 / 784));
    assertEquals(Math.sqrt(2.0 / 200), std(he, layout.w2Offset(), layout.w2Size()), 0.05 * Math.sqrt(2.0 / 200));
    double[] xavier = WeightInit.XAVIER.initialize(relu, 1);
    assertEquals(Math.sqrt(1.0 / 784), std(xavier, layout.w1Offset(), layout.w1Size()), 0.02 * Math.sqrt(1.0 / 784));
    double[] textbook = WeightInit.TEXTBOOK.initialize(relu, 1);
    assertEquals(0.01, std(textbook, layout.w1Offset(), layout.w1Size()), 0.0002);
    for (int i = 0; i < layout.hidden(); i++) {
      assertEquals(0.0, he[layout.b1Offset() + i], 0.0);
    }
  }

  @Test
  void autoPicksHeForReluAndXavierForSigmoid() {
    assertEquals(WeightInit.HE, WeightInit.AUTO.resolve(Activation.RELU));
    assertEquals(WeightInit.XAVIER, WeightInit.AUTO.resolve(Activation.SIGMOID));
  }

  private static double std(double[] values, int offset, int size) {
    double sum = 0;
    double sumSquares = 0;
    for (int i = offset; i < offset + size; i++) {
      sum += values[i];
      sumSquares += values[i] * values[i];
    }
    double mean = sum / size;
    return Math.sqrt(sumSquares / size - mean * mean);
  }
}
