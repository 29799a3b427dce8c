package io.sparkgrad.data;

import static io.sparkgrad.data.IdxFiles.assertThrowsAllocatingAtMost;
import static io.sparkgrad.data.IdxFiles.bytes;
import static io.sparkgrad.data.IdxFiles.concat;
import static io.sparkgrad.data.IdxFiles.gzip;
import static io.sparkgrad.data.IdxFiles.images;
import static io.sparkgrad.data.IdxFiles.imagesHeader;
import static io.sparkgrad.data.IdxFiles.labels;
import static io.sparkgrad.data.IdxFiles.labelsHeader;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IDX reader on small files written here: the valid forms, then one broken file per check.
 * Every refusal is asserted on its message (the file, the field, the expected and the found
 * value) and on the bytes allocated while refusing (at most a few MiB).
 */
class IdxReaderTest {
  /** What a refusal may allocate: one 1 MiB decompression chunk plus buffers and messages. */
  private static final long FEW_MIB = 4L << 20;

  private static final Configuration CONF = new Configuration();

  @TempDir java.nio.file.Path dir;

  @BeforeAll
  static void warmUp(@TempDir java.nio.file.Path warm) throws IOException {
    // The first use of the Hadoop FileSystem parses its default configuration (megabytes of
    // allocation unrelated to the reader): do it before any allocation is measured.
    java.nio.file.Path f = warm.resolve("warm");
    Files.write(f, gzip(images(1, 1, 1, new byte[] {7})));
    IdxReader.readImages(new Path(f.toUri()), CONF);
    Files.write(f, images(1, 1, 1, new byte[] {7}));
    IdxReader.readImages(new Path(f.toUri()), CONF);
  }

  private java.nio.file.Path write(String name, byte[] content) throws IOException {
    java.nio.file.Path f = dir.resolve(name);
    Files.write(f, content);
    return f;
  }

  private static Path hadoop(java.nio.file.Path f) {
    return new Path(f.toUri());
  }

  /** Reads images, expecting a refusal that allocates at most a few MiB; returns the message. */
  private static String refusedImages(java.nio.file.Path f) {
    DataFormatException e =
        assertThrowsAllocatingAtMost(
            FEW_MIB, DataFormatException.class, () -> IdxReader.readImages(hadoop(f), CONF));
    String m = e.getMessage();
    assertTrue(m.contains(f.toAbsolutePath().toString()), "message names the file: " + m);
    return m;
  }

  private static String refusedLabels(java.nio.file.Path f, int classes) {
    DataFormatException e =
        assertThrowsAllocatingAtMost(
            FEW_MIB, DataFormatException.class,
            () -> IdxReader.readLabels(hadoop(f), CONF, classes));
    String m = e.getMessage();
    assertTrue(m.contains(f.toAbsolutePath().toString()), "message names the file: " + m);
    return m;
  }

