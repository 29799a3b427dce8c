package io.sparkgrad.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * One partition's blocks as Spark caches them: all made by the first {@link #hasNext} (rows
 * arrive in any order, so no block is complete before the last row), then handed to Spark's
 * storage one by one and let go. A task that runs out of heap while making them fails with the
 * data's size and the setting to raise ({@link ChunkedShuffle.OutOfHeap}), not as Spark's fatal
 * error that ends the process.
 */
abstract class PartitionBlocks implements Iterator<ExampleBlock> {
  private final ChunkedShuffle.OutOfHeap outOfHeap;
  /** What making the blocks is called in an out-of-memory message. */
  private final String step;
  private ExampleBlock[] blocks;
  private int next;

  PartitionBlocks(ChunkedShuffle.OutOfHeap outOfHeap, String step) {
    this.outOfHeap = outOfHeap;
    this.step = step;
  }

  /** Makes every block of the partition. */
  abstract ExampleBlock[] make() throws IOException;

  /**
   * Empty blocks for a partition's {@code members} (ascending): {@code blockRows} rows each, the
   * last one shorter, each with its indices.
   */
  static ExampleBlock[] empty(int[] members, int inputs, int blockRows) {
    ExampleBlock[] blocks = new ExampleBlock[(members.length + blockRows - 1) / blockRows];
    for (int b = 0; b < blocks.length; b++) {
      int from = b * blockRows;
      int rows = Math.min(blockRows, members.length - from);
      blocks[b] = new ExampleBlock(new byte[rows * inputs], new int[rows],
          Arrays.copyOfRange(members, from, from + rows), rows, inputs);
    }
    return blocks;
  }

  @Override
  public boolean hasNext() {
    if (blocks == null) {
      try {
        blocks = make();
      } catch (OutOfMemoryError e) {
        blocks = new ExampleBlock[0];
        throw outOfHeap.explain(step, e);
      } catch (IOException e) {
        blocks = new ExampleBlock[0];
        throw new UncheckedIOException(outOfHeap.name() + ": " + e.getMessage(), e);
      }
    }
    return next < blocks.length;
  }

  @Override
  public ExampleBlock next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    ExampleBlock block = blocks[next];
    // Spark's storage holds the block from here on; this iterator need not.
    blocks[next++] = null;
    return block;
  }
}
