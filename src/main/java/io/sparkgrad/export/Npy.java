package io.sparkgrad.export;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * numpy's {@code .npy} format, version 1.0, for float64 arrays in C (row-major) order:
 *
 * <pre>
 *   bytes 0..5   magic "\x93NUMPY"
 *   bytes 6, 7   version 1, 0
 *   bytes 8, 9   header length L, uint16 little-endian
 *   L bytes      ASCII: {'descr': '&lt;f8', 'fortran_order': False, 'shape': (784, 32), }
 *                padded with spaces and ended by '\n' so that 10 + L is a multiple of 64
 *   then         the values, float64 little-endian
 * </pre>
 */
public final class Npy {
  static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  static final int ALIGNMENT = 64;

  private Npy() {}

  /** The magic, version, length and padded header of a float64 array of {@code shape}. */
  static byte[] header(int... shape) {
    StringBuilder dims = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException("shape: expected sizes ≥ 0; found " + shape[i]);
      }
      dims.append(i > 0 ? ", " : "").append(shape[i]);
    }
    dims.append(shape.length == 1 ? ",)" : ")");
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + dims + ", }";
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int padding = (ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT;
    String text = dict + " ".repeat(padding) + "\n";
    if (text.length() > 0xFFFF) {
      throw new IllegalArgumentException("shape: header too long for .npy version 1.0");
    }
    ByteBuffer header =
        ByteBuffer.allocate(MAGIC.length + 4 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
    header.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length());
    header.put(text.getBytes(StandardCharsets.US_ASCII));
    return header.array();
  }

  /**
   * Writes {@code values[offset .. offset + product(shape))} as a float64 array of {@code shape}
   * (the values must already be in row-major order).
   */
  public static void writeFloat64(OutputStream out, double[] values, int offset, int... shape)
      throws IOException {
    long count = 1;
    for (int dim : shape) {
      count *= dim;
    }
    if (offset < 0 || offset + count > values.length) {
      throw new IllegalArgumentException("values: expected " + count + " values from offset "
          + offset + "; found an array of " + values.length);
    }
    out.write(header(shape));
    ByteBuffer buffer = ByteBuffer.allocate(8 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    for (long i = 0; i < count; i++) {
      if (!buffer.hasRemaining()) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      buffer.putDouble(values[(int) (offset + i)]);
    }
    out.write(buffer.array(), 0, buffer.position());
  }
}
