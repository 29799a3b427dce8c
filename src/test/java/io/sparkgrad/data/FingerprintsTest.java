package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fingerprints of an IDX folder are the fingerprint pass's values and every file's own
 * SHA-256, whoever hashed them: the pass, for a split whose records the build reads at their
 * positions (all raw: its tasks never read a file whole), or the build's tasks as they read the
 * raw parts of a split read in order (one with a gzip part; {@link Fingerprints}, {@link
 * ReadDigests}), whether the examples were read before the first look or not, and whatever was
 * selected of them.
 */
class FingerprintsTest {
  private static final LabeledImages TRAIN = SyntheticImages.make(600, 8, 6, 4, 1);
  private static final LabeledImages TEST = SyntheticImages.make(200, 8, 6, 4, 2);

  @TempDir java.nio.file.Path work;

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  }

  /**
   * Three train parts, raw, or the first one gzip-compressed (then the split is read in order,
   * a part a task); a raw test split, or a gzip one.
   */
  private Path folder(String name, boolean gzipFirstPart, boolean gzipTest) throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path folder = new Path(work.resolve(name).toString());
    for (int p = 0; p < 3; p++) {
      IdxWriter.writeSplit(fs, folder, Split.TRAIN, IdxWriter.partSuffix(p), slice(TRAIN, p));
    }
    if (gzipFirstPart) {
      LabeledImages first = slice(TRAIN, 0);
      // The content, not the name, says gzip; the raw file's Hadoop checksums go with it.
      Files.write(work.resolve(name + "/train-images-idx3-ubyte.part-00000"), IdxFiles.gzip(
          IdxFiles.images(first.count(), 8, 6, first.pixels())));
      Files.write(work.resolve(name + "/train-labels-idx1-ubyte.part-00000"), IdxFiles.gzip(
          IdxFiles.labels(first.labels())));
      Files.delete(work.resolve(name + "/.train-images-idx3-ubyte.part-00000.crc"));
      Files.delete(work.resolve(name + "/.train-labels-idx1-ubyte.part-00000.crc"));
    }
    if (gzipTest) {
      Files.write(work.resolve(name + "/t10k-images-idx3-ubyte.gz"), IdxFiles.gzip(
          IdxFiles.images(TEST.count(), 8, 6, TEST.pixels())));
      Files.write(work.resolve(name + "/t10k-labels-idx1-ubyte.gz"), IdxFiles.gzip(
          IdxFiles.labels(TEST.labels())));
    } else {
      IdxWriter.writeSplit(fs, folder, Split.TEST, "", TEST);
    }
    return folder;
  }

  private static LabeledImages slice(LabeledImages images, int part) {
    int d = images.features();
    return new LabeledImages(images.source(), images.imageRows(), images.imageCols(),
        Arrays.copyOfRange(images.pixels(), part * 200 * d, (part + 1) * 200 * d),
        Arrays.copyOfRange(images.labels(), part * 200, (part + 1) * 200));
  }

  /** Every file's SHA-256 as sha256sum prints it, by name, in the data set's order. */
  private static Map<String, String> eachFilesOwn(LabeledData data) throws IOException {
    Map<String, String> sums = new LinkedHashMap<>();
    for (IdxSplit split : List.of((IdxSplit) data.train(), (IdxSplit) data.test())) {
      for (Path file : split.files()) {
        sums.put(file.getName(), IdxFiles.sha256(java.nio.file.Path.of(file.toUri())));
      }
    }
    return sums;
  }

  /** The separate pass's fingerprints of every file (FileDigests, as before the reads hashed). */
  private static Map<String, String> separatePass(LabeledData data, Configuration conf)
      throws IOException {
    List<Path> files = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (IdxSplit split : List.of((IdxSplit) data.train(), (IdxSplit) data.test())) {
      for (Path file : split.files()) {
        files.add(file);
        names.add(file.getName());
      }
    }
    return FileDigests.sha256(jsc(), conf, files, names);
  }

  private static void build(LabeledData data, ExampleSelection selection) {
    try (BlockedData train = BlockedData.of(jsc(), data.train(), selection, 3, 7, 64, "train");
        BlockedData test = BlockedData.of(jsc(), data.test(),
            ExampleSelection.all(data.test().count()), 2, 7, 64, "test")) {
      assertEquals(selection.size(), train.count());
    }
  }

  @Test
  void aSplitReadByPositionsIsHashedByThePassToEachFilesOwnSha256() throws IOException {
    Configuration conf = new Configuration();
    LabeledData data = LabeledData.idx(jsc(), folder("positions", false, false), 0, conf);
    assertTrue(data.train().positioned() != null && data.test().positioned() != null);

    build(data, ExampleSelection.all(data.train().count()));

    assertEquals(0, ((Fingerprints) data.sha256()).hashedByReads(), "no task reads a file whole");
    assertEquals(separatePass(data, conf), data.sha256());
    assertEquals(eachFilesOwn(data), data.sha256());
    assertEquals(List.copyOf(eachFilesOwn(data).keySet()), List.copyOf(data.sha256().keySet()),
        "in the order the files are read");
  }

  @Test
  void theReadsOfASplitReadInOrderHashItsRawPartsToTheSeparatePassesValues() throws IOException {
    Configuration conf = new Configuration();
    LabeledData data = LabeledData.idx(jsc(), folder("raw", true, false), 0, conf);
    assertNull(data.train().positioned(), "a gzip part: read in order");
    Fingerprints fingerprints = (Fingerprints) data.sha256();
    assertEquals(0, fingerprints.hashedByReads(), "nothing read yet");

    build(data, ExampleSelection.all(data.train().count()));

    assertEquals(4, fingerprints.hashedByReads(), "the 2 raw train parts, each file");
    assertEquals(separatePass(data, conf), data.sha256());
    assertEquals(eachFilesOwn(data), data.sha256());
    assertEquals(List.copyOf(eachFilesOwn(data).keySet()), List.copyOf(data.sha256().keySet()),
        "in the order the files are read");
  }

  @Test
  void aSelectionReadsEveryRowAndAGzipSplitIsHashedByThePass() throws IOException {
    Configuration conf = new Configuration();
    LabeledData data = LabeledData.idx(jsc(), folder("gzip", true, true), 0, conf);
    // The training side of a validation hold-out: the tasks still read every row.
    build(data, ExampleSelection.training(data.train().count(), 150, 7));

    assertEquals(4, ((Fingerprints) data.sha256()).hashedByReads(), "the raw train parts");
    assertEquals(eachFilesOwn(data), data.sha256());
  }

  @Test
  void unreadOrGrownFilesAreHashedByAPassWhenFirstLookedAt() throws IOException {
    Configuration conf = new Configuration();
    LabeledData unread = LabeledData.idx(jsc(), folder("unread", true, false), 0, conf);
    assertEquals(eachFilesOwn(unread), unread.sha256(), "no examples read");

    LabeledData grown = LabeledData.idx(jsc(), folder("grown", true, false), 0, conf);
    java.nio.file.Path part = work.resolve("grown/train-images-idx3-ubyte.part-00001");
    // After the header check, before the read: the read's digest would be of a prefix.
    Files.write(part, new byte[] {42}, StandardOpenOption.APPEND);
    Files.deleteIfExists(work.resolve("grown/.train-images-idx3-ubyte.part-00001.crc"));
    build(grown, ExampleSelection.all(grown.train().count()));

    assertEquals(3, ((Fingerprints) grown.sha256()).hashedByReads(),
        "the raw train parts' files but the grown one");
    assertEquals(IdxFiles.sha256(part), grown.sha256().get(part.getFileName().toString()));
    assertEquals(eachFilesOwn(grown), grown.sha256());
  }
}
