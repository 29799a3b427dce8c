package io.sparkgrad.worker;

import io.sparkgrad.math.Seeds;

/**
 * The order of the training examples in each epoch: a permutation of 0..n−1 drawn from (seed,
 * epoch) alone, the same on every executor. The last one computed is kept, because every job of
 * an epoch on an executor asks for the same order.
 */
final class EpochOrders {
  private record Key(long seed, int epoch, int count) {}

  private static Key lastKey;
  private static int[] lastOrder;

  private EpochOrders() {}

  static synchronized int[] get(long seed, int epoch, int count) {
    Key key = new Key(seed, epoch, count);
    if (!key.equals(lastKey)) {
      lastOrder = Seeds.permutation(count, seed, Seeds.Stream.EPOCH_ORDER, epoch);
      lastKey = key;
    }
    return lastOrder;
  }
}
