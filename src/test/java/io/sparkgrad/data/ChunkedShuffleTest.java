package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.MnistFixture;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * The chunked shuffle, and the positioned reads of raw IDX files, build exactly the blocks that
 * the per-example shuffle sorted by index built (the oracle below, that algorithm as it was, with
 * the share partitioner's placement): the same rows, in the same order, with the same labels and
 * indices, in every partition, for real MNIST digits read from raw IDX part files (positioned
 * reads), a gzip IDX file, a Parquet table and both sides of a validation hold-out (positioned
 * reads); with Spark's local[2] and with bounds small enough for many chunks.
 */
class ChunkedShuffleTest {
  private static final int COUNT = 3000;
  /** Chunks of 7 rows, 60 rows buffered per task. */
  private static final ChunkedShuffle.Sizes TINY = new ChunkedShuffle.Sizes(7 * 789, 60 * 789);

  @TempDir static java.nio.file.Path work;
  private static LabeledImages train;
  private static LabeledImages test;

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  }

  @BeforeAll
  static void digits() throws IOException {
    LabeledImages all = MnistFixture.trainingSplit();
    train = IdxFolders.head(all, COUNT);
    byte[] pixels = Arrays.copyOfRange(all.pixels(), COUNT * 784, (COUNT + 500) * 784);
    byte[] labels = Arrays.copyOfRange(all.labels(), COUNT, COUNT + 500);
    test = new LabeledImages("mnist 3000..3499", 28, 28, pixels, labels);
  }

  /** (partitions, block rows, bounds): one block, many small blocks, blocks of one row. */
  private static final List<Object[]> LAYOUTS = List.of(
      new Object[] {1, 4096, ChunkedShuffle.Sizes.DEFAULT},
      new Object[] {3, 100, TINY},
      new Object[] {8, 64, ChunkedShuffle.Sizes.DEFAULT},
      new Object[] {5, 1, TINY});

  @Test
  void rawIdxPartFilesGiveTheOracleBlocks() throws IOException {
    Configuration conf = new Configuration();
    FileSystem fs = FileSystem.getLocal(conf);
    Path folder = new Path(work.resolve("raw-parts").toString());
    for (int p = 0; p < 3; p++) {
      IdxWriter.writeSplit(fs, folder, Split.TRAIN, IdxWriter.partSuffix(p),
          slice(train, p * 1000, 1000));
    }
    IdxWriter.writeSplit(fs, folder, Split.TEST, "", test);
    IdxSplit split = IdxSplit.open(DataSetFolder.at(folder, conf), Split.TRAIN, conf);
    assertEquals(3, split.slices().size(), "one task per part file");
    matchesTheOracle(split, ExampleSelection.all(COUNT));
  }

  @Test
  void aGzipIdxFileReadByOneTaskGivesTheOracleBlocks() throws IOException {
    java.nio.file.Path dir = IdxFolders.write(work.resolve("gzip"), train, test);
    Configuration conf = new Configuration();
    IdxSplit split = IdxSplit.open(DataSetFolder.at(new Path(dir.toString()), conf), Split.TRAIN,
        conf);
    assertTrue(split.anyGzip());
    matchesTheOracle(split, ExampleSelection.all(COUNT));
  }

  @Test
  void aParquetTableGivesTheOracleBlocks() throws IOException {
    String table = work.resolve("table").toString();
    ParquetData.write(SparkTestSession.get(), new DataSet("mnist head", train, test, 10, Map.of()),
        table);
    LabeledSplit split = LabeledData.parquet(SparkTestSession.get(), table, 0).train();
    matchesTheOracle(split, ExampleSelection.all(COUNT));
  }

  /** A hold-out's indices come in no order at all within a source split. */
  @Test
  void bothSidesOfAValidationHoldOutGiveTheOracleBlocks() throws IOException {
    Configuration conf = new Configuration();
    FileSystem fs = FileSystem.getLocal(conf);
    Path folder = new Path(work.resolve("raw").toString());
    IdxWriter.writeSplit(fs, folder, Split.TRAIN, "", train);
    IdxWriter.writeSplit(fs, folder, Split.TEST, "", test);
    IdxSplit split = IdxSplit.open(DataSetFolder.at(folder, conf), Split.TRAIN, conf);
    matchesTheOracle(split, ExampleSelection.training(COUNT, 450, 11));
    matchesTheOracle(split, ExampleSelection.validation(COUNT, 450, 11));
  }

  private static void matchesTheOracle(LabeledSplit split, ExampleSelection selection) {
    for (Object[] layout : LAYOUTS) {
      int partitions = (Integer) layout[0];
      int blockRows = (Integer) layout[1];
      ChunkedShuffle.Sizes sizes = (ChunkedShuffle.Sizes) layout[2];
      String what = split.source() + ", " + selection.size() + " selected, " + partitions
          + " partitions, blocks of " + blockRows + ", " + sizes;
      LabeledSplit.Examples examples = split.examples(jsc(), selection);
      List<List<ExampleBlock>> expected = oracle(examples.rdd(), selection,
          split.features(), partitions, 42, blockRows);
      List<List<ExampleBlock>> found;
      try (BlockedData data = BlockedData.of(jsc(), split, selection, partitions, 42, blockRows,
          "chunked", sizes)) {
        found = data.rdd().glom().collect();
      }
      assertEquals(partitions, found.size(), what);
      int rows = 0;
      for (int p = 0; p < partitions; p++) {
        List<ExampleBlock> want = expected.get(p);
        List<ExampleBlock> got = found.get(p);
        assertEquals(want.size(), got.size(), what + ": blocks of partition " + p);
        for (int b = 0; b < want.size(); b++) {
          String at = what + ": partition " + p + ", block " + b;
          assertEquals(want.get(b).rows(), got.get(b).rows(), at);
          assertArrayEquals(want.get(b).indices(), got.get(b).indices(), at);
          assertArrayEquals(want.get(b).labels(), got.get(b).labels(), at);
          assertArrayEquals(want.get(b).pixels(), got.get(b).pixels(), at);
          rows += got.get(b).rows();
        }
      }
      assertEquals(selection.size(), rows, what);
    }
  }

  /**
   * The blocks as the per-example shuffle built them: each example a record keyed by its index,
   * moved by the share partitioner and sorted by index within each partition, then stacked.
   */
  private static List<List<ExampleBlock>> oracle(JavaRDD<Example> examples,
      ExampleSelection selection, int inputs, int partitions, long seed, int blockRows) {
    BlockedData.SharePartitioner partitioner =
        new BlockedData.SharePartitioner(selection, partitions, seed);
    return examples
        .mapToPair(e -> {
          byte[] encoded = new byte[inputs + 1];
          encoded[0] = (byte) e.label();
          System.arraycopy(e.pixels(), 0, encoded, 1, inputs);
          return new Tuple2<>(e.index(), encoded);
        })
        .repartitionAndSortWithinPartitions(partitioner)
        .mapPartitions(share -> List.of(stack(share, inputs, blockRows)).iterator())
        .collect();
  }

  private static List<ExampleBlock> stack(
      Iterator<Tuple2<Integer, byte[]>> share, int inputs, int blockRows) {
    List<ExampleBlock> out = new ArrayList<>();
    List<Tuple2<Integer, byte[]>> rows = new ArrayList<>();
    share.forEachRemaining(rows::add);
    for (int from = 0; from < rows.size(); from += blockRows) {
      int n = Math.min(blockRows, rows.size() - from);
      byte[] pixels = new byte[n * inputs];
      int[] labels = new int[n];
      int[] indices = new int[n];
      for (int r = 0; r < n; r++) {
        byte[] encoded = rows.get(from + r)._2();
        System.arraycopy(encoded, 1, pixels, r * inputs, inputs);
        labels[r] = encoded[0] & 0xFF;
        indices[r] = rows.get(from + r)._1();
      }
      out.add(new ExampleBlock(pixels, labels, indices, n, inputs));
    }
    return out;
  }

  /**
   * Without Spark: the packer's chunks respect the bounds and stay within one target; the placer
   * orders chunks that arrive in any order.
   */
  @Test
  void chunksRespectTheBoundsAndThePlacerOrdersThemInAnyArrivalOrder() {
    int count = 2000;
    int inputs = 784;
    int partitions = 3;
    BlockedData.SharePartitioner targets = new BlockedData.SharePartitioner(count, partitions, 9);
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      examples.add(new Example(i, train.label(i), Arrays.copyOfRange(train.pixels(), i * 784,
          (i + 1) * 784)));
    }
    Collections.shuffle(examples, new Random(3));
    List<List<ChunkedShuffle.Chunk>> byTarget = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      byTarget.add(new ArrayList<>());
    }
    ChunkedShuffle.Packer packer = new ChunkedShuffle.Packer(examples.iterator(), targets, count,
        inputs, TINY, heap("t"));
    int chunks = 0;
    while (packer.hasNext()) {
      Tuple2<Integer, ChunkedShuffle.Chunk> keyed = packer.next();
      ChunkedShuffle.Chunk chunk = keyed._2();
      assertTrue(chunk.rows() >= 1 && chunk.rows() <= TINY.chunkRows(inputs), "" + chunk.rows());
      assertEquals(chunk.rows() * inputs, chunk.pixels().length);
      for (int index : chunk.indices()) {
        assertEquals(keyed._1(), targets.getPartition(index), "target of " + index);
      }
      byTarget.get(keyed._1()).add(chunk);
      chunks++;
    }
    assertTrue(chunks > count / TINY.chunkRows(inputs), "partial chunks too: " + chunks);
    for (int p = 0; p < partitions; p++) {
      List<ChunkedShuffle.Chunk> arriving = new ArrayList<>(byTarget.get(p));
      Collections.shuffle(arriving, new Random(p));
      Iterator<ExampleBlock> blocks =
          new ChunkedShuffle.Placer(arriving.iterator(), p, targets, inputs, 50, heap("t"));
      int last = -1;
      int rows = 0;
      while (blocks.hasNext()) {
        ExampleBlock block = blocks.next();
        for (int r = 0; r < block.rows(); r++) {
          int index = block.indices()[r];
          assertTrue(index > last, "index order: " + index + " after " + last);
          assertEquals(p, targets.getPartition(index));
          assertEquals(train.label(index), block.labels()[r]);
          assertArrayEquals(Arrays.copyOfRange(train.pixels(), index * 784, (index + 1) * 784),
              Arrays.copyOfRange(block.pixels(), r * 784, (r + 1) * 784));
          last = index;
        }
        rows += block.rows();
        assertTrue(block.rows() == 50 || !blocks.hasNext(), "only the last block is partial");
      }
      assertEquals(byTarget.get(p).stream().mapToInt(ChunkedShuffle.Chunk::rows).sum(), rows);
    }
  }

  @Test
  void anIndexTwiceIsRefused() {
    byte[] pixels = new byte[2 * 4];
    ChunkedShuffle.Chunk a = new ChunkedShuffle.Chunk(2, pixels, new byte[2], new int[] {3, 5});
    ChunkedShuffle.Chunk b = new ChunkedShuffle.Chunk(1, new byte[4], new byte[1], new int[] {5});
    BlockedData.SharePartitioner one = new BlockedData.SharePartitioner(8, 1, 5);
    Iterator<ExampleBlock> blocks =
        new ChunkedShuffle.Placer(List.of(a, b).iterator(), 0, one, 4, 10, heap("twice"));
    IllegalStateException e = assertThrows(IllegalStateException.class, blocks::hasNext);
    assertEquals("twice: example index 5 twice", e.getMessage());
  }

  /** A partition whose chunks miss an index, or bring one of another partition, is refused. */
  @Test
  void aMissingOrForeignIndexIsRefused() {
    BlockedData.SharePartitioner two = new BlockedData.SharePartitioner(40, 2, 5);
    int[] mine = two.members(0);
    int[] theirs = two.members(1);
    ChunkedShuffle.Chunk short1 = new ChunkedShuffle.Chunk(mine.length - 1,
        new byte[(mine.length - 1) * 4], new byte[mine.length - 1],
        Arrays.copyOf(mine, mine.length - 1));
    IllegalStateException missing = assertThrows(IllegalStateException.class,
        new ChunkedShuffle.Placer(List.of(short1).iterator(), 0, two, 4, 3, heap("miss"))::hasNext);
    assertEquals("miss: expected " + mine.length + " examples in partition 0; found "
        + (mine.length - 1), missing.getMessage());
    ChunkedShuffle.Chunk foreign = new ChunkedShuffle.Chunk(1, new byte[4], new byte[1],
        new int[] {theirs[0]});
    IllegalStateException other = assertThrows(IllegalStateException.class,
        new ChunkedShuffle.Placer(List.of(foreign).iterator(), 0, two, 4, 3, heap("foreign"))
            ::hasNext);
    assertEquals("foreign: example index " + theirs[0] + " is not one of partition 0's",
        other.getMessage());
  }

  /** A partition's members are the indices the partitioner sends it, in ascending order. */
  @Test
  void membersAreWhatThePartitionerSendsInIndexOrder() {
    for (int[] shape : new int[][] {{1, 1}, {7, 3}, {1000, 1}, {1000, 7}, {4097, 4}, {5, 8}}) {
      int count = shape[0];
      int partitions = shape[1];
      BlockedData.SharePartitioner targets =
          new BlockedData.SharePartitioner(count, partitions, 17);
      for (int p = 0; p < partitions; p++) {
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          if (targets.getPartition(i) == p) {
            expected.add(i);
          }
        }
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(),
            targets.members(p), count + " in " + partitions + ", partition " + p);
      }
    }
  }

  private static ChunkedShuffle.OutOfHeap heap(String name) {
    return new ChunkedShuffle.OutOfHeap(name, 2000, 784, 3, "SPARKGRAD_DRIVER_MEMORY");
  }

  /**
   * The heap running out under the stacker (in the shuffle's reader, say) or the packer (in the
   * source's reader) fails the task with the data's size and the setting to raise (exit 8), not
   * with Spark's fatal OutOfMemoryError that ends the process.
   */
  @Test
  void runningOutOfHeapWhileBuildingNamesTheDataAndTheSetting() {
    Iterator<ChunkedShuffle.Chunk> exhausted = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public ChunkedShuffle.Chunk next() {
        throw new OutOfMemoryError("Java heap space");
      }
    };
    DataDoesNotFitException reduce = assertThrows(DataDoesNotFitException.class,
        () -> new ChunkedShuffle.Placer(exhausted, 0, new BlockedData.SharePartitioner(2000, 3, 1),
            784, 10, heap("big-train")).hasNext());
    assertTrue(reduce.getMessage().startsWith("big-train: out of memory while building the"
        + " cached blocks (reduce side of the shuffle, a heap of "), reduce.getMessage());
    assertTrue(reduce.getMessage().endsWith("2,000 examples × (784 pixels + 8) bytes = 1.6 MB of"
        + " blocks in 3 partitions. Raise SPARKGRAD_DRIVER_MEMORY, or give --partitions more"
        + " partitions, or train on less data"), reduce.getMessage());
    assertTrue(reduce.getCause() instanceof OutOfMemoryError);
    Iterator<Example> unreadable = List.<Example>of().iterator();
    Iterator<Example> failing = new Iterator<>() {
      @Override
      public boolean hasNext() {
        throw new OutOfMemoryError("Java heap space");
      }

      @Override
      public Example next() {
        return unreadable.next();
      }
    };
    DataDoesNotFitException map = assertThrows(DataDoesNotFitException.class,
        () -> new ChunkedShuffle.Packer(failing, new BlockedData.SharePartitioner(2000, 3, 1),
            2000, 784, TINY, heap("big-train")).hasNext());
    assertTrue(map.getMessage().contains("(map side of the shuffle"), map.getMessage());
  }

  private static LabeledImages slice(LabeledImages images, int from, int count) {
    int d = images.features();
    return new LabeledImages(images.source(), images.imageRows(), images.imageCols(),
        Arrays.copyOfRange(images.pixels(), from * d, (from + count) * d),
        Arrays.copyOfRange(images.labels(), from, from + count));
  }
}
