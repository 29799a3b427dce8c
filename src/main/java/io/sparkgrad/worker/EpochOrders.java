package io.sparkgrad.worker;

import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order of a partition's training examples in each epoch. The epoch's order of all n
 * examples is the seeded permutation π of (seed, epoch): index i stands at position π(i). A
 * partition needs only its own examples' positions, sorted, so that step t's members are those
 * at positions [t·batchSize, (t+1)·batchSize): memory and time in proportion to its share.
 *
 * <p>Each entry is {@code position << 32 | block·blockStride + row}. Every job of an epoch on an
 * executor asks for the same orders, so each share of the data (a replica's blocks) keeps the
 * order of its newest epoch, and only that: an epoch's order is never asked for again once the
 * next one has begun, and keeping older ones would hold 8 bytes an example for every epoch (65 MB
 * each for 8.1 million examples).
 */
final class EpochOrders {
  /** The most shares kept at once: the replicas one executor runs, with room to spare. */
  private static final int KEPT_SHARES = 16;

  /** One share of the data: its examples (by a fingerprint of their indices) and layout. */
  private record Share(long seed, int count, int blockStride, long fingerprint) {}

  private record Order(int epoch, long[] entries) {}

  private static final Map<Share, Order> newest =
      new LinkedHashMap<>(KEPT_SHARES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Share, Order> eldest) {
          return size() > KEPT_SHARES;
        }
      };

  private EpochOrders() {}

  static long[] get(
      long seed, int epoch, int count, List<ExampleBlock> blocks, int blockStride) {
    long fingerprint = 1;
    int members = 0;
    for (ExampleBlock block : blocks) {
      for (int r = 0; r < block.rows(); r++) {
        fingerprint = fingerprint * 0x9E3779B97F4A7C15L + block.indices()[r];
      }
      members += block.rows();
    }
    Share share = new Share(seed, count, blockStride, fingerprint * 31 + members);
    synchronized (newest) {
      Order kept = newest.get(share);
      if (kept != null && kept.epoch() == epoch) {
        return kept.entries();
      }
    }
    IndexPermutation permutation =
        new IndexPermutation(count, seed, Seeds.Stream.EPOCH_ORDER, epoch);
    long[] order = new long[members];
    int m = 0;
    for (int b = 0; b < blocks.size(); b++) {
      ExampleBlock block = blocks.get(b);
      for (int r = 0; r < block.rows(); r++) {
        order[m++] = (long) permutation.apply(block.indices()[r]) << 32 | (b * blockStride + r);
      }
    }
    Arrays.sort(order);
    synchronized (newest) {
      newest.put(share, new Order(epoch, order));
    }
    return order;
  }

  /** The first entry of {@code order} at a position ≥ {@code position}. */
  static int firstAt(long[] order, int position) {
    int lo = 0;
    int hi = order.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if ((order[mid] >>> 32) < position) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
