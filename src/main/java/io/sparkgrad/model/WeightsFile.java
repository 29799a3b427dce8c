package io.sparkgrad.model;

import io.sparkgrad.network.ParameterLayout;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * The binary weights file {@code weights.bin} (no Java serialization). All integers and doubles
 * are big-endian (numpy dtype {@code >i4}, {@code >f8}):
 *
 * <pre>
 *   bytes 0..7    magic "SGWEIGHT"
 *   int32         format version (1)
 *   int32 ×3      inputs d, hidden H, outputs K
 *   float64 × n   the parameters in ParameterLayout order, n = H·d + H + K·H + K:
 *                 W1 (H×d column-major = numpy W1[d, H] row-major), b1[H],
 *                 W2 (K×H column-major = numpy W2[H, K] row-major), b2[K]
 *   int32         CRC-32 of every byte before it
 * </pre>
 */
public final class WeightsFile {
  static final byte[] MAGIC = "SGWEIGHT".getBytes(StandardCharsets.US_ASCII);
  public static final int VERSION = 1;

  private WeightsFile() {}

  public static byte[] encode(ParameterLayout layout, double[] params) {
    layout.checkSize("weights", params.length);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(8 * params.length + 32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(layout.inputs());
      out.writeInt(layout.hidden());
      out.writeInt(layout.outputs());
      for (double value : params) {
        out.writeDouble(value);
      }
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
    } catch (IOException e) {
      throw new IllegalStateException("in-memory write failed", e);
    }
    return bytes.toByteArray();
  }

  /** The layout and parameters of a weights file; refuses a damaged or unexpected file. */
  public record Decoded(ParameterLayout layout, double[] params) {}

  public static Decoded decode(String file, InputStream stream, long length) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    try {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new ModelFormatException(file + ": magic: expected 'SGWEIGHT'; found '"
            + new String(magic, StandardCharsets.ISO_8859_1) + "'");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new ModelFormatException(
            file + ": format version: expected " + VERSION + "; found " + version);
      }
      int inputs = in.readInt();
      int hidden = in.readInt();
      int outputs = in.readInt();
      ParameterLayout layout;
      try {
        layout = new ParameterLayout(inputs, hidden, outputs);
      } catch (IllegalArgumentException e) {
        throw new ModelFormatException(file + ": " + e.getMessage(), e);
      }
      long expectedLength = MAGIC.length + 16L + 8L * layout.size() + 4;
      if (length != expectedLength) {
        throw new ModelFormatException(file + ": length: expected " + expectedLength
            + " bytes for a " + inputs + "→" + hidden + "→" + outputs + " network; found "
            + length);
      }
      CRC32 crc = new CRC32();
      ByteArrayOutputStream header = new ByteArrayOutputStream();
      try (DataOutputStream h = new DataOutputStream(header)) {
        h.write(MAGIC);
        h.writeInt(version);
        h.writeInt(inputs);
        h.writeInt(hidden);
        h.writeInt(outputs);
      }
      crc.update(header.toByteArray());
      double[] params = new double[layout.size()];
      byte[] buffer = new byte[8];
      for (int i = 0; i < params.length; i++) {
        in.readFully(buffer);
        crc.update(buffer);
        params[i] = java.nio.ByteBuffer.wrap(buffer).getDouble();
      }
      int stored = in.readInt();
      if (stored != (int) crc.getValue()) {
        throw new ModelFormatException(file + ": checksum: expected CRC-32 "
            + Integer.toHexString((int) crc.getValue()) + "; found " + Integer.toHexString(stored));
      }
      return new Decoded(layout, params);
    } catch (EOFException e) {
      throw new ModelFormatException(file + ": truncated: the file ends before its declared"
          + " weights (" + length + " bytes)", e);
    }
  }
}
