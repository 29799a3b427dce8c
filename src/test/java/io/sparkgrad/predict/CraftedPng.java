package io.sparkgrad.predict;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * PNG files written byte by byte, for tests of what the decoder refuses: a valid signature and
 * IHDR chunk (with correct CRCs) declaring any width and height, then a tiny IDAT and IEND.
 */
public final class CraftedPng {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private CraftedPng() {}

  /**
   * An 8-bit grayscale PNG whose header declares {@code width × height} but whose image data is
   * 64 compressed zero bytes: the file is tiny whatever it declares.
   */
  public static byte[] declaring(long width, long height) {
    try {
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      png.write(SIGNATURE);
      ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
      DataOutputStream header = new DataOutputStream(ihdr);
      header.writeInt((int) width);
      header.writeInt((int) height);
      header.writeByte(8); // bit depth
      header.writeByte(0); // colour type: grayscale
      header.writeByte(0); // compression: deflate
      header.writeByte(0); // filter method
      header.writeByte(0); // no interlace
      chunk(png, "IHDR", ihdr.toByteArray());
      Deflater deflater = new Deflater();
      deflater.setInput(new byte[64]);
      deflater.finish();
      byte[] compressed = new byte[256];
      int n = deflater.deflate(compressed);
      deflater.end();
      chunk(png, "IDAT", java.util.Arrays.copyOf(compressed, n));
      chunk(png, "IEND", new byte[0]);
      return png.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void chunk(ByteArrayOutputStream png, String type, byte[] data)
      throws IOException {
    DataOutputStream out = new DataOutputStream(png);
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    out.writeInt(data.length);
    out.write(typeBytes);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeInt((int) crc.getValue());
  }
}
