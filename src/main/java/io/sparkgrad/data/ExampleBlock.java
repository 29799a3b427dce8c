package io.sparkgrad.data;

import io.sparkgrad.math.Kernels;
import java.io.Serializable;

/**
 * A stack of up to {@code blockRows} examples, cached on the executors as compactly as they are
 * stored: the pixels as bytes, one example after another ({@code rows × inputs}, the column-major
 * {@code inputs × rows} layout one GEMM consumes once scaled), their labels, and each example's
 * index in its data set. {@link #scaleRows} turns rows into the network's inputs when a batch is
 * gathered, with the one scaling every path uses ({@link Kernels#scalePixels}: x / 255 in the
 * run's precision), so a step sees the same values as if they had been cached scaled.
 */
public record ExampleBlock(byte[] pixels, int[] labels, int[] indices, int rows, int inputs)
    implements Serializable {

  public ExampleBlock {
    if (pixels.length != (long) rows * inputs || labels.length != rows || indices.length != rows) {
      throw new IllegalArgumentException("block of " + rows + " rows × " + inputs
          + " inputs: expected " + (long) rows * inputs + " pixels and " + rows
          + " labels and indices; found " + pixels.length + ", " + labels.length + ", "
          + indices.length);
    }
  }

  /**
   * Reads one byte of every cache line of row {@code row} and returns their sum (so that the reads
   * are kept): the row starts loading, to be scaled a little later. A batch's rows lie anywhere in
   * a cache of up to gigabytes, and scaled one after another each row waits for its own memory
   * misses; touched all first, their misses overlap.
   */
  public int touchRow(int row) {
    int from = row * inputs;
    int to = from + inputs;
    int sum = 0;
    for (int i = from; i < to; i += 64) {
      sum += pixels[i];
    }
    return to > from ? sum + pixels[to - 1] : sum;
  }

  /** Writes rows {@code [from, from+count)}, scaled to [0, 1], into {@code dst} at {@code dstOff}. */
  public <A> void scaleRows(Kernels<A> k, A dst, int dstOff, int from, int count) {
    k.scalePixels(dst, dstOff, pixels, from * inputs, count * inputs);
  }
}
