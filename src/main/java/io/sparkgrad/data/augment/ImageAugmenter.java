package io.sparkgrad.data.augment;

import java.util.Objects;

/**
 * Distorts one image at a time as an {@link AugmentationSpec} says, reproducibly from a seed.
 * Plain Java over arrays, meant to run on the executors for every training example of every
 * epoch. One instance per thread: it holds scratch buffers and is not thread-safe.
 *
 * <p>Images are {@code width×height} pixel values in [0, 1], row-major (pixel (x, y) at
 * {@code y·width + x}), background 0. Pixel centres sit at integer coordinates; the image centre
 * is c = ((width−1)/2, (height−1)/2).
 *
 * <p>Per example, from the stream of {@code new SplittableRandom(seed)} (its SplitMix64
 * generator written out here, so that nothing is allocated per call; a test checks that the two
 * agree), in this order: the shift tx, ty, each uniform in ±maxShift; the rotation θ, uniform in
 * ±maxRotation; the scale s, uniform in 1 ± maxScale; then, when the elastic distortion is on,
 * two fields of uniform(−1, 1) noise with one value per pixel. The first four are drawn whatever
 * the spec, so turning a component on or off leaves the others' values unchanged. The caller
 * derives the seed from the run's seed, the epoch and the example's index in the training set
 * (training uses {@code Seeds.derive(seed, Stream.AUGMENTATION, epoch, example)}), never from
 * anything partition-local.
 *
 * <p>One sampling map, then one resampling. The forward transform moves a point p to
 * {@code s·R(θ)·(p − c) + c + t}, with R(θ) = [[cos θ, sin θ], [−sin θ, cos θ]] in (x, y): a
 * rotation counter-clockwise as the image is seen (rows going down). Output pixel q samples the
 * source at
 *
 * <pre>
 *   source(q) = R(−θ)·(q − c − t)/s + c + α·(G_σ ∗ noise)(q)
 * </pre>
 *
 * <p>by bilinear interpolation, with 0 outside the image. A single interpolation, so the digit
 * is blurred once however many components are on.
 *
 * <p>The elastic field is Simard, Steinkraus and Platt's (2003), as in the usual
 * {@code alpha·gaussian_filter(uniform(−1, 1), sigma, mode="constant")}: each noise field is
 * smoothed by a separable Gaussian of standard deviation σ with zero padding (outside the image
 * the noise is 0, so the field is weaker near the border), the kernel truncated at radius ⌈3σ⌉
 * pixels, which drops 0.27% of a 1-D Gaussian's weight, and renormalised to sum 1 over the taps
 * kept (as scipy does), then multiplied by α. At α = 34, σ = 4 the displacement has a standard
 * deviation of about 1.4 pixels per axis in the middle of the image.
 *
 * <p>Cost. The blur dominates, so the smoothed field is computed exactly (the truncated
 * convolution of the full-resolution noise) only on a grid of step h = max(1, ⌊σ/2⌋) pixels
 * (points at 0, h, 2h, …, one past the image), and bilinearly interpolated in between: for
 * σ = 4, a quarter of the points and half the first pass's work. The field is smooth at that
 * scale: its second derivative along an axis has √3/(2σ²) times the field's standard deviation,
 * so the error midway between grid points, h²/8·f'', is about 0.11·h²/σ² of the field's
 * standard deviation: 2.7% at σ = 4 and 6 (0.04 pixel at α = 34, σ = 4), less in between, 0
 * below σ = 4, where h = 1. Measured against a direct 2-D blur (the test), the RMS error over
 * all pixels is 2.7% at σ = 4, 1.8% at σ = 5, 3.0% at σ = 6. The kernel weights (α included)
 * are computed once, in the constructor; the rotation matrix once per example; nothing is
 * allocated per call. Timings: {@code src/jmh/java/io/sparkgrad/bench/AugmentBench.java}.
 *
 * <p>Reproducible: the same seed gives bit-identical output on every JVM (Java float arithmetic
 * is strict; the trigonometry and the kernel use {@link StrictMath}).
 */
