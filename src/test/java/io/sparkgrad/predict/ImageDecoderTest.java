package io.sparkgrad.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.DataFormatException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Decoding with the declared-size guard, and the messages for bytes that are not an image. */
class ImageDecoderTest {

  private static ImageDecoder.Decoded read(String name, byte[] bytes, long maxPixels)
      throws IOException {
    return ImageDecoder.read(name, new ByteArrayInputStream(bytes), maxPixels);
  }

  private static byte[] png(int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    image.setRGB(width / 2, height / 2, 0xFFFFFF);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  @Test
  void readsAPngAndAJpeg() throws IOException {
    ImageDecoder.Decoded decoded = read("ok.png", png(100, 80), ImageDecoder.DEFAULT_MAX_PIXELS);
    assertEquals("PNG", decoded.format());
    assertEquals(100, decoded.width());
    assertEquals(80, decoded.height());
    assertEquals(100, decoded.image().getWidth());

    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB), "jpg", jpeg);
    assertEquals("JPEG", read("ok.jpg", jpeg.toByteArray(), 1000).format());
  }

  @Test
  void bytesThatAreNoImageAreRefusedNamingTheFile() {
    byte[] text = "not a picture at all".getBytes(StandardCharsets.US_ASCII);
    DataFormatException e = assertThrows(DataFormatException.class,
        () -> read("digits/seven.png", text, ImageDecoder.DEFAULT_MAX_PIXELS));
    assertEquals("digits/seven.png: content: expected a PNG or JPEG image (or another format"
        + " javax.imageio reads); found bytes no image reader recognises (they start"
        + " 6e 6f 74 20 61 20 70 69)", e.getMessage());

    DataFormatException empty = assertThrows(DataFormatException.class,
        () -> read("empty.png", new byte[0], ImageDecoder.DEFAULT_MAX_PIXELS));
    assertTrue(empty.getMessage().endsWith("; found an empty file"), empty.getMessage());
  }

  @Test
  void aTruncatedImageIsRefusedNamingTheFile() throws IOException {
    byte[] whole = png(100, 80);
    byte[] cut = Arrays.copyOf(whole, whole.length / 2);
    DataFormatException e = assertThrows(DataFormatException.class,
        () -> read("cut.png", cut, ImageDecoder.DEFAULT_MAX_PIXELS));
    assertTrue(e.getMessage().startsWith(
        "cut.png: content: expected a complete PNG image; found damaged or truncated image data"),
        e.getMessage());
  }

  @Test
  void aHeaderDeclaringTooManyPixelsIsRefusedBeforeDecoding() throws IOException {
    // 100000×100000 = 10^10 pixels declared in a file of about a hundred bytes.
    byte[] bomb = CraftedPng.declaring(100_000, 100_000);
    assertTrue(bomb.length < 200, "crafted file of " + bomb.length + " bytes");
    DataFormatException e = assertThrows(DataFormatException.class,
        () -> read("bomb.png", bomb, ImageDecoder.DEFAULT_MAX_PIXELS));
    assertEquals("bomb.png: image size: expected at most 50000000 pixels (--max-pixels); found"
        + " 100000×100000 = 10000000000 pixels declared by its PNG header (refused before"
        + " decoding)", e.getMessage());

    // The same kind of file below the limit is decoded, and then found to hold too little data:
    // so the refusal above came from the header alone.
    byte[] small = CraftedPng.declaring(3000, 2000);
    DataFormatException limited = assertThrows(DataFormatException.class,
        () -> read("small.png", small, 6_000_000));
    assertTrue(limited.getMessage().startsWith("small.png: content: expected a complete PNG"
        + " image; found damaged or truncated image data"), limited.getMessage());
    DataFormatException refused = assertThrows(DataFormatException.class,
        () -> read("small.png", small, 5_999_999));
    assertTrue(refused.getMessage().contains("found 3000×2000 = 6000000 pixels declared"),
        refused.getMessage());
  }

  @Test
  void aFailingStreamIsAnIoErrorNotBadData() throws IOException {
    byte[] whole = png(100, 80);
    InputStream failing = new InputStream() {
      private int position;

      @Override
      public int read() throws IOException {
        if (position >= 60) {
          throw new IOException("datanode went away");
        }
        return whole[position++] & 0xFF;
      }
    };
    IOException e = assertThrows(IOException.class,
        () -> ImageDecoder.read("remote.png", failing, ImageDecoder.DEFAULT_MAX_PIXELS));
    assertEquals("datanode went away", e.getMessage());
    assertFalse(e instanceof javax.imageio.IIOException, "the stream's own exception");
  }
}