  private static void assertContains(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "expected the message to contain «" + p + "»; found: " + message);
    }
  }

  // ---- valid files ----------------------------------------------------------------------------

  @Test
  void readsRawAndGzipImagesOfAnySizeDetectingGzipByContentNotName() throws IOException {
    byte[] pixels = bytes(3 * 5 * 7, 1);
    byte[] raw = images(3, 5, 7, pixels);
    // Names that lie: gzip content without .gz, raw content with .gz.
    java.nio.file.Path gz = write("images-compressed-but-no-suffix", gzip(raw));
    java.nio.file.Path plain = write("images-raw-but-named.gz", raw);
    IdxReader.Images a = IdxReader.readImages(hadoop(gz), CONF);
    IdxReader.Images b = IdxReader.readImages(hadoop(plain), CONF);
    for (IdxReader.Images i : new IdxReader.Images[] {a, b}) {
      assertEquals(3, i.count());
      assertEquals(5, i.rows());
      assertEquals(7, i.cols());
      assertArrayEquals(pixels, i.pixels());
    }
    assertTrue(a.gzip());
    assertFalse(b.gzip());
    // The digest is of the file as stored: compressed bytes for the gzip one.
    assertEquals(IdxFiles.sha256(gz), a.sha256());
    assertEquals(IdxFiles.sha256(plain), b.sha256());
  }

  @Test
  void readsPlainLocalPathsWithoutScheme() throws IOException {
    java.nio.file.Path f = write("labels", labels(new byte[] {0, 1, 2, 1}));
    IdxReader.Labels l = IdxReader.readLabels(new Path(f.toAbsolutePath().toString()), CONF, 3);
    assertArrayEquals(new byte[] {0, 1, 2, 1}, l.labels());
  }

  @Test
  void readsAGzipFileLargerThanOneChunk() throws IOException {
    // 3 MiB + a bit of pixels: several decompression chunks joined in order.
    int count = 3 * 1024 + 5;
    byte[] pixels = bytes(count * 1024, 2);
    java.nio.file.Path f = write("big.gz", gzip(images(count, 32, 32, pixels)));
    IdxReader.Images i = IdxReader.readImages(hadoop(f), CONF);
    assertEquals(count, i.count());
    assertArrayEquals(pixels, i.pixels());
  }

  @Test
  void acceptsLabelsUpTo254WhenTheClassCountIsLeftOpen() throws IOException {
    java.nio.file.Path f = write("labels", labels(new byte[] {0, (byte) 254}));
    assertEquals(254, IdxReader.readLabels(hadoop(f), CONF, IdxReader.MAX_CLASSES).labels()[1] & 0xFF);
    java.nio.file.Path g = write("labels255", labels(new byte[] {0, (byte) 255}));
    assertContains(
        refusedLabels(g, IdxReader.MAX_CLASSES),
        "label of example 1: expected 0..254 (at most 255 classes); found 255");
  }

  @Test
  void refusesAClassCountOutside1To255() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> IdxReader.readLabels(hadoop(dir.resolve("x")), CONF, 256));
    assertEquals("classes: expected 1..255; found 256", e.getMessage());
  }

  // ---- broken files ---------------------------------------------------------------------------

  @Test
  void refusesATruncatedImagesFile() throws IOException {
    byte[] full = images(10, 4, 4, bytes(160, 3));
    java.nio.file.Path f = write("train-images-idx3-ubyte", Arrays.copyOf(full, 16 + 100));
    assertContains(
        refusedImages(f),
        "file length: expected 16-byte header + 10 images × 4×4 = 176 bytes",
        "found 116 bytes (truncated: room for only 6 complete images)");
  }

  @Test
  void refusesATruncatedGzipImagesFile() throws IOException {
    byte[] full = images(10, 4, 4, bytes(160, 3));
    java.nio.file.Path f = write("train-images-idx3-ubyte.gz", gzip(Arrays.copyOf(full, 16 + 100)));
    assertContains(
        refusedImages(f),
        "decompressed length: expected 16-byte header + 10 images × 4×4 = 176 bytes",
        "found 116 bytes (truncated: room for only 6 complete images)");
  }

  @Test
  void refusesAHeaderCutShort() throws IOException {
    java.nio.file.Path f = write("short", Arrays.copyOf(imagesHeader(IdxReader.IMAGES_MAGIC, 1, 2, 2), 9));
    assertContains(
        refusedImages(f),
        "header: expected 16 bytes (magic number and 3 dimension sizes); found 9 bytes");
    java.nio.file.Path g = write("tiny", new byte[] {0, 0, 8});
    assertContains(refusedImages(g), "header: expected at least 4 bytes (the magic number); found 3 bytes");
  }

  @Test
  void refusesTrailingGarbageRawAndGzip() throws IOException {
    byte[] withGarbage = concat(images(2, 2, 2, bytes(8, 4)), new byte[] {1, 2, 3});
    String raw = refusedImages(write("raw", withGarbage));
    assertContains(
        raw,
        "file length: expected 16-byte header + 2 images × 2×2 = 24 bytes",
        "found 27 bytes (3 bytes of trailing data after the last image)");
    String gz = refusedImages(write("gz", gzip(withGarbage)));
    assertContains(
        gz,
        "decompressed length: expected 16-byte header + 2 images × 2×2 = 24 bytes",
        "found 27 bytes (3 bytes of trailing data after the last image)");
    byte[] labelsGarbage = concat(labels(new byte[] {1, 0}), new byte[] {9});
    assertContains(
        refusedLabels(write("labels", labelsGarbage), 10),
        "file length: expected 8-byte header + 2 labels = 10 bytes",
        "found 11 bytes (1 byte of trailing data after the last label)");
  }

  @Test
  void refusesLabelsGivenForImagesAndTheReverse() throws IOException {
    java.nio.file.Path labelsFile = write("t10k-labels-idx1-ubyte", labels(new byte[] {1, 2}));
    assertContains(
        refusedImages(labelsFile),
        "magic number: expected 0x00000803 (2051, IDX images: unsigned bytes, 3 dimensions)",
        "found 0x00000801 (2049, IDX labels: unsigned bytes, 1 dimension)",
        "an IDX labels file where an IDX images file was expected (images and labels swapped?)");
    java.nio.file.Path imagesFile = write("t10k-images-idx3-ubyte", images(1, 1, 1, new byte[1]));
    assertContains(
        refusedLabels(imagesFile, 10),
        "magic number: expected 0x00000801 (2049, IDX labels: unsigned bytes, 1 dimension)",
        "found 0x00000803 (2051, IDX images: unsigned bytes, 3 dimensions)",
        "an IDX images file where an IDX labels file was expected");
  }

  @Test
  void refusesOtherMagicNumbersSayingWhatTheyAre() throws IOException {
    assertContains(
        refusedImages(write("le", imagesHeader(Integer.reverseBytes(IdxReader.IMAGES_MAGIC), 1, 1, 1))),
        "found 0x03080000 (50855936, an IDX magic number with its bytes reversed: written little-endian?)");
    assertContains(
        refusedImages(write("float", imagesHeader(0x00000D03, 1, 1, 1))),
        "found 0x00000D03 (3331, IDX float32, 3 dimensions)");
    assertContains(
        refusedImages(write("png", imagesHeader(0x89504E47, 1, 1, 1))),
        "expected 0x00000803", "found 0x89504E47 (2303741511, not an IDX file)");
    assertContains(
        refusedImages(write("twice.gz", gzip(gzip(images(1, 1, 1, new byte[1]))))),
        "gzip data inside the gzip stream: compressed twice?");
  }

  @Test
  void refusesImpossibleDimensions() throws IOException {
    assertContains(
        refusedImages(write("rows0", images(1, 0, 3, new byte[0]))), "rows: expected 1..2147483639; found 0");
    assertContains(
        refusedImages(write("colsneg", imagesHeader(IdxReader.IMAGES_MAGIC, 1, 3, -1))),
        "cols: expected 1..2147483639; found 4294967295");
    assertContains(
        refusedImages(write("huge", imagesHeader(IdxReader.IMAGES_MAGIC, 1, 65536, 65536))),
        "rows×cols: expected at most 2147483639 pixels per image; found 65536×65536 = 4294967296");
  }

  @Test
  void refusesAHeaderClaiming2To31ImagesInA1KiBFileWithoutAllocatingIt() throws IOException {
    byte[] filler = bytes(1024 - 16, 5);
    // 2^31 does not fit the signed count at all.
    byte[] two31 = concat(imagesHeader(IdxReader.IMAGES_MAGIC, 1 << 31, 1, 1), filler);
    assertEquals(1024, two31.length);
    assertContains(
        refusedImages(write("two31", two31)), "image count: expected 0..2147483647; found 2147483648");
    assertContains(
        refusedImages(write("two31.gz", gzip(two31))),
        "image count: expected 0..2147483647; found 2147483648");
    // 2^31−1 images of one pixel: too many bytes for one Java array.
    byte[] max = concat(imagesHeader(IdxReader.IMAGES_MAGIC, Integer.MAX_VALUE, 1, 1), filler);
    assertContains(
        refusedImages(write("max", max)),
        "count×rows×cols: expected at most 2147483639 pixel bytes (the largest Java array);"
            + " found 2147483647×1×1 = 2147483647");
    // Two billion images: allowed by the header checks, refused by what is present. A raw file is
    // compared with its length before allocating; a gzip file is read in bounded chunks.
    byte[] twoBillion = concat(imagesHeader(IdxReader.IMAGES_MAGIC, 2_000_000_000, 1, 1), filler);
    assertContains(
        refusedImages(write("2e9", twoBillion)),
        "file length: expected 16-byte header + 2000000000 images × 1×1 = 2000000016 bytes",
        "found 1024 bytes (truncated: room for only 1008 complete images)");
    java.nio.file.Path gz = write("2e9.gz", gzip(twoBillion));
    assertTrue(Files.size(gz) <= 1100, "the gzip file is about 1 KiB: " + Files.size(gz));
    assertContains(
        refusedImages(gz),
        "decompressed length: expected 16-byte header + 2000000000 images × 1×1 = 2000000016 bytes",
        "found 1024 bytes (truncated: room for only 1008 complete images)");
    byte[] labels2e9 = concat(labelsHeader(IdxReader.LABELS_MAGIC, 2_000_000_000), new byte[1016]);
    assertContains(
        refusedLabels(write("labels2e9.gz", gzip(labels2e9)), 10),
        "decompressed length: expected 8-byte header + 2000000000 labels = 2000000008 bytes",
        "found 1024 bytes (truncated: room for only 1016 complete labels)");
  }

  @Test
  void refusesALabelEqualToTheClassCount() throws IOException {
    java.nio.file.Path f = write("train-labels-idx1-ubyte.gz", gzip(labels(new byte[] {0, 1, 2, 0, 3, 1})));
    assertContains(refusedLabels(f, 3), "label of example 4: expected 0..2 (3 classes); found 3");
  }

  @Test
  void refusesACorruptGzipStream() throws IOException {
    byte[] pixels = new byte[50 * 64];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i % 7 == 0 ? i : 0); // compressible: Huffman-coded deflate blocks
    }
    byte[] good = gzip(images(50, 8, 8, pixels));
    byte[] corrupt = good.clone();
    for (int i = good.length / 2; i < good.length / 2 + 16; i++) {
      corrupt[i] ^= (byte) 0x5A; // scramble the middle of the deflate data; the header is intact
    }
    assertContains(
        refusedImages(write("corrupt.gz", corrupt)),
        "gzip stream: expected a valid gzip stream; found corrupt or truncated compressed data",
        "ZipException");
    byte[] cut = Arrays.copyOf(good, good.length / 2);
    assertContains(
        refusedImages(write("cut.gz", cut)),
        "gzip stream: expected a valid gzip stream; found corrupt or truncated compressed data",
        "EOFException");
    byte[] badCrc = good.clone();
    badCrc[badCrc.length - 8] ^= 1; // the CRC-32 in the trailer
    assertContains(refusedImages(write("crc.gz", badCrc)), "gzip stream", "Corrupt GZIP trailer");
    byte[] notGzip = {0x1f, (byte) 0x8b, 0x00, 0x00};
    assertContains(refusedImages(write("magic-only.gz", notGzip)), "gzip stream", "ZipException");
  }

  @Test
  void refusesAnEmptyFileAndAnEmptyGzipStream() throws IOException {
    assertContains(
        refusedImages(write("train-images-idx3-ubyte", new byte[0])),
        "file length: expected an IDX images file (a 16-byte header, then data); found an empty"
            + " file (0 bytes)");
    assertContains(
        refusedLabels(write("labels.gz", gzip(new byte[0])), 10),
        "decompressed length: expected an IDX labels file inside the gzip stream; found an empty"
            + " gzip stream (0 bytes after decompression)");
  }

  @Test
  void refusesAMissingFileNamingItsPath() {
    java.nio.file.Path f = dir.resolve("no-such-dir/train-images-idx3-ubyte.gz");
    assertContains(refusedImages(f), "file not found (expected an IDX images file at this path)");
  }

  @Test
  void refusesADirectory() throws IOException {
    java.nio.file.Path d = Files.createDirectory(dir.resolve("train-labels-idx1-ubyte"));
    assertContains(refusedLabels(d, 10), "file type: expected an IDX labels file; found a directory");
  }
}