public final class ImageAugmenter {
  /** Grid columns computed together in each blur pass (2·BLOCK independent sums in flight). */
  private static final int BLOCK = 4;
  /** The increment of {@code new SplittableRandom(seed)}'s state per draw. */
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
  /**
   * Width of the zero border around the copied source. Two pixels make every clamped coordinate
   * read zeros outside; more make the clamp's branches rare (samples that far out are few).
   */
  private static final int PAD = 4;

  private final AugmentationSpec spec;
  private final int width;
  private final int height;
  private final int pixels;
  private final float centreX;
  private final float centreY;

  /** The state of the current example's random stream. */
  private long random;

  /** The sampling map of the current example: the source coordinates of each output pixel. */
  private final float[] sourceX;
  private final float[] sourceY;
  /** The source copied inside a border of PAD zeros: (width+2·PAD)×(height+2·PAD). */
  private final int paddedWidth;
  private final float[] paddedFloat;
  private final double[] paddedDouble;

  // The elastic distortion; all null when it is off.
  /** The current example's uniform(−1, 1) noise, one value per pixel, row-major. */
  final float[] noiseX;
  final float[] noiseY;
  /** The current example's displacement field α·(G_σ ∗ noise) at every pixel, row-major. */
  final float[] fieldX;
  final float[] fieldY;
  /** Pixels between the grid points where the field is computed exactly: h. */
  private final int step;
  /** Grid points per row (padded to a multiple of BLOCK: the extra ones lie past the image). */
  private final int coarseWidth;
  /** Grid points per column. */
  private final int coarseHeight;
  /** First pass, along x: coarseWidth rows of {@code width} weights g(x − h·j)/Z. */
  private final float[] columnWeights;
  private final int[] columnFirst;
  private final int[] columnEnd;
  /** Second pass, along y: coarseHeight rows of {@code height} weights α·g(y − h·i)/Z. */
  private final float[] rowWeights;
  private final int[] rowFirst;
  private final int[] rowEnd;
  /** The first pass's sums: height × coarseWidth per field. */
  private final float[] passX;
  private final float[] passY;
  /** The field on the grid: coarseHeight × coarseWidth per field. */
  private final float[] coarseX;
  private final float[] coarseY;
  /** The grid rows interpolated along x: coarseHeight × width per field. */
  private final float[] rowsX;
  private final float[] rowsY;
  /** Per pixel column (row): the grid point at or before it and the fraction towards the next. */
  private final int[] gridLeft;
  private final float[] gridFractionX;
  private final int[] gridAbove;
  private final float[] gridFractionY;

