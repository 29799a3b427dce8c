package io.sparkgrad.math;

import java.io.Serializable;

/**
 * A seeded permutation of 0..n−1 that maps one index at a time, in constant memory: a balanced
 * Feistel network over the smallest even-bit power of two ≥ n, walked until the image falls
 * below n (cycle walking keeps it a bijection of 0..n−1; at most 4 walks on average, since the
 * power of two is below 4n).
 *
 * <p>Why not a shuffled array: a Fisher–Yates permutation has to be built whole, an array of the
 * data set's length, before any one position is known. Here every task asks only about the
 * examples it holds, so the epoch's order and the example→partition assignment cost memory and
 * time in proportion to a task's own share, and stay a function of (seed, stream, index) alone.
 */
public final class IndexPermutation implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int ROUNDS = 6;

  private final int n;
  private final int halfBits;
  private final long halfMask;
  private final long[] roundKeys = new long[ROUNDS];

  /** The permutation of 0..n−1 of {@code stream} at {@code index} (e.g. the epoch). */
  public IndexPermutation(int n, long seed, Seeds.Stream stream, long index) {
    if (n < 0) {
      throw new IllegalArgumentException("n: expected at least 0; found " + n);
    }
    this.n = n;
    int bits = 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1L));
    this.halfBits = (bits + 1) / 2;
    this.halfMask = (1L << halfBits) - 1;
    for (int r = 0; r < ROUNDS; r++) {
      roundKeys[r] = Seeds.derive(seed, stream, index, r);
    }
  }

  /** The size of the permuted range. */
  public int size() {
    return n;
  }

  /** The position of {@code i} in the permuted order, in 0..n−1. */
  public int apply(int i) {
    checkIndex(i);
    long x = i;
    do {
      x = encrypt(x);
    } while (x >= n);
    return (int) x;
  }

  /** The index at position {@code position}: {@code apply(inverse(p)) == p}. */
  public int inverse(int position) {
    checkIndex(position);
    long x = position;
    do {
      x = decrypt(x);
    } while (x >= n);
    return (int) x;
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("index: expected 0.." + (n - 1) + "; found " + i);
    }
  }

  private long encrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (int r = 0; r < ROUNDS; r++) {
      long next = left ^ (Seeds.mix(right + roundKeys[r]) & halfMask);
      left = right;
      right = next;
    }
    return (left << halfBits) | right;
  }

  private long decrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (int r = ROUNDS - 1; r >= 0; r--) {
      long previous = right ^ (Seeds.mix(left + roundKeys[r]) & halfMask);
      right = left;
      left = previous;
    }
    return (left << halfBits) | right;
  }
}
