package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.function.Executable;

/** Writes IDX files (valid or deliberately broken) for the tests, and small test utilities. */
final class IdxFiles {
  private IdxFiles() {}

  /** An IDX images header: magic, count, rows, cols (big-endian int32). */
  static byte[] imagesHeader(int magic, int count, int rows, int cols) {
    return ByteBuffer.allocate(16).putInt(magic).putInt(count).putInt(rows).putInt(cols).array();
  }

  /** An IDX labels header: magic, count. */
  static byte[] labelsHeader(int magic, int count) {
    return ByteBuffer.allocate(8).putInt(magic).putInt(count).array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** A complete images file for {@code pixels} ({@code count·rows·cols} bytes). */
  static byte[] images(int count, int rows, int cols, byte[] pixels) {
    return concat(imagesHeader(IdxReader.IMAGES_MAGIC, count, rows, cols), pixels);
  }

  /** A complete labels file. */
  static byte[] labels(byte[] labels) {
    return concat(labelsHeader(IdxReader.LABELS_MAGIC, labels.length), labels);
  }

  static byte[] gzip(byte[] content) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static byte[] gunzip(byte[] content) {
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(content))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deterministic pseudo-random bytes (a tiny LCG: the tests need variety, not randomness). */
  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    int x = seed;
    for (int i = 0; i < n; i++) {
      x = x * 1103515245 + 12345;
      b[i] = (byte) (x >>> 16);
    }
    return b;
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(java.nio.file.Path file) throws IOException {
    return sha256(Files.readAllBytes(file));
  }

  /** The published SHA-256 of the decompressed MNIST files, from the fixture's SHA256SUMS. */
  static Map<String, String> publishedSums(java.nio.file.Path mnistFolder) throws IOException {
    Map<String, String> sums = new HashMap<>();
    List<String> lines = Files.readAllLines(mnistFolder.resolve("SHA256SUMS"));
    for (String line : lines) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 2) {
        sums.put(parts[1], parts[0]);
      }
    }
    assertTrue(sums.size() == 4, "SHA256SUMS: expected 4 entries; found " + sums);
    return sums;
  }

  /**
   * Asserts {@code call} throws {@code type} while allocating less than {@code maxBytes} on this
   * thread (the JVM's per-thread allocation counter, not a timer). With -Xmx6g a 2 GiB array
   * would succeed silently; this is what makes the "no large allocation" tests able to fail.
   */
  static <T extends Throwable> T assertThrowsAllocatingAtMost(
      long maxBytes, Class<T> type, Executable call) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    T thrown = assertThrows(type, call);
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    assertTrue(
        allocated <= maxBytes,
        "allocated: expected at most " + maxBytes + " bytes; found " + allocated);
    return thrown;
  }
}
