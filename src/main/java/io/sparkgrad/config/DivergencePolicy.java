package io.sparkgrad.config;

import io.sparkgrad.math.Enums;

/** What training does when the loss or a gradient stops being finite. */
public enum DivergencePolicy {
  /** Stop with a message naming the epoch and step; the last good checkpoint stays. */
  STOP,
  /** Roll back to the start of the epoch, halve the learning rate, and go on (bounded). */
  BACKOFF;

  public static DivergencePolicy parse(String key, String value) {
    return Enums.parse(DivergencePolicy.class, key, value);
  }

  public String label() {
    return Enums.label(this);
  }
}
