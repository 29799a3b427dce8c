package io.sparkgrad.predict;

import io.sparkgrad.data.DataFormatException;
import java.awt.image.BufferedImage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes one image file with {@code javax.imageio} (PNG, JPEG, and whatever else the JVM's
 * readers know: BMP, GIF, WBMP, TIFF), guarding against decompression bombs: the width and height
 * the file's header declares are read first ({@link ImageReader#getWidth} before
 * {@link ImageReader#read}), and an image of more pixels than the limit is refused before any
 * pixel is decoded.
 *
 * <p>Failures of the bytes (no reader recognises them, a damaged or truncated image, a header
 * above the limit) are {@link DataFormatException}s naming the file, the field, the expected and
 * the found value. A failure of the stream underneath (the file system) stays an
 * {@link IOException}.
 */
public final class ImageDecoder {
  /** The default limit on an image's declared width × height: 50 megapixels. */
  public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

  static {
    // Cache stream contents in memory, not in temporary files on the executors' disks.
    ImageIO.setUseCache(false);
  }

  private ImageDecoder() {}

  /**
   * Opens an image file after checking that it is a regular file: a FIFO or a device named like
   * an image would block the reading task forever.
   */
  public static InputStream openRegular(
      org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path path, String file)
      throws IOException {
    String special = io.sparkgrad.io.RegularFiles.whatIfNotRegular(fs, path);
    if (special != null) {
      throw new DataFormatException(
          file + ": file type: expected a regular image file; found " + special);
    }
    return fs.open(path);
  }

  /** The declared size and the decoded image. */
  public record Decoded(String format, int width, int height, BufferedImage image) {}

  /**
   * Reads the image in {@code in} (which is closed).
   *
   * @param file the file's name, for messages
   * @param maxPixels the largest width × height accepted
   */
  public static Decoded read(String file, InputStream in, long maxPixels) throws IOException {
    TrackingStream tracked = new TrackingStream(in);
    try (tracked; ImageInputStream stream = ImageIO.createImageInputStream(tracked)) {
      if (stream == null) {
        throw new IOException(file + ": javax.imageio has no stream for this input");
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
      if (!readers.hasNext()) {
        tracked.rethrowFailure();
        throw new DataFormatException(file + ": content: expected a PNG or JPEG image (or"
            + " another format javax.imageio reads); found " + tracked.describeContent());
      }
      ImageReader reader = readers.next();
      String format = reader.getFormatName().toUpperCase(Locale.ROOT);
      try {
        reader.setInput(stream, true, true);
        long width = reader.getWidth(0);
        long height = reader.getHeight(0);
        if (width < 1 || height < 1 || width * height > maxPixels) {
          throw new DataFormatException(file + ": image size: expected at most " + maxPixels
              + " pixels (--max-pixels); found " + width + "×" + height + " = "
              + width * height + " pixels declared by its " + format
              + " header (refused before decoding)");
        }
        BufferedImage image = reader.read(0);
        return new Decoded(format, (int) width, (int) height, image);
      } catch (IOException | RuntimeException e) {
        if (e instanceof DataFormatException) {
          throw e;
        }
        tracked.rethrowFailure();
        throw new DataFormatException(file + ": content: expected a complete " + format
            + " image; found damaged or truncated image data (" + e.getClass().getSimpleName()
            + ": " + e.getMessage() + ")", e);
      } finally {
        reader.dispose();
      }
    }
  }

  /**
   * Remembers an I/O failure of the underlying stream (so that it is not mistaken for bad image
   * data) and the first bytes read (for messages).
   */
  private static final class TrackingStream extends FilterInputStream {
    private final byte[] head = new byte[8];
    private int headCount;
    private IOException failure;

    TrackingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        int b = super.read();
        if (b >= 0 && headCount < head.length) {
          head[headCount++] = (byte) b;
        }
        return b;
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      try {
        int n = super.read(buffer, offset, length);
        for (int i = 0; i < n && headCount < head.length; i++) {
          head[headCount++] = buffer[offset + i];
        }
        return n;
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    void rethrowFailure() throws IOException {
      if (failure != null) {
        throw failure;
      }
    }

    String describeContent() {
      if (headCount == 0) {
        return "an empty file";
      }
      return "bytes no image reader recognises (they start "
          + HexFormat.ofDelimiter(" ").formatHex(head, 0, headCount) + ")";
    }
  }
}
