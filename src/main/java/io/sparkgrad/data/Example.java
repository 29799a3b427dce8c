package io.sparkgrad.data;

import java.io.Serializable;

/**
 * One labelled image on its way to the blocks: its index in the selection it belongs to, its
 * label and its pixels as stored (one unsigned byte each). The unit that Spark's shuffle moves.
 */
public record Example(int index, int label, byte[] pixels) implements Serializable {}
