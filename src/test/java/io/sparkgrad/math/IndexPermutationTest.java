package io.sparkgrad.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pointwise seeded permutation: a bijection, its inverse, and well mixed. */
class IndexPermutationTest {
  @Test
  void isABijectionWithItsInverseForManySizes() {
    for (int n : new int[] {1, 2, 3, 4, 5, 7, 8, 100, 1023, 1024, 1025, 60_000}) {
      IndexPermutation p = new IndexPermutation(n, 42, Seeds.Stream.EPOCH_ORDER, 3);
      boolean[] hit = new boolean[n];
      for (int i = 0; i < n; i++) {
        int position = p.apply(i);
        assertTrue(position >= 0 && position < n, n + ": position " + position);
        assertFalse(hit[position], n + ": position " + position + " twice");
        hit[position] = true;
        assertEquals(i, p.inverse(position), n + ": inverse of " + position);
      }
    }
  }

  @Test
  void dependsOnSeedStreamAndIndexAndLooksUniform() {
    int n = 60_000;
    IndexPermutation a = new IndexPermutation(n, 42, Seeds.Stream.EPOCH_ORDER, 0);
    IndexPermutation b = new IndexPermutation(n, 42, Seeds.Stream.EPOCH_ORDER, 1);
    IndexPermutation c = new IndexPermutation(n, 43, Seeds.Stream.EPOCH_ORDER, 0);
    IndexPermutation d = new IndexPermutation(n, 42, Seeds.Stream.PARTITION_ASSIGNMENT, 0);
    int sameB = 0;
    int sameC = 0;
    int sameD = 0;
    int fixedPoints = 0;
    // The first tenth of the indices should spread evenly over ten tenths of the positions.
    int[] tenths = new int[10];
    for (int i = 0; i < n; i++) {
      int position = a.apply(i);
      sameB += position == b.apply(i) ? 1 : 0;
      sameC += position == c.apply(i) ? 1 : 0;
      sameD += position == d.apply(i) ? 1 : 0;
      fixedPoints += position == i ? 1 : 0;
      if (i < n / 10) {
        tenths[position * 10 / n]++;
      }
    }
    // A random permutation agrees with another in about 1 place and fixes about 1 point.
    assertTrue(sameB < 10 && sameC < 10 && sameD < 10, sameB + " " + sameC + " " + sameD);
    assertTrue(fixedPoints < 10, "fixed points " + fixedPoints);
    for (int t = 0; t < 10; t++) {
      // 6000 draws of 1/10: mean 600, sd about 23; 5 sd either side.
      assertTrue(Math.abs(tenths[t] - 600) < 120, "tenth " + t + ": " + tenths[t]);
    }
    assertNotEquals(a.apply(0), a.apply(1));
  }
}
