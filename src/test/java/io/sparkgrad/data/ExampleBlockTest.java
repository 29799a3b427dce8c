package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.FloatKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExampleBlockTest {
  private static ExampleBlock block(int rows, int inputs) {
    byte[] pixels = new byte[rows * inputs];
    new SplittableRandom(inputs).nextBytes(pixels);
    return new ExampleBlock(pixels, new int[rows], new int[rows], rows, inputs);
  }

  /**
   * touchRow reads one byte of each 64-byte stretch of its row and the row's last byte, and
   * nothing outside the row, for rows narrower and wider than a cache line and for empty rows.
   */
  @Test
  void touchingARowReadsEachOfItsCacheLinesAndNothingElse() {
    for (int inputs : new int[] {0, 1, 63, 64, 65, 784}) {
      ExampleBlock block = block(3, inputs);
      for (int row = 0; row < 3; row++) {
        int from = row * inputs;
        int expected = 0;
        for (int i = from; i < from + inputs; i += 64) {
          expected += block.pixels()[i];
        }
        if (inputs > 0) {
          expected += block.pixels()[from + inputs - 1];
        }
        assertEquals(expected, block.touchRow(row), inputs + " inputs, row " + row);
      }
    }
  }

  @Test
  void scaledRowsAreTheirBytesOver255() {
    ExampleBlock block = block(4, 784);
    float[] out = new float[2 * 784 + 1];
    block.scaleRows(new FloatKernels(Blas.get(BlasChoice.AUTO)), out, 1, 2, 2);
    for (int i = 0; i < 2 * 784; i++) {
      assertEquals((block.pixels()[2 * 784 + i] & 0xFF) / 255.0f, out[1 + i], 0.0f, "value " + i);
    }
    assertEquals(0.0f, out[0], 0.0f);
  }
}
