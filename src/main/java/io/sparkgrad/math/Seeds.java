package io.sparkgrad.math;

import java.util.SplittableRandom;

/**
 * Every random stream of a run derives from the configured seed, a stream name and an index
 * (the epoch, the partition, the example), so nothing depends on which machine or thread draws
 * first, and a resumed run can recreate any stream from its coordinates alone.
 */
public final class Seeds {
  /** The independent random streams of a training run. */
  public enum Stream {
    INITIAL_WEIGHTS,
    VALIDATION_SPLIT,
    PARTITION_ASSIGNMENT,
    EPOCH_ORDER,
    DROPOUT,
    AUGMENTATION,
    /** The deformed copies the expand command writes (a data set, not a training run). */
    EXPANSION
  }

  private Seeds() {}

  /** A seed for {@code stream} at {@code index}, mixed with the SplitMix64 finalizer. */
  public static long derive(long seed, Stream stream, long index) {
    long z = mix(seed + 0x9E3779B97F4A7C15L * (stream.ordinal() + 1));
    return mix(z + 0xBF58476D1CE4E5B9L * (index + 1));
  }

  /** A seed for {@code stream} at the pair (outer, inner), e.g. (epoch, example index). */
  public static long derive(long seed, Stream stream, long outer, long inner) {
    return mix(derive(seed, stream, outer) + 0x94D049BB133111EBL * (inner + 1));
  }

  public static SplittableRandom random(long seed, Stream stream, long outer, long inner) {
    return new SplittableRandom(derive(seed, stream, outer, inner));
  }

  public static SplittableRandom random(long seed, Stream stream, long index) {
    return new SplittableRandom(derive(seed, stream, index));
  }

  /** A uniformly random permutation of 0..n−1 (Fisher–Yates) from the derived seed. */
  public static int[] permutation(int n, long seed, Stream stream, long index) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = random(seed, stream, index);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
