package io.sparkgrad.data;

import java.io.IOException;
import java.util.Arrays;

/**
 * One partition's blocks read straight from storage: the task knows its runs of records from the
 * seed ({@link BlockedData.SharePartitioner#runs}) and reads each with one positioned read into
 * the blocks, so no example crosses Spark's shuffle and a task reads its own share and nothing
 * else. The blocks are those the shuffle would make ({@link ChunkedShuffle.Placer}): exactly
 * {@code blockRows} rows each (the last one shorter), in index order.
 *
 * <p>With every example of the split selected, index order is record order, and each run is read
 * into its blocks in place. One side of a validation hold-out is read a window at a time and each
 * selected row copied to its index's rank.
 */
final class BlockReader extends PartitionBlocks {
  /** Rows of a hold-out's read window: about 1 MiB of MNIST pixels. */
  private static final int WINDOW_BYTES = 1 << 20;

  private final PositionedRecords records;
  private final int partition;
  private final BlockedData.SharePartitioner targets;
  private final int blockRows;
  private final String name;

  BlockReader(PositionedRecords records, int partition, BlockedData.SharePartitioner targets,
      int blockRows, ChunkedShuffle.OutOfHeap outOfHeap) {
    super(outOfHeap, "reading partition " + partition + "'s records");
    this.records = records;
    this.partition = partition;
    this.targets = targets;
    this.blockRows = blockRows;
    this.name = outOfHeap.name();
  }

  @Override
  ExampleBlock[] make() throws IOException {
    int features = records.features();
    int[] members = targets.members(partition);
    ExampleBlock[] made = PartitionBlocks.empty(members, features, blockRows);
    ExampleSelection selection = targets.selection();
    int runRows = targets.runRows();
    int splitCount = selection.splitCount();
    int placed = 0;
    try (PositionedRecords.Reader reader = records.open()) {
      if (selection.isAll()) {
        // Index order is record order: the runs, ascending, fill the blocks one after another.
        for (int run : targets.runs(partition)) {
          int end = (int) Math.min((long) (run + 1) * runRows, splitCount);
          for (int example = run * runRows; example < end; ) {
            ExampleBlock block = made[placed / blockRows];
            int row = placed % blockRows;
            int n = Math.min(end - example, block.rows() - row);
            reader.read(example, n, block.pixels(), row * features, block.labels(), row);
            example += n;
            placed += n;
          }
        }
      } else {
        int window = Math.max(1, Math.min(runRows, WINDOW_BYTES / Math.max(1, features)));
        byte[] pixels = new byte[window * features];
        int[] labels = new int[window];
        for (int run : targets.runs(partition)) {
          int end = (int) Math.min((long) (run + 1) * runRows, splitCount);
          for (int first = run * runRows; first < end; first += window) {
            int n = Math.min(window, end - first);
            reader.read(first, n, pixels, 0, labels, 0);
            for (int r = 0; r < n; r++) {
              int index = selection.indexOf(first + r);
              if (index < 0) {
                continue;
              }
              int rank = Arrays.binarySearch(members, index);
              ExampleBlock block = made[rank / blockRows];
              int row = rank % blockRows;
              System.arraycopy(pixels, r * features, block.pixels(), row * features, features);
              block.labels()[row] = labels[r];
              placed++;
            }
          }
        }
      }
    }
    if (placed != members.length) {
      throw new IllegalStateException(name + ": expected " + members.length
          + " examples in partition " + partition + "; read " + placed);
    }
    return made;
  }
}
