package io.sparkgrad.data;

import java.io.Serializable;

/**
 * One labelled image on its way to the blocks: its index in the selection it belongs to, its
 * label and its pixels as stored (one unsigned byte each). The unit that Spark's shuffle moves.
 * An image of an unlabeled file (predict's input) has {@link #NO_LABEL}.
 */
public record Example(int index, int label, byte[] pixels) implements Serializable {
  public static final int NO_LABEL = -1;
}
