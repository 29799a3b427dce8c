package io.sparkgrad.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpochOrdersTest {
  private static final int COUNT = 40;
  private static final int STRIDE = 5;
  /** A seed of this class's own, so that no other test's orders share its keys. */
  private static final long SEED = 0x5EED_0DDE_12L;

  /** The share of the examples with the given parity, in blocks of {@link #STRIDE} rows. */
  private static List<ExampleBlock> share(int parity) {
    int rows = COUNT / 2;
    List<ExampleBlock> blocks = new java.util.ArrayList<>();
    for (int from = 0; from < rows; from += STRIDE) {
      int[] indices = new int[STRIDE];
      for (int r = 0; r < STRIDE; r++) {
        indices[r] = 2 * (from + r) + parity;
      }
      blocks.add(new ExampleBlock(new byte[STRIDE], new int[STRIDE], indices, STRIDE, 1));
    }
    return blocks;
  }

  @Test
  void anOrderHoldsTheSharesExamplesAtTheirSeededPositionsSorted() {
    List<ExampleBlock> blocks = share(1);
    long[] order = EpochOrders.get(SEED, 3, COUNT, blocks, STRIDE);
    IndexPermutation permutation = new IndexPermutation(COUNT, SEED, Seeds.Stream.EPOCH_ORDER, 3);
    assertEquals(COUNT / 2, order.length);
    for (int j = 0; j < order.length; j++) {
      int slot = (int) order[j];
      int index = blocks.get(slot / STRIDE).indices()[slot % STRIDE];
      assertEquals(permutation.apply(index), order[j] >>> 32, "position of example " + index);
      assertTrue(j == 0 || order[j - 1] >>> 32 < order[j] >>> 32, "sorted at " + j);
    }
  }

  /**
   * Every job of an epoch gets the same order; once a share's next epoch has begun, the older
   * epoch's order is no longer held (asked for again, it is made anew, with the same values);
   * another share's order stays.
   */
  @Test
  void eachShareKeepsOnlyItsNewestEpochsOrder() {
    List<ExampleBlock> even = share(0);
    List<ExampleBlock> odd = share(1);
    long[] evenFirst = EpochOrders.get(SEED, 1, COUNT, even, STRIDE);
    long[] oddFirst = EpochOrders.get(SEED, 1, COUNT, odd, STRIDE);
    assertSame(evenFirst, EpochOrders.get(SEED, 1, COUNT, even, STRIDE), "the same epoch");

    long[] evenSecond = EpochOrders.get(SEED, 2, COUNT, even, STRIDE);
    assertSame(evenSecond, EpochOrders.get(SEED, 2, COUNT, even, STRIDE));
    assertSame(oddFirst, EpochOrders.get(SEED, 1, COUNT, odd, STRIDE), "another share's order");

    long[] evenFirstAgain = EpochOrders.get(SEED, 1, COUNT, even, STRIDE);
    assertNotSame(evenFirst, evenFirstAgain, "epoch 1's order was let go");
    assertArrayEquals(evenFirst, evenFirstAgain);
  }
}
