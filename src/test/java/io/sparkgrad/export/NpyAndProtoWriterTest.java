package io.sparkgrad.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The two hand-written encodings, byte for byte, against their specifications' examples. */
class NpyAndProtoWriterTest {

  @Test
  void npyHeaderIsVersion1PaddedTo64BytesWithTheShape() {
    byte[] header = Npy.header(784, 32);
    assertEquals(0, header.length % 64, "header length " + header.length);
    assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0},
        java.util.Arrays.copyOf(header, 8));
    int declared = ByteBuffer.wrap(header, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
    assertEquals(header.length - 10, declared);
    String text = new String(header, 10, declared, StandardCharsets.US_ASCII);
    assertTrue(text.startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (784, 32), }"),
        text);
    assertTrue(text.endsWith("\n"), "ends with a newline");
    assertEquals(text.stripTrailing().length(), text.indexOf('}') + 1, "padding is spaces");

    String vector = new String(Npy.header(7), 10, Npy.header(7).length - 10,
        StandardCharsets.US_ASCII);
    assertTrue(vector.contains("'shape': (7,), }"), "a 1-tuple has its comma: " + vector);
  }

  @Test
  void npyValuesAreLittleEndianFloat64InOrder() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    double[] values = {9, 1.5, -2.25, 3e-300, 7};
    Npy.writeFloat64(out, values, 1, 2, 2);
    byte[] bytes = out.toByteArray();
    int start = Npy.header(2, 2).length;
    assertEquals(start + 4 * 8, bytes.length);
    ByteBuffer data = ByteBuffer.wrap(bytes, start, 32).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 4; i++) {
      assertEquals(values[1 + i], data.getDouble(), 0.0);
    }
    assertThrows(IllegalArgumentException.class,
        () -> Npy.writeFloat64(new ByteArrayOutputStream(), values, 2, 2, 2));
  }

  @Test
  void protobufVarintsAndKeysFollowTheWireFormat() {
    // The encoding guide's examples: 1 → 01, 150 → 96 01; 300 → AC 02.
    assertArrayEquals(bytes(0x08, 0x96, 0x01), new ProtoWriter().varint(1, 150).toByteArray());
    assertArrayEquals(bytes(0x08, 0x01), new ProtoWriter().varint(1, 1).toByteArray());
    assertArrayEquals(bytes(0x10, 0xAC, 0x02), new ProtoWriter().varint(2, 300).toByteArray());
    // A string field: key (2 << 3 | 2) = 0x12, length, UTF-8 bytes ("testing" in the guide).
    assertArrayEquals(bytes(0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'),
        new ProtoWriter().string(2, "testing").toByteArray());
    // An embedded message: key (3 << 3 | 2) = 0x1A, length 3, then the message.
    assertArrayEquals(bytes(0x1A, 0x03, 0x08, 0x96, 0x01),
        new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).toByteArray());
    // Field 14 needs a two-byte key: (14 << 3 | 2) = 114 = 0x72; field 16: 130 = 82 01.
    assertArrayEquals(bytes(0x72, 0x00), new ProtoWriter().bytes(14, new byte[0]).toByteArray());
    assertArrayEquals(bytes(0x80, 0x01, 0x05), new ProtoWriter().varint(16, 5).toByteArray());
    // The largest int64 value takes nine bytes.
    assertEquals(10, new ProtoWriter().varint(1, Long.MAX_VALUE).toByteArray().length);
    assertThrows(IllegalArgumentException.class, () -> new ProtoWriter().varint(1, -1));
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }
}
