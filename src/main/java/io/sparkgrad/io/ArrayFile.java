package io.sparkgrad.io;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BiFunction;
import java.util.zip.CRC32;

/**
 * The binary layout shared by sparkgrad's array files (weights, optimizer state), big-endian:
 *
 * <pre>
 *   bytes 0..7   an 8-byte ASCII magic naming the kind of file
 *   int32        format version
 *   int32 × h    a header of h integers whose meaning the kind defines
 *   float64 × n  the values
 *   int32        CRC-32 of every byte before it
 * </pre>
 *
 * n follows from the header, so the expected length is known before anything is read and a
 * truncated or padded file is refused with both lengths.
 */
public final class ArrayFile {
  private ArrayFile() {}

  /**
   * What a kind of array file looks like, and the exception its readers expect for a bad file
   * (a model's weights and a checkpoint's arrays: ModelFormatException).
   *
   * @param magic 8 ASCII bytes
   * @param counter the number of values a header declares; throws {@code formatError}'s
   *     exception if the header is invalid
   */
  public record Kind(String magic, int version, int headerInts, ValueCount counter,
      BiFunction<String, Throwable, RuntimeException> formatError) {
    int valueCount(String file, int[] header) {
      return counter.of(file, header);
    }

    RuntimeException error(String message) {
      return formatError.apply(message, null);
    }
  }

  /** The number of values a header declares. */
  @FunctionalInterface
  public interface ValueCount {
    int of(String file, int[] header);
  }

  /** The header and values of a decoded file. */
  public record Contents(int[] header, double[] values) {}

  public static byte[] encode(Kind kind, int[] header, double[] values) {
    if (header.length != kind.headerInts()) {
      throw new IllegalArgumentException(
          "header: expected " + kind.headerInts() + " integers; found " + header.length);
    }
    // One array of the file's final size, filled in bulk: a checkpoint encodes 6.5 MB after
    // every epoch on a core the training tasks use; a stream of 8-byte writes and two copies took
    // 18-30 ms for it, the bulk fill 4-9 ms (docs/benchmarks/startup.md).
    byte[] magic = kind.magic().getBytes(StandardCharsets.US_ASCII);
    int body = magic.length + 4 * (1 + header.length) + 8 * values.length;
    ByteBuffer bytes = ByteBuffer.allocate(body + 4); // big-endian, as DataOutputStream wrote
    bytes.put(magic).putInt(kind.version());
    for (int value : header) {
      bytes.putInt(value);
    }
    int first = bytes.position();
    bytes.asDoubleBuffer().put(values);
    for (int i = 0; i < values.length; i++) {
      if (Double.isNaN(values[i])) { // one NaN, as DataOutputStream's doubleToLongBits wrote it
        bytes.putDouble(first + 8 * i, Double.NaN);
      }
    }
    bytes.position(body);
    CRC32 crc = new CRC32();
    crc.update(bytes.array(), 0, body);
    bytes.putInt((int) crc.getValue());
    return bytes.array();
  }

  public static Contents decode(Kind kind, String file, InputStream stream, long length)
      throws IOException {
    DataInputStream in = new DataInputStream(stream);
    CRC32 crc = new CRC32();
    try {
      byte[] magic = new byte[8];
      in.readFully(magic);
      crc.update(magic);
      if (!Arrays.equals(magic, kind.magic().getBytes(StandardCharsets.US_ASCII))) {
        throw kind.error(file + ": magic: expected '" + kind.magic() + "'; found '"
            + new String(magic, StandardCharsets.ISO_8859_1) + "'");
      }
      int version = readInt(in, crc);
      if (version != kind.version()) {
        throw kind.error(
            file + ": format version: expected " + kind.version() + "; found " + version);
      }
      int[] header = new int[kind.headerInts()];
      for (int i = 0; i < header.length; i++) {
        header[i] = readInt(in, crc);
      }
      int count = kind.valueCount(file, header);
      long expectedLength = 8 + 4 + 4L * header.length + 8L * count + 4;
      if (length != expectedLength) {
        throw kind.error(file + ": length: expected " + expectedLength
            + " bytes for " + count + " values; found " + length);
      }
      double[] values = new double[count];
      byte[] buffer = new byte[8];
      for (int i = 0; i < count; i++) {
        in.readFully(buffer);
        crc.update(buffer);
        values[i] = ByteBuffer.wrap(buffer).getDouble();
      }
      int stored = in.readInt();
      if (stored != (int) crc.getValue()) {
        throw kind.error(file + ": checksum: expected CRC-32 "
            + Integer.toHexString((int) crc.getValue()) + "; found " + Integer.toHexString(stored));
      }
      return new Contents(header, values);
    } catch (EOFException e) {
      throw kind.formatError().apply(
          file + ": truncated: the file ends before its declared contents (" + length + " bytes)",
          e);
    }
  }

  private static int readInt(DataInputStream in, CRC32 crc) throws IOException {
    int value = in.readInt();
    crc.update(ByteBuffer.allocate(4).putInt(value).array());
    return value;
  }
}
