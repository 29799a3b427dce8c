package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw IDX splits large enough for runs of several examples (200,003 tiny images: runs of 6), in
 * three part files whose boundaries fall inside runs: each partition's task reads its runs at
 * their positions and makes the blocks the shuffle makes of the same examples, every row the
 * record its index names; the placement keeps a replica's examples whatever the partition count.
 */
class BlockReaderTest {
  private static final int COUNT = 200_003;
  private static final int[] PART_COUNTS = {70_001, 60_000, 70_002};
  private static final int ROWS = 2;
  private static final int COLS = 3;

  @TempDir static java.nio.file.Path work;
  private static IdxSplit split;

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  }

  /** Record e's pixels: e's four bytes, then two more of it; its label e mod 7. */
  private static LabeledImages records(int first, int count) {
    int d = ROWS * COLS;
    byte[] pixels = new byte[count * d];
    byte[] labels = new byte[count];
    for (int r = 0; r < count; r++) {
      int e = first + r;
      byte[] own = {(byte) (e >>> 24), (byte) (e >>> 16), (byte) (e >>> 8), (byte) e,
          (byte) (e * 7), (byte) (e * 13)};
      System.arraycopy(own, 0, pixels, r * d, d);
      labels[r] = (byte) (e % 7);
    }
    return new LabeledImages("records " + first, ROWS, COLS, pixels, labels);
  }

  @BeforeAll
  static void write() throws IOException {
    Configuration conf = new Configuration();
    FileSystem fs = FileSystem.getLocal(conf);
    Path folder = new Path(work.resolve("runs").toString());
    int first = 0;
    for (int p = 0; p < PART_COUNTS.length; p++) {
      IdxWriter.writeSplit(fs, folder, Split.TRAIN, IdxWriter.partSuffix(p),
          records(first, PART_COUNTS[p]));
      first += PART_COUNTS[p];
    }
    IdxWriter.writeSplit(fs, folder, Split.TEST, "", records(0, 10));
    split = IdxSplit.open(DataSetFolder.at(folder, conf), Split.TRAIN, conf);
  }

  @Test
  void positionedReadsGiveTheShufflesBlocksEachRowTheRecordItsIndexNames() {
    assertEquals(COUNT, split.count());
    assertEquals(6, BlockedData.SharePartitioner.runRows(COUNT), "runs of several examples");
    assertNotNull(split.positioned(), "raw parts are read at their positions");
    List<ExampleSelection> selections = List.of(ExampleSelection.all(COUNT),
        ExampleSelection.training(COUNT, 20_000, 3), ExampleSelection.validation(COUNT, 20_000, 3));
    int[][] layouts = {{1, 4096}, {3, 1000}, {8, 77}};
    for (ExampleSelection selection : selections) {
      for (int[] layout : layouts) {
        int partitions = layout[0];
        int blockRows = layout[1];
        String what = selection.size() + " selected, " + partitions + " partitions, blocks of "
            + blockRows;
        List<List<ExampleBlock>> read;
        try (BlockedData data = BlockedData.of(jsc(), split, selection, partitions, 5,
            blockRows, "read")) {
          read = data.rdd().glom().collect();
        }
        List<List<ExampleBlock>> shuffled;
        LabeledSplit.Examples examples = split.examples(jsc(), selection);
        try (BlockedData data = BlockedData.build(examples.rdd(), selection, ROWS * COLS,
            partitions, 5, blockRows, "shuffled", examples.release())) {
          shuffled = data.rdd().glom().collect();
        }
        assertEquals(partitions, read.size(), what);
        int rows = 0;
        for (int p = 0; p < partitions; p++) {
          assertEquals(shuffled.get(p).size(), read.get(p).size(), what + ", partition " + p);
          for (int b = 0; b < read.get(p).size(); b++) {
            ExampleBlock mine = read.get(p).get(b);
            ExampleBlock theirs = shuffled.get(p).get(b);
            String at = what + ", partition " + p + ", block " + b;
            assertArrayEquals(theirs.indices(), mine.indices(), at);
            assertArrayEquals(theirs.labels(), mine.labels(), at);
            assertArrayEquals(theirs.pixels(), mine.pixels(), at);
            for (int r = 0; r < mine.rows(); r++) {
              int e = selection.exampleOf(mine.indices()[r]);
              int d = ROWS * COLS;
              int found = ((mine.pixels()[r * d] & 0xFF) << 24)
                  | ((mine.pixels()[r * d + 1] & 0xFF) << 16)
                  | ((mine.pixels()[r * d + 2] & 0xFF) << 8) | (mine.pixels()[r * d + 3] & 0xFF);
              if (found != e || mine.labels()[r] != e % 7) {
                throw new AssertionError(at + ", row " + r + ": index " + mine.indices()[r]
                    + " is record " + e + "; found record " + found + ", label "
                    + mine.labels()[r]);
              }
            }
            rows += mine.rows();
          }
        }
        assertEquals(selection.size(), rows, what);
      }
    }
  }

  /** Shares differ by at most a run and a bit; members are what the partitioner sends. */
  @Test
  void runsMakeNearlyEqualSharesAndMembersAreWhatThePartitionerSends() {
    for (ExampleSelection selection : List.of(ExampleSelection.all(COUNT),
        ExampleSelection.training(COUNT, 50_000, 9))) {
      for (int partitions : new int[] {1, 3, 8}) {
        BlockedData.SharePartitioner targets =
            new BlockedData.SharePartitioner(selection, partitions, 11);
        List<List<Integer>> expected = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
          expected.add(new ArrayList<>());
        }
        for (int index = 0; index < selection.size(); index++) {
          expected.get(targets.getPartition(index)).add(index);
        }
        int smallest = Integer.MAX_VALUE;
        int largest = 0;
        for (int p = 0; p < partitions; p++) {
          int[] members = targets.members(p);
          assertArrayEquals(expected.get(p).stream().mapToInt(Integer::intValue).toArray(),
              members, selection.size() + " in " + partitions + ", partition " + p);
          int runs = targets.runs(p).length;
          smallest = Math.min(smallest, runs);
          largest = Math.max(largest, runs);
        }
        assertTrue(largest - smallest <= 1, "runs per partition: " + smallest + ".." + largest);
      }
    }
  }

  /**
   * Replica r of R holds partitions [⌊rP/R⌋, ⌊(r+1)P/R⌋): the same examples whatever P (a
   * multiple of R), so the model does not depend on the partition count.
   */
  @Test
  void aReplicasExamplesDoNotDependOnThePartitionCount() {
    for (int replicas : new int[] {2, 3}) {
      List<int[]> first = null;
      for (int multiple : new int[] {1, 2, 5}) {
        int partitions = replicas * multiple;
        BlockedData.SharePartitioner targets =
            new BlockedData.SharePartitioner(COUNT, partitions, 4);
        List<int[]> held = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
          List<Integer> mine = new ArrayList<>();
          for (int p = r * partitions / replicas; p < (r + 1) * partitions / replicas; p++) {
            for (int index : targets.members(p)) {
              mine.add(index);
            }
          }
          int[] sorted = mine.stream().mapToInt(Integer::intValue).toArray();
          Arrays.sort(sorted);
          held.add(sorted);
        }
        if (first == null) {
          first = held;
        } else {
          for (int r = 0; r < replicas; r++) {
            assertArrayEquals(first.get(r), held.get(r),
                "replica " + r + " of " + replicas + " with " + partitions + " partitions");
          }
        }
      }
    }
  }

  /**
   * A split of MNIST's size has runs of one example, placed as before runs existed: index i to
   * partition ⌊π(i)·P/n⌋ (so the default run's model is unchanged).
   */
  @Test
  void anMnistSizedSplitIsPlacedExampleByExample() {
    int count = 60_000;
    assertEquals(1, BlockedData.SharePartitioner.runRows(count));
    IndexPermutation pi =
        new IndexPermutation(count, 42, Seeds.Stream.PARTITION_ASSIGNMENT, 0);
    BlockedData.SharePartitioner targets = new BlockedData.SharePartitioner(count, 2, 42);
    for (int i = 0; i < count; i++) {
      assertEquals((int) ((long) pi.apply(i) * 2 / count), targets.getPartition(i), "index " + i);
    }
  }

  /**
   * A local file's Hadoop checksums are verified by the positioned reads: a byte changed behind
   * its .crc file stops the build with the file, the bytes and both checksums named.
   */
  @Test
  void aByteChangedBehindItsChecksumsIsReportedNamingTheFile() throws IOException {
    Configuration conf = new Configuration();
    FileSystem fs = FileSystem.getLocal(conf);
    Path folder = new Path(work.resolve("corrupt").toString());
    IdxWriter.writeSplit(fs, folder, Split.TRAIN, "", records(0, 5000));
    IdxWriter.writeSplit(fs, folder, Split.TEST, "", records(0, 10));
    java.nio.file.Path images = work.resolve("corrupt/train-images-idx3-ubyte");
    assertTrue(Files.exists(work.resolve("corrupt/.train-images-idx3-ubyte.crc")));
    byte[] bytes = Files.readAllBytes(images);
    bytes[16 + 4321 * ROWS * COLS + 5] ^= 1;
    Files.write(images, bytes);
    IdxSplit corrupt = IdxSplit.open(DataSetFolder.at(folder, conf), Split.TRAIN, conf);

    Exception e = assertThrows(Exception.class, () -> BlockedData.of(jsc(), corrupt,
        ExampleSelection.all(5000), 2, 5, 100, "corrupt").close());
    StringBuilder messages = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    assertTrue(messages.toString().contains("train-images-idx3-ubyte: bytes ")
        && messages.toString().contains(": checksum: expected "), messages.toString());
  }
}
