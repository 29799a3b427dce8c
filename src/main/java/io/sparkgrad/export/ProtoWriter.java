package io.sparkgrad.export;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The part of the Protocol Buffers wire format that an ONNX file needs, written by hand so the
 * thin jar carries no protobuf runtime. A message is a sequence of fields, each a key
 * {@code (field number << 3) | wire type} as a varint followed by the value:
 *
 * <pre>
 *   wire type 0  varint            int32, int64 (non-negative here), enum, bool
 *   wire type 2  length-delimited  string, bytes, embedded message, packed repeated scalars
 * </pre>
 *
 * <p>Varints are little-endian groups of 7 bits, the high bit set on every byte but the last
 * (150 is {@code 96 01}). Repeated fields are written by calling a method once per element.
 */
final class ProtoWriter {
  static final int VARINT = 0;
  static final int LENGTH_DELIMITED = 2;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** An integer field (int32, int64 or enum), wire type 0. Negative values are refused. */
  ProtoWriter varint(int field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(
          "field " + field + ": expected a non-negative value; found " + value);
    }
    key(field, VARINT);
    writeVarint(out, value);
    return this;
  }

  /** A UTF-8 string field, wire type 2. */
  ProtoWriter string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  /** A bytes field, wire type 2. */
  ProtoWriter bytes(int field, byte[] value) {
    key(field, LENGTH_DELIMITED);
    writeVarint(out, value.length);
    out.writeBytes(value);
    return this;
  }

  /** An embedded message field, wire type 2. */
  ProtoWriter message(int field, ProtoWriter message) {
    return bytes(field, message.toByteArray());
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private void key(int field, int wireType) {
    if (field < 1 || field > (1 << 29) - 1) {
      throw new IllegalArgumentException("field number: expected 1..2^29-1; found " + field);
    }
    writeVarint(out, ((long) field << 3) | wireType);
  }

  /** Appends {@code value} (treated as unsigned) as a base-128 varint. */
  static void writeVarint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
