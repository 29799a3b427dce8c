package io.sparkgrad.data;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A file read a range at a time at any position. A file of a checksummed local file system (a
 * {@code .crc} file beside it, as Hadoop's local file system writes, e.g. {@code expand}'s parts)
 * is read through the raw file system and its checksums verified here, a whole range against its
 * chunks' CRC-32s at once: Hadoop's checked stream verifies 512-byte chunk after chunk and read
 * runs of records at 0.6 GB/s against 1.7 without it (docs/benchmarks/scale-out.md). Any other
 * file (HDFS, S3, a local file without checksums) is read as its file system gives it.
 */
final class PositionedFile implements Closeable {
  /** The checksum file's header: "crc\0", then the bytes a checksum covers (an int). */
  private static final byte[] CRC_MAGIC = {'c', 'r', 'c', 0};
  private static final int CRC_HEADER = 8;

  private final String file;
  private final long length;
  private final FSDataInputStream data;
  /** The checksum file, or null: the file system's own reads check what they check. */
  private final FSDataInputStream sums;
  private final int bytesPerSum;
  private final CRC32 crc = new CRC32();
  private byte[] chunks = new byte[0];
  private byte[] expected = new byte[0];

  private PositionedFile(String file, long length, FSDataInputStream data,
      FSDataInputStream sums, int bytesPerSum) {
    this.file = file;
    this.length = length;
    this.data = data;
    this.sums = sums;
    this.bytesPerSum = bytesPerSum;
  }

  static PositionedFile open(Configuration conf, String file) throws IOException {
    Path path = new Path(file);
    FileSystem fs = path.getFileSystem(conf);
    long length = fs.getFileStatus(path).getLen();
    if (!(fs instanceof ChecksumFileSystem checked)) {
      return new PositionedFile(file, length, fs.open(path), null, 0);
    }
    FileSystem raw = checked.getRawFileSystem();
    Path crcFile = checked.getChecksumFile(path);
    if (!raw.exists(crcFile)) {
      return new PositionedFile(file, length, raw.open(path), null, 0);
    }
    FSDataInputStream sums = raw.open(crcFile);
    try {
      byte[] header = new byte[CRC_HEADER];
      sums.readFully(0, header, 0, CRC_HEADER);
      int bytesPerSum = ((header[4] & 0xFF) << 24) | ((header[5] & 0xFF) << 16)
          | ((header[6] & 0xFF) << 8) | (header[7] & 0xFF);
      for (int i = 0; i < CRC_MAGIC.length; i++) {
        if (header[i] != CRC_MAGIC[i] || bytesPerSum <= 0) {
          throw new DataFormatException(crcFile + ": header: expected \"crc\\0\" and a positive"
              + " chunk size (Hadoop's local checksum file); found another file");
        }
      }
      return new PositionedFile(file, length, raw.open(path), sums, bytesPerSum);
    } catch (EOFException e) {
      sums.close();
      throw new DataFormatException(crcFile + ": header: expected 8 bytes; found fewer", e);
    } catch (IOException | RuntimeException e) {
      sums.close();
      throw e;
    }
  }

  /**
   * Reads bytes {@code [position, position + count)} into {@code buffer} at {@code offset};
   * throws when the file ends sooner or a checksum does not match.
   */
  void read(long position, byte[] buffer, int offset, int count) throws IOException {
    if (position + count > length) {
      throw new EOFException(file + ": bytes " + position + ".." + (position + count - 1)
          + " past the end (" + length + " bytes)");
    }
    if (sums == null) {
      data.seek(position);
      data.readFully(buffer, offset, count);
      return;
    }
    // The whole chunks that hold the range, read and checked at once.
    long first = position / bytesPerSum;
    long last = (position + count - 1) / bytesPerSum;
    long from = first * bytesPerSum;
    int span = (int) (Math.min(length, (last + 1) * bytesPerSum) - from);
    int chunkCount = (int) (last - first + 1);
    if (chunks.length < span) {
      chunks = new byte[span];
    }
    if (expected.length < 4 * chunkCount) {
      expected = new byte[4 * chunkCount];
    }
    data.seek(from);
    data.readFully(chunks, 0, span);
    sums.seek(CRC_HEADER + 4 * first);
    sums.readFully(expected, 0, 4 * chunkCount);
    for (int c = 0; c < chunkCount; c++) {
      int at = c * bytesPerSum;
      crc.reset();
      crc.update(chunks, at, Math.min(bytesPerSum, span - at));
      int want = ((expected[4 * c] & 0xFF) << 24) | ((expected[4 * c + 1] & 0xFF) << 16)
          | ((expected[4 * c + 2] & 0xFF) << 8) | (expected[4 * c + 3] & 0xFF);
      if ((int) crc.getValue() != want) {
        long start = from + at;
        throw new DataFormatException(file + ": bytes " + start + ".."
            + (start + Math.min(bytesPerSum, span - at) - 1) + ": checksum: expected "
            + String.format("%08x", want) + " (its .crc file); found "
            + String.format("%08x", (int) crc.getValue())
            + " (the file is corrupt, or was changed without its .crc file)");
      }
    }
    System.arraycopy(chunks, (int) (position - from), buffer, offset, count);
  }

  @Override
  public void close() throws IOException {
    try {
      data.close();
    } finally {
      if (sums != null) {
        sums.close();
      }
    }
  }
}