  public ImageAugmenter(AugmentationSpec spec, int width, int height) {
    this.spec = Objects.requireNonNull(spec, "spec");
    if (width < 1 || height < 1
        || (long) (width + 2 * PAD) * (height + 2 * PAD) > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "image size: expected a positive width and height whose padded product fits an array;"
              + " found " + width + "×" + height);
    }
    this.width = width;
    this.height = height;
    this.pixels = width * height;
    this.centreX = (width - 1) / 2f;
    this.centreY = (height - 1) / 2f;
    sourceX = new float[pixels];
    sourceY = new float[pixels];
    paddedWidth = width + 2 * PAD;
    paddedFloat = new float[paddedWidth * (height + 2 * PAD)];
    paddedDouble = new double[paddedWidth * (height + 2 * PAD)];
    if (!spec.elastic()) {
      noiseX = noiseY = fieldX = fieldY = null;
      step = coarseWidth = coarseHeight = 0;
      columnWeights = rowWeights = passX = passY = coarseX = coarseY = rowsX = rowsY = null;
      gridFractionX = gridFractionY = null;
      columnFirst = columnEnd = rowFirst = rowEnd = gridLeft = gridAbove = null;
      return;
    }
    noiseX = new float[pixels];
    noiseY = new float[pixels];
    fieldX = new float[pixels];
    fieldY = new float[pixels];
    double sigma = spec.elasticSigma();
    step = gridStep(sigma);
    // Points 0, h, …, h·((size−1)/h + 1): every pixel has a point at or before it and one after.
    coarseWidth = roundUp((width - 1) / step + 2, BLOCK);
    coarseHeight = (height - 1) / step + 2;
    int radius = (int) Math.ceil(3 * sigma);
    double norm = 0;
    for (int d = -radius; d <= radius; d++) {
      norm += gaussian(d, sigma);
    }
    columnWeights = new float[coarseWidth * width];
    columnFirst = new int[coarseWidth];
    columnEnd = new int[coarseWidth];
    decimatingKernel(columnWeights, columnFirst, columnEnd, width, step, sigma, radius, 1 / norm);
    rowWeights = new float[coarseHeight * height];
    rowFirst = new int[coarseHeight];
    rowEnd = new int[coarseHeight];
    decimatingKernel(rowWeights, rowFirst, rowEnd, height, step, sigma, radius,
        spec.elasticAlpha() / norm);
    passX = new float[height * coarseWidth];
    passY = new float[height * coarseWidth];
    coarseX = new float[coarseHeight * coarseWidth];
    coarseY = new float[coarseHeight * coarseWidth];
    rowsX = new float[coarseHeight * width];
    rowsY = new float[coarseHeight * width];
    gridLeft = new int[width];
    gridFractionX = new float[width];
    for (int x = 0; x < width; x++) {
      gridLeft[x] = x / step;
      gridFractionX[x] = (float) (x % step) / step;
    }
    gridAbove = new int[height];
    gridFractionY = new float[height];
    for (int y = 0; y < height; y++) {
      gridAbove[y] = y / step;
      gridFractionY[y] = (float) (y % step) / step;
    }
  }

  /**
   * The grid step h for σ: max(1, ⌊σ/2⌋), so that the interpolation error, about 0.11·h²/σ² of
   * the field's standard deviation, stays at most 2.7%, and is 0 below σ = 4.
   */
  static int gridStep(double sigma) {
    return Math.max(1, (int) Math.floor(sigma / 2));
  }

  private static int roundUp(int n, int multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }

  private static double gaussian(int d, double sigma) {
    return StrictMath.exp(-(double) d * d / (2 * sigma * sigma));
  }

  /**
   * weights[k·size + p] := scale·g(p − step·k) for the pixels p in 0..size−1 with
   * |p − step·k| ≤ radius (pixels outside the image do not exist: zero padding), else 0, for
   * k = 0..first.length−1; [first[k], end[k]) is the range of p with a weight; both are
   * nondecreasing in k.
   */
  private static void decimatingKernel(float[] weights, int[] first, int[] end, int size,
      int step, double sigma, int radius, double scale) {
    for (int k = 0; k < first.length; k++) {
      int centre = step * k;
      first[k] = Math.min(size, Math.max(0, centre - radius));
      end[k] = Math.max(first[k], Math.min(size, centre + radius + 1));
      for (int p = first[k]; p < end[k]; p++) {
        weights[k * size + p] = (float) (scale * gaussian(p - centre, sigma));
      }
    }
  }

  public AugmentationSpec spec() {
    return spec;
  }

  /**
   * dst[dstOff..dstOff+width·height) := src[srcOff..) distorted with the parameters drawn from
   * {@code seed}; an exact copy when the spec is {@link AugmentationSpec#NONE}. The two ranges
   * may be the same (the source is copied before anything is written).
   */
  public void augment(float[] src, int srcOff, float[] dst, int dstOff, long seed) {
    checkRange("src", src.length, srcOff);
    checkRange("dst", dst.length, dstOff);
    if (!spec.enabled()) {
      System.arraycopy(src, srcOff, dst, dstOff, pixels);
      return;
    }
    drawMap(seed);
    resample(src, srcOff, dst, dstOff);
  }

  /** As {@link #augment(float[], int, float[], int, long)}, interpolating in double precision. */
  public void augment(double[] src, int srcOff, double[] dst, int dstOff, long seed) {
    checkRange("src", src.length, srcOff);
    checkRange("dst", dst.length, dstOff);
    if (!spec.enabled()) {
      System.arraycopy(src, srcOff, dst, dstOff, pixels);
      return;
    }
    drawMap(seed);
    resample(src, srcOff, dst, dstOff);
  }

  /**
   * The affine transform with explicit parameters and no elastic field, for tests of the
   * geometry: a rotation by {@code degrees} counter-clockwise and a scale by {@code scale}, both
   * about the centre, then the shift.
   */
  void transform(float[] src, int srcOff, float[] dst, int dstOff, double degrees, double scale,
      double shiftX, double shiftY) {
    checkRange("src", src.length, srcOff);
    checkRange("dst", dst.length, dstOff);
    buildMap(Math.toRadians(degrees), scale, shiftX, shiftY, false);
    resample(src, srcOff, dst, dstOff);
  }

  private void checkRange(String name, int length, int offset) {
    if (offset < 0 || offset > length - pixels) {
      throw new IllegalArgumentException(name + ": expected " + pixels + " pixels (" + width + "×"
          + height + ") from offset " + offset + "; found an array of " + length);
    }
  }

  /** Draws this example's parameters (in the order of the class comment) and builds the map. */
  private void drawMap(long seed) {
    random = seed;
    double shiftX = spec.maxShift() * (2 * nextDouble() - 1);
    double shiftY = spec.maxShift() * (2 * nextDouble() - 1);
    double radians = Math.toRadians(spec.maxRotation() * (2 * nextDouble() - 1));
    double scale = 1 + spec.maxScale() * (2 * nextDouble() - 1);
    boolean elastic = spec.elastic();
    if (elastic) {
      // noise := uniform on [−1, 1) in steps of 2^−23: two signed 24-bit integers (bits 63..40
      // and 39..16) of one 64-bit draw per pixel.
      long state = random;
      for (int i = 0; i < pixels; i++) {
        state += GOLDEN_GAMMA;
        long bits = mix64(state);
        noiseX[i] = (int) (bits >> 40) * 0x1p-23f;
        noiseY[i] = (int) (bits << 24 >> 40) * 0x1p-23f;
      }
      random = state;
      smoothNoise();
    }
    buildMap(radians, scale, shiftX, shiftY, elastic);
  }

  // SplittableRandom's generator, as in the JDK: the state advances by the golden gamma and
  // each draw is the state through Stafford's mix 13; nextDouble takes the top 53 bits.

  private double nextDouble() {
    random += GOLDEN_GAMMA;
    return (mix64(random) >>> 11) * 0x1.0p-53;
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /**
   * fieldX, fieldY := α·(G_σ ∗ noise) at every pixel: the separable blur evaluated on the grid,
   * then bilinear interpolation in between.
   */
  private void smoothNoise() {
    // First pass, along x, at the grid's columns: pass[y][j] = Σ_x g(x − step·j)/Z·noise[y][x].
    // BLOCK neighbouring columns j at once over the union of their ranges (the weights are 0
    // outside each one's), for both fields: 2·BLOCK independent sums, x0..x3 for the x field
    // and y0..y3 for the y field.
    for (int y = 0; y < height; y++) {
      int row = y * width;
      for (int j = 0; j < coarseWidth; j += BLOCK) {
        int w0 = j * width;
        int w1 = w0 + width;
        int w2 = w1 + width;
        int w3 = w2 + width;
        float x0 = 0;
        float x1 = 0;
        float x2 = 0;
        float x3 = 0;
        float y0 = 0;
        float y1 = 0;
        float y2 = 0;
        float y3 = 0;
        for (int x = columnFirst[j], end = columnEnd[j + BLOCK - 1]; x < end; x++) {
          float nx = noiseX[row + x];
          float ny = noiseY[row + x];
          float g0 = columnWeights[w0 + x];
          float g1 = columnWeights[w1 + x];
          float g2 = columnWeights[w2 + x];
          float g3 = columnWeights[w3 + x];
          x0 += g0 * nx;
          x1 += g1 * nx;
          x2 += g2 * nx;
          x3 += g3 * nx;
          y0 += g0 * ny;
          y1 += g1 * ny;
          y2 += g2 * ny;
          y3 += g3 * ny;
        }
        int out = y * coarseWidth + j;
        passX[out] = x0;
        passX[out + 1] = x1;
        passX[out + 2] = x2;
        passX[out + 3] = x3;
        passY[out] = y0;
        passY[out + 1] = y1;
        passY[out + 2] = y2;
        passY[out + 3] = y3;
      }
    }
    // Second pass, along y, at the grid's rows: coarse[i][j] = Σ_y α·g(y − step·i)/Z·pass[y][j],
    // BLOCK neighbouring columns j at once.
    for (int i = 0; i < coarseHeight; i++) {
      int weights = i * height;
      for (int j = 0; j < coarseWidth; j += BLOCK) {
        float x0 = 0;
        float x1 = 0;
        float x2 = 0;
        float x3 = 0;
        float y0 = 0;
        float y1 = 0;
        float y2 = 0;
        float y3 = 0;
        for (int y = rowFirst[i], end = rowEnd[i]; y < end; y++) {
          float g = rowWeights[weights + y];
          int in = y * coarseWidth + j;
          x0 += g * passX[in];
          x1 += g * passX[in + 1];
          x2 += g * passX[in + 2];
          x3 += g * passX[in + 3];
          y0 += g * passY[in];
          y1 += g * passY[in + 1];
          y2 += g * passY[in + 2];
          y3 += g * passY[in + 3];
        }
        int out = i * coarseWidth + j;
        coarseX[out] = x0;
        coarseX[out + 1] = x1;
        coarseX[out + 2] = x2;
        coarseX[out + 3] = x3;
        coarseY[out] = y0;
        coarseY[out + 1] = y1;
        coarseY[out + 2] = y2;
        coarseY[out + 3] = y3;
      }
    }
    upsample(coarseX, rowsX, fieldX);
    upsample(coarseY, rowsY, fieldY);
  }

  /**
   * field := the bilinear interpolation of the grid at every pixel, separably: each grid row
   * along x into {@code rows}, then between two of those along y. At a grid point the weight of
   * the next one is 0, so the grid's value is kept exactly; with h = 1 the grid is the field.
   */
  private void upsample(float[] coarse, float[] rows, float[] field) {
    if (step == 1) {
      for (int y = 0; y < height; y++) {
        System.arraycopy(coarse, y * coarseWidth, field, y * width, width);
      }
      return;
    }
    for (int i = 0; i < coarseHeight; i++) {
      int from = i * coarseWidth;
      int to = i * width;
      for (int x = 0; x < width; x++) {
        int j = from + gridLeft[x];
        rows[to + x] = coarse[j] + gridFractionX[x] * (coarse[j + 1] - coarse[j]);
      }
    }
    for (int y = 0; y < height; y++) {
      int above = gridAbove[y] * width;
      int below = above + width;
      float f = gridFractionY[y];
      int row = y * width;
      for (int x = 0; x < width; x++) {
        field[row + x] = rows[above + x] + f * (rows[below + x] - rows[above + x]);
      }
    }
  }

  /**
   * sourceX, sourceY := [a b; c d]·(q − centre − shift) + centre (+ the field) for every output
   * pixel q, with [a b; c d] = R(−θ)/s.
   */
  private void buildMap(double radians, double scale, double shiftX, double shiftY,
      boolean elastic) {
    float a = (float) (StrictMath.cos(radians) / scale);
    float c = (float) (StrictMath.sin(radians) / scale);
    float b = -c;
    float d = a;
    float offsetX = (float) (centreX + shiftX);
    float offsetY = (float) (centreY + shiftY);
    for (int y = 0; y < height; y++) {
      float ry = y - offsetY;
      float rowX = b * ry + centreX;
      float rowY = d * ry + centreY;
      int row = y * width;
      for (int x = 0; x < width; x++) {
        float rx = x - offsetX;
        sourceX[row + x] = a * rx + rowX;
        sourceY[row + x] = c * rx + rowY;
      }
    }
    if (elastic) {
      for (int i = 0; i < pixels; i++) {
        sourceX[i] += fieldX[i];
        sourceY[i] += fieldY[i];
      }
    }
  }

  // The two resampling loops, float and double, differ only in the pixel type. Each source
  // coordinate is clamped to [−PAD, size + PAD − 2], so that the 2×2 neighbourhood stays in the
  // padded copy, whose border is 0 like everything beyond it (NaN goes to −PAD), then split
  // into the padded index of its top-left neighbour and fractions in [0, 1]. As u + PAD ≥ 0,
  // truncation is the floor, except that u + PAD can round up to the next integer when u is
  // just below one: the fraction, then −ulp, is taken as 0.

  private void resample(float[] src, int srcOff, float[] dst, int dstOff) {
    float[] padded = paddedFloat;
    for (int y = 0; y < height; y++) {
      System.arraycopy(src, srcOff + y * width, padded, (y + PAD) * paddedWidth + PAD, width);
    }
    float min = -PAD;
    float maxX = width + PAD - 2;
    float maxY = height + PAD - 2;
    int below = paddedWidth;
    for (int i = 0; i < pixels; i++) {
      float u = sourceX[i];
      float v = sourceY[i];
      u = u > min ? (u < maxX ? u : maxX) : min;
      v = v > min ? (v < maxY ? v : maxY) : min;
      int x0 = (int) (u + PAD) - PAD;
      int y0 = (int) (v + PAD) - PAD;
      float fx = u - x0;
      float fy = v - y0;
      fx = fx < 0 ? 0 : fx;
      fy = fy < 0 ? 0 : fy;
      int k = (y0 + PAD) * paddedWidth + x0 + PAD;
      float top = padded[k] + fx * (padded[k + 1] - padded[k]);
      float bottom = padded[k + below] + fx * (padded[k + below + 1] - padded[k + below]);
      dst[dstOff + i] = top + fy * (bottom - top);
    }
  }

  private void resample(double[] src, int srcOff, double[] dst, int dstOff) {
    double[] padded = paddedDouble;
    for (int y = 0; y < height; y++) {
      System.arraycopy(src, srcOff + y * width, padded, (y + PAD) * paddedWidth + PAD, width);
    }
    float min = -PAD;
    float maxX = width + PAD - 2;
    float maxY = height + PAD - 2;
    int below = paddedWidth;
    for (int i = 0; i < pixels; i++) {
      float u = sourceX[i];
      float v = sourceY[i];
      u = u > min ? (u < maxX ? u : maxX) : min;
      v = v > min ? (v < maxY ? v : maxY) : min;
      int x0 = (int) (u + PAD) - PAD;
      int y0 = (int) (v + PAD) - PAD;
      double fx = u - x0;
      double fy = v - y0;
      fx = fx < 0 ? 0 : fx;
      fy = fy < 0 ? 0 : fy;
      int k = (y0 + PAD) * paddedWidth + x0 + PAD;
      double top = padded[k] + fx * (padded[k + 1] - padded[k]);
      double bottom = padded[k + below] + fx * (padded[k + below + 1] - padded[k + below]);
      dst[dstOff + i] = top + fy * (bottom - top);
    }
  }
}
