package io.sparkgrad.network;

import java.io.Serializable;

/** Summed loss and count of correct predictions over {@code rows} examples. */
public record BlockStats(double lossSum, long correct, long rows) implements Serializable {
  public static final BlockStats EMPTY = new BlockStats(0, 0, 0);

  public BlockStats plus(BlockStats other) {
    return new BlockStats(lossSum + other.lossSum, correct + other.correct, rows + other.rows);
  }

  public double meanLoss() {
    return rows == 0 ? Double.NaN : lossSum / rows;
  }

  public double accuracy() {
    return rows == 0 ? Double.NaN : (double) correct / rows;
  }
}
