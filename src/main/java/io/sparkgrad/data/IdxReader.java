package io.sparkgrad.data;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.security.DigestInputStream;
import io.sparkgrad.io.Sha256;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads IDX files (the MNIST format) of unsigned bytes, raw or gzip-compressed, through the
 * Hadoop {@link FileSystem} API, so {@code file:}, plain paths (resolved against the
 * configuration's default file system, normally the local one), {@code hdfs:} and {@code s3a:}
 * all work.
 *
 * <p>Layout, all integers big-endian int32:
 *
 * <pre>
 *   images: magic 0x00000803 (2051) | count | rows | cols | count·rows·cols pixel bytes
 *   labels: magic 0x00000801 (2049) | count |                count label bytes
 * </pre>
 *
 * <p>Compression is detected from the first two bytes (0x1f 0x8b), never from the file name.
 *
 * <p>Checks, each a {@link DataFormatException} naming the file, the field, the expected and the
 * found value: the file exists and is not empty; the magic number (a labels file given for
 * images and the reverse are named as such, so are little-endian and other IDX types); the
 * dimensions (count ≤ 2^31−1, rows and cols ≥ 1, count·rows·cols ≤ {@link #MAX_ARRAY_BYTES});
 * the bytes present equal the bytes declared (truncated files and trailing bytes are both
 * refused); the gzip stream is intact (CRC and length trailer included); labels are in
 * 0..classes−1.
 *
 * <p>Memory: a raw file's length (from {@link FileStatus}) is compared with the declared size
 * before the data array is allocated. A gzip file's decompressed size is only known by reading
 * it, so it is read in chunks of at most {@value #CHUNK_BYTES} bytes, each allocated only when the
 * previous one is full: a header that declares two billion images in a 1 KiB file costs one chunk
 * before it is refused. A complete gzip file costs twice its decompressed size while the chunks
 * are joined.
 *
 * <p>The SHA-256 of each file as stored (compressed bytes for a gzip file) is computed while
 * reading, for provenance.
 */
public final class IdxReader {
  /** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
  public static final int IMAGES_MAGIC = 0x00000803;

  /** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
  public static final int LABELS_MAGIC = 0x00000801;

  /** Labels are unsigned bytes; at most 255 classes (labels 0..254) are accepted. */
  public static final int MAX_CLASSES = 255;

  /** Largest byte array every JVM allocates: the bound on count·rows·cols. */
  public static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

  /** Size of the chunks a gzip file is decompressed into. */
  static final int CHUNK_BYTES = 1 << 20;

  private static final int GZIP_BUFFER_BYTES = 1 << 16;

  private IdxReader() {}

  /**
   * An images file as read.
   *
   * @param source the fully qualified path, for messages
   * @param pixels {@code count·rows·cols} bytes, example-major, row-major within an example
   * @param gzip whether the file was gzip-compressed
   * @param sha256 lower-case hex SHA-256 of the file as stored
   */
  public record Images(
      String source, int count, int rows, int cols, byte[] pixels, boolean gzip, String sha256) {}

  /**
   * A labels file as read.
   *
   * @param source the fully qualified path, for messages
   * @param labels one unsigned byte per example, each checked to be below the class count
   * @param gzip whether the file was gzip-compressed
   * @param sha256 lower-case hex SHA-256 of the file as stored
   */
  public record Labels(String source, byte[] labels, boolean gzip, String sha256) {
    public int count() {
      return labels.length;
    }
  }

  /** Reads an images file (magic 2051). */
  public static Images readImages(Path file, Configuration conf) throws IOException {
    Content c = read(file, conf, Kind.IMAGES);
    return new Images(c.source, c.dims[0], c.dims[1], c.dims[2], c.data, c.gzip, c.sha256);
  }

  /**
   * Reads a labels file (magic 2049) and checks every label is in {@code 0..classes−1}.
   *
   * @param classes 1..{@value #MAX_CLASSES}; pass {@link #MAX_CLASSES} to accept any label the
   *     format allows and decide the class count afterwards
   */
  public static Labels readLabels(Path file, Configuration conf, int classes) throws IOException {
    checkClasses(classes);
    Content c = read(file, conf, Kind.LABELS);
    checkLabels(c.source, c.data, classes);
    return new Labels(c.source, c.data, c.gzip, c.sha256);
  }

  /** The two splits of one data set hold images of one size. */
  static void checkSameImageSize(String source, String trainSource, int trainRows, int trainCols,
      String testSource, int testRows, int testCols) {
    if (trainRows != testRows || trainCols != testCols) {
      throw new DataFormatException(
          source + ": image size: expected the same rows×cols in train and test; found "
              + trainRows + "×" + trainCols + " (" + trainSource + ") and "
              + testRows + "×" + testCols + " (" + testSource + ")");
    }
  }

  /** Refuses a class count outside 1..{@value #MAX_CLASSES} (a caller error). */
  public static void checkClasses(int classes) {
    if (classes < 1 || classes > MAX_CLASSES) {
      throw new IllegalArgumentException(
          "classes: expected 1.." + MAX_CLASSES + "; found " + classes);
    }
  }

  /** Refuses the first label that is not in {@code 0..classes−1}. */
  static void checkLabels(String source, byte[] labels, int classes) {
    for (int i = 0; i < labels.length; i++) {
      int label = labels[i] & 0xFF;
      if (label >= classes) {
        String expected =
            classes == MAX_CLASSES
                ? "0.." + (classes - 1) + " (at most " + MAX_CLASSES + " classes)"
                : "0.." + (classes - 1) + " (" + classes + " classes)";
        throw DataFormatException.of(source, "label of example " + i, expected, label);
      }
    }
  }

  /** SHA-256 of a file as stored, lower-case hex (for files not read through this class). */
  public static String sha256(Path file, Configuration conf) throws IOException {
    MessageDigest sha = Sha256.digest();
    FileSystem fs = fileSystem(file, conf);
    String special = io.sparkgrad.io.RegularFiles.whatIfNotRegular(fs, file);
    if (special != null && fs.exists(file)) {
      throw DataFormatException.of(file.toString(), "file type", "a regular file", special);
    }
    try (FSDataInputStream in = fs.open(file)) {
      byte[] buffer = new byte[GZIP_BUFFER_BYTES];
      for (int n; (n = in.read(buffer)) != -1; ) {
        sha.update(buffer, 0, n);
      }
    } catch (FileNotFoundException e) {
      throw new DataFormatException(file + ": file not found", e);
    }
    return Sha256.hex(sha);
  }

  // ---------------------------------------------------------------------------------------------

  private enum Kind {
    IMAGES(IMAGES_MAGIC, 3, "images", "image"),
    LABELS(LABELS_MAGIC, 1, "labels", "label");

    final int magic;
    final int dimensions;
    final String plural;
    final String singular;

    Kind(int magic, int dimensions, String plural, String singular) {
      this.magic = magic;
      this.dimensions = dimensions;
      this.plural = plural;
      this.singular = singular;
    }

    int headerBytes() {
      return 4 + 4 * dimensions;
    }

    String describe() {
      return "IDX " + plural + " file";
    }
  }

  private record Content(String source, int[] dims, byte[] data, boolean gzip, String sha256) {}

  private static Content read(Path file, Configuration conf, Kind kind) throws IOException {
    FileSystem fs = fileSystem(file, conf);
    FileStatus status;
    try {
      status = fs.getFileStatus(file);
    } catch (FileNotFoundException e) {
      throw new DataFormatException(
          file + ": file not found (expected an " + kind.describe() + " at this path)", e);
    }
    String name = status.getPath().toString();
    if (status.isDirectory()) {
      throw DataFormatException.of(name, "file type", "an " + kind.describe(), "a directory");
    }
    String special = io.sparkgrad.io.RegularFiles.whatIfNotRegular(fs, file);
    if (special != null) {
      // A FIFO or a device would block the read forever or never end.
      throw DataFormatException.of(
          name, "file type", "an " + kind.describe() + " (a regular file)", special);
    }
    long length = status.getLen();
    if (length == 0) {
      throw DataFormatException.of(
          name, "file length",
          "an " + kind.describe() + " (a " + kind.headerBytes() + "-byte header, then data)",
          "an empty file (0 bytes)");
    }
    MessageDigest sha = Sha256.digest();
    boolean gzip = false;
    try (FSDataInputStream stored = fs.open(file)) {
      DigestInputStream digesting = new DigestInputStream(stored, sha);
      PushbackInputStream peek = new PushbackInputStream(digesting, 2);
      byte[] first = new byte[2];
      int firstCount = readUpTo(peek, first, 0, 2);
      peek.unread(first, 0, firstCount);
      gzip = firstCount == 2 && (first[0] & 0xFF) == 0x1f && (first[1] & 0xFF) == 0x8b;
      InputStream in = gzip ? new GZIPInputStream(peek, GZIP_BUFFER_BYTES) : peek;

      // Header: magic, then one int32 per dimension.
      byte[] header = new byte[kind.headerBytes()];
      int headerCount = readUpTo(in, header, 0, header.length);
      if (headerCount == 0) {
        // Only a gzip stream can decode to nothing: an empty raw file was refused above.
        throw DataFormatException.of(
            name, "decompressed length", "an " + kind.describe() + " inside the gzip stream",
            "an empty gzip stream (0 bytes after decompression)");
      }
      if (headerCount < 4) {
        throw DataFormatException.of(
            name, "header", "at least 4 bytes (the magic number)", headerCount + " bytes");
      }
      int magic = intAt(header, 0);
      checkMagic(name, kind, magic);
      if (headerCount < header.length) {
        throw DataFormatException.of(
            name, "header",
            header.length + " bytes (magic number and " + kind.dimensions + " dimension size"
                + (kind.dimensions == 1 ? "" : "s") + ")",
            headerCount + " bytes");
      }
      int[] dims = new int[kind.dimensions];
      long payload = checkDimensions(name, kind, header, dims);
      long expectedTotal = header.length + payload;

      byte[] data;
      if (gzip) {
        data = readChunked(in, (int) payload, name, kind, dims, header.length);
      } else {
        // The file length is known: compare before allocating anything.
        if (length < expectedTotal) {
          throw lengthMismatch(name, "file length", kind, dims, header.length, length);
        }
        if (length > expectedTotal) {
          throw trailingData(
              name, "file length", kind, dims, header.length, length - expectedTotal);
        }
        data = new byte[(int) payload];
        int n = readUpTo(in, data, 0, data.length);
        if (n < data.length) { // the file shrank since its status was taken
          throw lengthMismatch(name, "file length", kind, dims, header.length, header.length + n);
        }
      }
      long trailing = countRemaining(in, CHUNK_BYTES);
      if (trailing > 0) {
        String field = gzip ? "decompressed length" : "file length";
        throw trailingData(name, field, kind, dims, header.length, trailing);
      }
      // Finish the digest over whatever the gzip reader left unread (nothing, normally).
      countRemaining(digesting, Long.MAX_VALUE);
      return new Content(name, dims, data, gzip, Sha256.hex(sha));
    } catch (ZipException | EOFException e) {
      if (!gzip) {
        throw e;
      }
      throw new DataFormatException(
          name + ": gzip stream: expected a valid gzip stream; found corrupt or truncated"
              + " compressed data (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
          e);
    }
  }

  /**
   * Validates the dimension sizes in {@code header} into {@code dims} and returns the declared
   * number of data bytes, refusing sizes whose product does not fit one Java array.
   */
  private static long checkDimensions(String name, Kind kind, byte[] header, int[] dims) {
    long count = Integer.toUnsignedLong(intAt(header, 4));
    if (count > Integer.MAX_VALUE) {
      throw DataFormatException.of(
          name, kind.singular + " count", "0.." + Integer.MAX_VALUE, count);
    }
    dims[0] = (int) count;
    if (kind == Kind.LABELS) {
      return count;
    }
    long rows = Integer.toUnsignedLong(intAt(header, 8));
    long cols = Integer.toUnsignedLong(intAt(header, 12));
    for (int d = 1; d <= 2; d++) {
      long size = d == 1 ? rows : cols;
      String field = d == 1 ? "rows" : "cols";
      if (size < 1 || size > MAX_ARRAY_BYTES) {
        throw DataFormatException.of(name, field, "1.." + MAX_ARRAY_BYTES, size);
      }
    }
    long pixelsPerImage = rows * cols; // < 2^62: no overflow
    if (pixelsPerImage > MAX_ARRAY_BYTES) {
      throw DataFormatException.of(
          name, "rows×cols", "at most " + MAX_ARRAY_BYTES + " pixels per image",
          rows + "×" + cols + " = " + pixelsPerImage);
    }
    long payload = count * pixelsPerImage; // < 2^62: no overflow
    if (payload > MAX_ARRAY_BYTES) {
      throw DataFormatException.of(
          name, "count×rows×cols",
          "at most " + MAX_ARRAY_BYTES + " pixel bytes (the largest Java array)",
          count + "×" + rows + "×" + cols + " = " + payload);
    }
    dims[1] = (int) rows;
    dims[2] = (int) cols;
    return payload;
  }

  private static void checkMagic(String name, Kind kind, int magic) {
    if (magic == kind.magic) {
      return;
    }
    String found = describeMagic(magic);
    if (magic == Kind.IMAGES.magic || magic == Kind.LABELS.magic) {
      found += ": an " + (magic == IMAGES_MAGIC ? Kind.IMAGES : Kind.LABELS).describe()
          + " where an " + kind.describe() + " was expected (images and labels swapped?)";
    }
    throw DataFormatException.of(name, "magic number", describeMagic(kind.magic), found);
  }

  /** A magic number in hex and decimal, with what it is when it is recognisable. */
  static String describeMagic(int magic) {
    String hex = String.format("0x%08X (%s", magic, Integer.toUnsignedString(magic));
    if (magic == IMAGES_MAGIC) {
      return hex + ", IDX images: unsigned bytes, 3 dimensions)";
    }
    if (magic == LABELS_MAGIC) {
      return hex + ", IDX labels: unsigned bytes, 1 dimension)";
    }
    if (Integer.reverseBytes(magic) == IMAGES_MAGIC || Integer.reverseBytes(magic) == LABELS_MAGIC) {
      return hex + ", an IDX magic number with its bytes reversed: written little-endian?)";
    }
    if ((magic >>> 16) == 0x1F8B) {
      return hex + ", gzip data inside the gzip stream: compressed twice?)";
    }
    if ((magic >>> 16) == 0) {
      String type =
          switch ((magic >>> 8) & 0xFF) {
            case 0x08 -> "unsigned bytes";
            case 0x09 -> "signed bytes";
            case 0x0B -> "int16";
            case 0x0C -> "int32";
            case 0x0D -> "float32";
            case 0x0E -> "float64";
            default -> null;
          };
      if (type != null) {
        int dims = magic & 0xFF;
        return hex + ", IDX " + type + ", " + dims + " dimension" + (dims == 1 ? "" : "s") + ")";
      }
    }
    return hex + ", not an IDX file)";
  }

  /**
   * Reads exactly {@code payload} bytes in chunks of at most {@link #CHUNK_BYTES}, allocating a
   * chunk only after the previous one is full, so memory never exceeds what is present plus one
   * chunk (before the final join).
   */
  private static byte[] readChunked(
      InputStream in, int payload, String name, Kind kind, int[] dims, int headerBytes)
      throws IOException {
    if (payload <= CHUNK_BYTES) {
      byte[] data = new byte[payload];
      int n = readUpTo(in, data, 0, payload);
      if (n < payload) {
        throw lengthMismatch(name, "decompressed length", kind, dims, headerBytes, headerBytes + n);
      }
      return data;
    }
    List<byte[]> chunks = new ArrayList<>();
    long total = 0;
    while (total < payload) {
      byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, payload - total)];
      int n = readUpTo(in, chunk, 0, chunk.length);
      total += n;
      if (n < chunk.length) {
        throw lengthMismatch(
            name, "decompressed length", kind, dims, headerBytes, headerBytes + total);
      }
      chunks.add(chunk);
    }
    byte[] data = new byte[payload];
    int offset = 0;
    for (byte[] chunk : chunks) {
      System.arraycopy(chunk, 0, data, offset, chunk.length);
      offset += chunk.length;
    }
    return data;
  }

  private static DataFormatException lengthMismatch(
      String name, String field, Kind kind, int[] dims, int headerBytes, long found) {
    long dataFound = Math.max(0, found - headerBytes);
    long unit = kind == Kind.IMAGES ? (long) dims[1] * dims[2] : 1;
    return DataFormatException.of(
        name, field, expectedSize(kind, dims, headerBytes),
        found + " bytes (truncated: room for only " + dataFound / unit + " complete "
            + kind.plural + ")");
  }

  /** {@code trailing} bytes after the declared data; more than a chunk is reported as such. */
  private static DataFormatException trailingData(
      String name, String field, Kind kind, int[] dims, int headerBytes, long trailing) {
    long expectedTotal =
        headerBytes + (kind == Kind.IMAGES ? (long) dims[0] * dims[1] * dims[2] : dims[0]);
    String after = " of trailing data after the last " + kind.singular + ")";
    String found =
        trailing > CHUNK_BYTES
            ? "more than " + (expectedTotal + CHUNK_BYTES) + " bytes (more than " + CHUNK_BYTES
                + " bytes" + after
            : (expectedTotal + trailing) + " bytes (" + trailing
                + (trailing == 1 ? " byte" : " bytes") + after;
    return DataFormatException.of(name, field, expectedSize(kind, dims, headerBytes), found);
  }

  private static String expectedSize(Kind kind, int[] dims, int headerBytes) {
    String product =
        kind == Kind.IMAGES
            ? dims[0] + " images × " + dims[1] + "×" + dims[2]
            : dims[0] + " labels";
    long payload = kind == Kind.IMAGES ? (long) dims[0] * dims[1] * dims[2] : dims[0];
    return headerBytes + "-byte header + " + product + " = " + (headerBytes + payload)
        + " bytes, as the header declares";
  }

  /** Reads until {@code len} bytes or the end of the stream; returns the count read. */
  static int readUpTo(InputStream in, byte[] buffer, int off, int len) throws IOException {
    int total = 0;
    while (total < len) {
      int n = in.read(buffer, off + total, len - total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  /** Skips to the end of {@code in}, counting at most a little more than {@code limit} bytes. */
  private static long countRemaining(InputStream in, long limit) throws IOException {
    byte[] buffer = new byte[8192];
    long total = 0;
    while (total <= limit) {
      int n = in.read(buffer);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  private static int intAt(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8)
        | (b[off + 3] & 0xFF);
  }

  static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
    try {
      return path.getFileSystem(conf);
    } catch (IOException e) {
      throw new IOException(path + ": cannot reach its file system: " + e.getMessage(), e);
    }
  }

}
