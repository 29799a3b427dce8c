package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * The fingerprints of an IDX folder whose raw files the build's tasks hash as they read them
 * ({@link Fingerprints}, {@link ReadDigests}) are the fingerprint pass's values and every file's
 * own SHA-256, whether the examples were read before the first look or not, and whatever was
 * selected of them.
 */
class FingerprintsTest {
  private static final LabeledImages TRAIN = SyntheticImages.make(600, 8, 6, 4, 1);
  private static final LabeledImages TEST = SyntheticImages.make(200, 8, 6, 4, 2);

  @TempDir java.nio.file.Path work;

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  }

  /** Three raw train parts, a raw test split, or a gzip one. */
  private Path folder(String name, boolean gzipTest) throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path folder = new Path(work.resolve(name).toString());
    for (int p = 0; p < 3; p++) {
      IdxWriter.writeSplit(fs, folder, Split.TRAIN, IdxWriter.partSuffix(p), slice(TRAIN, p));
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
  void theBuildsReadsHashEveryRawFileToTheSeparatePassesValues() throws IOException {
    Configuration conf = new Configuration();
    LabeledData data = LabeledData.idx(jsc(), folder("raw", false), 0, conf);
    Fingerprints fingerprints = (Fingerprints) data.sha256();
    assertEquals(0, fingerprints.hashedByReads(), "nothing read yet");

    build(data, ExampleSelection.all(data.train().count()));

    assertEquals(8, fingerprints.hashedByReads(), "3 train parts and the test pair, each file");
    assertEquals(separatePass(data, conf), data.sha256());
    assertEquals(eachFilesOwn(data), data.sha256());
    assertEquals(List.copyOf(eachFilesOwn(data).keySet()), List.copyOf(data.sha256().keySet()),
        "in the order the files are read");
  }

  @Test
  void aSelectionReadsEveryRowAndAGzipSplitIsHashedByThePass() throws IOException {
    Configuration conf = new Configuration();
    LabeledData data = LabeledData.idx(jsc(), folder("gzip", true), 0, conf);
    // The training side of a validation hold-out: the tasks still read every row.
    build(data, ExampleSelection.training(data.train().count(), 150, 7));

    assertEquals(6, ((Fingerprints) data.sha256()).hashedByReads(), "the raw train files");
    assertEquals(eachFilesOwn(data), data.sha256());
  }

  @Test
  void unreadOrGrownFilesAreHashedByAPassWhenFirstLookedAt() throws IOException {
    Configuration conf = new Configuration();
    LabeledData unread = LabeledData.idx(jsc(), folder("unread", false), 0, conf);
    assertEquals(eachFilesOwn(unread), unread.sha256(), "no examples read");

    LabeledData grown = LabeledData.idx(jsc(), folder("grown", false), 0, conf);
    java.nio.file.Path part = work.resolve("grown/train-images-idx3-ubyte.part-00001");
    // After the header check, before the read: the read's digest would be of a prefix.
    Files.write(part, new byte[] {42}, StandardOpenOption.APPEND);
    Files.deleteIfExists(work.resolve("grown/.train-images-idx3-ubyte.part-00001.crc"));
    build(grown, ExampleSelection.all(grown.train().count()));

    assertEquals(7, ((Fingerprints) grown.sha256()).hashedByReads(), "all but the grown file");
    assertEquals(IdxFiles.sha256(part), grown.sha256().get(part.getFileName().toString()));
    assertEquals(eachFilesOwn(grown), grown.sha256());
  }
}
