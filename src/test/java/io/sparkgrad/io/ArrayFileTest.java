package io.sparkgrad.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * The array file's bytes are its format: encoding in bulk must write exactly what the stream of
 * DataOutputStream writes did (models and checkpoints written before read the same), and decode
 * must give the values back.
 */
class ArrayFileTest {
  private static final ArrayFile.Kind KIND = new ArrayFile.Kind("SGTEST01", 3, 2,
      (file, header) -> header[0] * header[1],
      (message, cause) -> new IllegalStateException(message));

  /** The format as the stream wrote it: magic, version, header, values, CRC-32 of all before. */
  private static byte[] streamed(int[] header, double[] values) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write("SGTEST01".getBytes(StandardCharsets.US_ASCII));
      out.writeInt(3);
      for (int value : header) {
        out.writeInt(value);
      }
      for (double value : values) {
        out.writeDouble(value);
      }
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
    }
    return bytes.toByteArray();
  }

  @Test
  void bulkEncodingWritesTheStreamsBytes() throws IOException {
    Random random = new Random(7);
    double[] values = new double[3 * 1001];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextGaussian() * Math.pow(10, random.nextInt(20) - 10);
    }
    values[5] = -0.0;
    values[6] = Double.POSITIVE_INFINITY;
    values[7] = Double.NEGATIVE_INFINITY;
    values[8] = Double.MIN_VALUE;
    values[9] = Double.longBitsToDouble(0x7ff8_0000_0000_1234L); // a NaN with a payload
    values[values.length - 1] = Double.NaN;
    int[] header = {3, 1001};
    assertArrayEquals(streamed(header, values), ArrayFile.encode(KIND, header, values));
    assertArrayEquals(streamed(new int[] {0, 0}, new double[0]),
        ArrayFile.encode(KIND, new int[] {0, 0}, new double[0]));
  }

  @Test
  void decodeGivesTheValuesBack() throws IOException {
    double[] values = {1.5, -2.25, 0.0, 1e-300, 3e300, -7};
    byte[] bytes = ArrayFile.encode(KIND, new int[] {2, 3}, values);
    ArrayFile.Contents contents =
        ArrayFile.decode(KIND, "t.bin", new ByteArrayInputStream(bytes), bytes.length);
    assertArrayEquals(values, contents.values());
    assertEquals(2, contents.header()[0]);
  }
}
