package io.sparkgrad.model;

import io.sparkgrad.io.ArrayFile;
import io.sparkgrad.network.ParameterLayout;
import java.io.IOException;
import java.io.InputStream;

/**
 * The binary weights file {@code weights.bin} (no Java serialization): an {@link ArrayFile} with
 * magic {@code SGWEIGHT}, version 1, a header of inputs d, hidden H, outputs K, and the
 * n = H·d + H + K·H + K parameters in ParameterLayout order: W1 (H×d column-major = numpy
 * W1[d, H] row-major), b1[H], W2 (K×H column-major = numpy W2[H, K] row-major), b2[K]. All
 * big-endian (numpy dtype {@code >i4}, {@code >f8}).
 */
public final class WeightsFile {
  public static final int VERSION = 1;

  static final ArrayFile.Kind KIND = new ArrayFile.Kind("SGWEIGHT", VERSION, 3,
      (file, header) -> layoutOf(file, header).size(), ModelFormatException::new);

  private WeightsFile() {}

  /** The layout and parameters of a weights file. */
  public record Decoded(ParameterLayout layout, double[] params) {}

  public static byte[] encode(ParameterLayout layout, double[] params) {
    layout.checkSize("weights", params.length);
    return ArrayFile.encode(
        KIND, new int[] {layout.inputs(), layout.hidden(), layout.outputs()}, params);
  }

  public static Decoded decode(String file, InputStream stream, long length) throws IOException {
    ArrayFile.Contents contents = ArrayFile.decode(KIND, file, stream, length);
    return new Decoded(layoutOf(file, contents.header()), contents.values());
  }

  private static ParameterLayout layoutOf(String file, int[] header) {
    try {
      return new ParameterLayout(header[0], header[1], header[2]);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(file + ": " + e.getMessage(), e);
    }
  }
}
