package io.sparkgrad.data;

import static io.sparkgrad.data.IdxFiles.bytes;
import static io.sparkgrad.data.IdxFiles.gzip;
import static io.sparkgrad.data.IdxFiles.images;
import static io.sparkgrad.data.IdxFiles.labels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.testing.MnistFixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a data folder: the real MNIST, a non-digit set, and folders that must be refused. */
class DataSetFolderTest {
  private static final Configuration CONF = new Configuration();

  @TempDir java.nio.file.Path dir;

  private static Path hadoop(java.nio.file.Path f) {
    return new Path(f.toUri());
  }

  private static void assertContains(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "expected the message to contain «" + p + "»; found: " + message);
    }
  }

  /** The IDX content the reader's result stands for: header + data, as in the original file. */
  private static byte[] idxImages(LabeledImages d) {
    return ByteBuffer.allocate(16 + d.pixels().length)
        .putInt(IdxReader.IMAGES_MAGIC).putInt(d.count()).putInt(d.imageRows())
        .putInt(d.imageCols()).put(d.pixels()).array();
  }

  private static byte[] idxLabels(LabeledImages d) {
    return ByteBuffer.allocate(8 + d.count())
        .putInt(IdxReader.LABELS_MAGIC).putInt(d.count()).put(d.labels()).array();
  }

  @Test
  void loadsTheRealMnistWithThePublishedLabelCountsAndChecksums() throws IOException {
    java.nio.file.Path mnist = MnistFixture.folder();
    DataSet data = DataSetFolder.at(hadoop(mnist), CONF).load();

    assertEquals(10, data.classes());
    assertEquals(60_000, data.train().count());
    assertEquals(10_000, data.test().count());
    assertEquals(28, data.train().imageRows());
    assertEquals(28, data.train().imageCols());
    assertArrayEquals(
        new long[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
        data.train().labelCounts(10));
    assertArrayEquals(
        new long[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009},
        data.test().labelCounts(10));

    // Provenance: the SHA-256 of each file as stored (here the .gz files), computed independently.
    List<String> names =
        List.of(
            "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
    assertEquals(names, List.copyOf(data.sha256().keySet()));
    for (String name : names) {
      assertEquals(IdxFiles.sha256(mnist.resolve(name)), data.sha256().get(name), name);
    }

    // Every byte: the loaded arrays rebuild the original IDX content, whose SHA-256 is published.
    Map<String, String> published = IdxFiles.publishedSums(mnist);
    assertEquals(published.get("train-images-idx3-ubyte"), IdxFiles.sha256(idxImages(data.train())));
    assertEquals(published.get("train-labels-idx1-ubyte"), IdxFiles.sha256(idxLabels(data.train())));
    assertEquals(published.get("t10k-images-idx3-ubyte"), IdxFiles.sha256(idxImages(data.test())));
    assertEquals(published.get("t10k-labels-idx1-ubyte"), IdxFiles.sha256(idxLabels(data.test())));
  }

  /** A 5×7 data set with 3 classes, train raw and test gzipped. */
  private void writeSmallSet(java.nio.file.Path folder, byte[] trainPixels, byte[] trainLabels,
      byte[] testPixels, byte[] testLabels) throws IOException {
    Files.createDirectories(folder);
    Files.write(folder.resolve("train-images-idx3-ubyte"), images(trainLabels.length, 5, 7, trainPixels));
    Files.write(folder.resolve("train-labels-idx1-ubyte"), labels(trainLabels));
    Files.write(folder.resolve("t10k-images-idx3-ubyte.gz"), gzip(images(testLabels.length, 5, 7, testPixels)));
    Files.write(folder.resolve("t10k-labels-idx1-ubyte.gz"), gzip(labels(testLabels)));
  }

  @Test
  void loadsANonDigitDataSetOf5By7ImagesWith3Classes() throws IOException {
    byte[] trainPixels = bytes(12 * 35, 11);
    byte[] trainLabels = {0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0};
    byte[] testPixels = bytes(4 * 35, 12);
    byte[] testLabels = {2, 0, 1, 1};
    writeSmallSet(dir.resolve("shapes"), trainPixels, trainLabels, testPixels, testLabels);
    Files.writeString(dir.resolve("shapes/README.txt"), "other files are ignored");

    DataSet data = DataSetFolder.at(hadoop(dir.resolve("shapes")), CONF).load();
    assertEquals(3, data.classes());
    assertEquals(5, data.train().imageRows());
    assertEquals(7, data.train().imageCols());
    assertEquals(35, data.train().features());
    assertArrayEquals(trainPixels, data.train().pixels());
    assertArrayEquals(trainLabels, data.train().labels());
    assertArrayEquals(testPixels, data.test().pixels());
    assertArrayEquals(testLabels, data.test().labels());
    assertEquals(
        List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz"),
        List.copyOf(data.sha256().keySet()));
    assertEquals(DataSetFormat.IDX_FOLDER, DataSetFormat.detect(hadoop(dir.resolve("shapes")), CONF));

    // An explicit class count larger than the labels imply is kept; a smaller one is refused.
    assertEquals(5, DataSetFolder.at(hadoop(dir.resolve("shapes")), CONF).load(5).classes());
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () -> DataSetFolder.at(hadoop(dir.resolve("shapes")), CONF).load(2));
    assertContains(e.getMessage(), "train-labels-idx1-ubyte: label of example 2: expected 0..1 (2 classes); found 2");
  }

  @Test
  void refusesImageAndLabelCountsThatDiffer() throws IOException {
    java.nio.file.Path folder = dir.resolve("counts");
    writeSmallSet(folder, bytes(12 * 35, 1), new byte[12], bytes(4 * 35, 2), new byte[4]);
    Files.write(folder.resolve("train-labels-idx1-ubyte"), labels(new byte[11]));
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> DataSetFolder.at(hadoop(folder), CONF).load());
    assertContains(
        e.getMessage(),
        folder.resolve("train-images-idx3-ubyte").toString() + " and ",
        folder.resolve("train-labels-idx1-ubyte").toString(),
        "example count: expected the same number of images and labels; found 12 images and 11 labels");
  }

  @Test
  void refusesTrainAndTestImagesOfDifferentSizes() throws IOException {
    java.nio.file.Path folder = dir.resolve("sizes");
    writeSmallSet(folder, bytes(12 * 35, 1), new byte[12], bytes(4 * 35, 2), new byte[4]);
    Files.write(folder.resolve("t10k-images-idx3-ubyte.gz"), gzip(images(4, 7, 5, bytes(4 * 35, 2))));
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> DataSetFolder.at(hadoop(folder), CONF).load());
    assertContains(
        e.getMessage(),
        "image size: expected the same rows×cols in train and test; found 5×7",
        "train-images-idx3-ubyte", "and 7×5", "t10k-images-idx3-ubyte.gz");
  }

  @Test
  void refusesBothRawAndGzipOfOneFileAsAmbiguous() throws IOException {
    java.nio.file.Path folder = dir.resolve("both");
    writeSmallSet(folder, bytes(12 * 35, 1), new byte[12], bytes(4 * 35, 2), new byte[4]);
    Files.write(folder.resolve("train-labels-idx1-ubyte.gz"), gzip(labels(new byte[12])));
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> DataSetFolder.at(hadoop(folder), CONF).load());
    assertContains(
        e.getMessage(), folder.toString(),
        "train-labels-idx1-ubyte: expected exactly one of train-labels-idx1-ubyte and"
            + " train-labels-idx1-ubyte.gz; found both");
  }

  @Test
  void refusesAMissingFileOrFolderNamingWhatIsThere() throws IOException {
    java.nio.file.Path folder = dir.resolve("partial");
    writeSmallSet(folder, bytes(12 * 35, 1), new byte[12], bytes(4 * 35, 2), new byte[4]);
    Files.delete(folder.resolve("t10k-labels-idx1-ubyte.gz"));
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> DataSetFolder.at(hadoop(folder), CONF).load());
    assertContains(
        e.getMessage(), folder.toString(),
        "t10k-labels-idx1-ubyte: expected t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz;"
            + " found neither; the folder holds t10k-images-idx3-ubyte.gz, train-images-idx3-ubyte,"
            + " train-labels-idx1-ubyte");

    java.nio.file.Path nowhere = dir.resolve("nowhere");
    DataFormatException missing =
        assertThrows(DataFormatException.class, () -> DataSetFolder.at(hadoop(nowhere), CONF));
    assertContains(missing.getMessage(), nowhere.toString(), "data folder not found");
  }

  @Test
  void refusesAnEmptySplit() throws IOException {
    java.nio.file.Path folder = dir.resolve("empty-test");
    writeSmallSet(folder, bytes(12 * 35, 1), new byte[12], new byte[0], new byte[0]);
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> DataSetFolder.at(hadoop(folder), CONF).load());
    assertContains(e.getMessage(), "t10k-images-idx3-ubyte.gz: image count: expected at least 1 test example; found 0");
  }

  @Test
  void detectRefusesFoldersThatAreNeitherOrBoth() throws IOException {
    java.nio.file.Path other = Files.createDirectories(dir.resolve("other"));
    Files.writeString(other.resolve("notes.txt"), "x");
    DataFormatException neither =
        assertThrows(DataFormatException.class, () -> DataSetFormat.detect(hadoop(other), CONF));
    assertContains(
        neither.getMessage(), other.toString(),
        "data set: expected an IDX folder (train-images-idx3-ubyte[.gz], …) or a Parquet table",
        "found a folder holding notes.txt");

    java.nio.file.Path both = Files.createDirectories(dir.resolve("mixed"));
    Files.write(both.resolve("train-images-idx3-ubyte.gz"), new byte[1]);
    Files.createDirectories(both.resolve("split=train"));
    DataFormatException mixed =
        assertThrows(DataFormatException.class, () -> DataSetFormat.detect(hadoop(both), CONF));
    assertContains(
        mixed.getMessage(),
        "expected either an IDX folder or a Parquet table; found both: IDX files"
            + " [train-images-idx3-ubyte.gz] and Parquet entries [split=train]");

    java.nio.file.Path file = Files.write(dir.resolve("a-file"), new byte[1]);
    assertContains(
        assertThrows(DataFormatException.class, () -> DataSetFormat.detect(hadoop(file), CONF))
            .getMessage(),
        "found a file");
  }
}
