package io.sparkgrad.math;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatKernels#scalePixels} a vector of pixels at a time: each byte widened to an int,
 * masked to 0..255, converted to float and divided by 255 in the lanes. Division and the
 * conversion are exact IEEE operations per lane, so every value is the one the scalar {@code b /
 * 255.0f} gives (what the kernels' table holds), at about a quarter of the table's time a row
 * here (784 pixels: 0.08 µs against 0.33). Loaded only when the JVM has the incubating vector
 * module ({@link #AVAILABLE}); the table does the work otherwise.
 */
final class VectorPixels {
  /** Whether the module is there and the preferred float vector holds at least 8 lanes. */
  static final boolean AVAILABLE = available();

  private VectorPixels() {}

  private static boolean available() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return false;
    }
    try {
      return Lanes.FLOATS.length() >= 8;
    } catch (LinkageError e) {
      return false;
    }
  }

  /** The species, in a class of their own so that nothing touches the module when it is absent. */
  private static final class Lanes {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> INTS =
        VectorSpecies.of(int.class, VectorShape.forBitSize(FLOATS.vectorBitSize()));
    static final VectorSpecies<Byte> BYTES =
        VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.length() * Byte.SIZE));
  }

  /**
   * {@code dst[dstOff + i] = (src[srcOff + i] & 0xFF) / 255f} for the longest prefix of whole
   * vectors of {@code [0, n)}; returns its length (the caller does the rest).
   */
  static int scale(float[] dst, int dstOff, byte[] src, int srcOff, int n) {
    int lanes = Lanes.FLOATS.length();
    int i = 0;
    for (; i <= n - lanes; i += lanes) {
      IntVector wide = (IntVector) ByteVector.fromArray(Lanes.BYTES, src, srcOff + i)
          .convertShape(VectorOperators.B2I, Lanes.INTS, 0);
      FloatVector pixels = (FloatVector) wide.and(0xFF)
          .convertShape(VectorOperators.I2F, Lanes.FLOATS, 0);
      pixels.div(255.0f).intoArray(dst, dstOff + i);
    }
    return i;
  }
}
