package io.sparkgrad.network;

import java.io.Serializable;

/** Summed loss and count of correct predictions over {@code rows} examples. */
public record BlockStats(double lossSum, long correct, long rows) implements Serializable {
  public double meanLoss() {
    return rows == 0 ? Double.NaN : lossSum / rows;
  }

  public double accuracy() {
    return rows == 0 ? Double.NaN : (double) correct / rows;
  }
}
