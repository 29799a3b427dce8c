package io.sparkgrad.data.augment;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How much to distort each training image: a random affine transform (translation, rotation,
 * isotropic scale about the image centre) and an optional elastic distortion (Simard, Steinkraus
 * and Platt, "Best practices for convolutional neural networks applied to visual document
 * analysis", ICDAR 2003). Each example draws its own parameters uniformly within these bounds;
 * {@link ImageAugmenter} applies them.
 *
 * <p>The string form, for the configuration file and the command line, is {@code none} or a
 * comma list of {@code key=value} with the keys {@code shift}, {@code rotate}, {@code scale},
 * {@code elastic-alpha} and {@code elastic-sigma}, e.g.
 * {@code shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4}. A missing key is 0, except
 * {@code elastic-sigma}, which is {@value #DEFAULT_ELASTIC_SIGMA} when {@code elastic-alpha} is
 * given. {@link #label()} writes the canonical form, which {@link #parse} reads back to an equal
 * spec.
 *
 * <p>Normalised on construction, so that two specs that augment alike are equal: −0.0 becomes
 * 0.0, and {@code elasticSigma} is 0 when {@code elasticAlpha} is 0 (a width without a
 * displacement means nothing).
 *
 * @param maxShift pixels: the translation along each axis is uniform in [−maxShift, maxShift]
 *     (continuous, not whole pixels); 0..{@value #MAX_PIXELS}
 * @param maxRotation degrees: the rotation is uniform in [−maxRotation, maxRotation]; 0..180
 * @param maxScale fraction: the isotropic scale factor is uniform in [1 − maxScale, 1 + maxScale];
 *     in [0, 1)
 * @param elasticAlpha pixels: the elastic displacement is α times uniform(−1, 1) noise smoothed by
 *     a normalised Gaussian; 0 turns it off (Simard et al. used 34 on MNIST, about 1.4 pixels of
 *     displacement per axis, standard deviation, at σ = 4); 0..{@value #MAX_PIXELS}
 * @param elasticSigma pixels: the standard deviation of that Gaussian; in (0, {@value #MAX_PIXELS}]
 *     when {@code elasticAlpha} is above 0 (Simard et al.: 4)
 */
public record AugmentationSpec(
    double maxShift, double maxRotation, double maxScale, double elasticAlpha, double elasticSigma)
    implements Serializable {

  /** No augmentation: {@link ImageAugmenter} copies each image unchanged. */
  public static final AugmentationSpec NONE = new AugmentationSpec(0, 0, 0, 0, 0);

  /** The Gaussian width {@link #parse} uses when {@code elastic-alpha} comes without one. */
  public static final double DEFAULT_ELASTIC_SIGMA = 4.0;

  /**
   * Upper bound on the pixel-valued fields. Far beyond anything useful on a digit (a shift of
   * 1000 pixels empties any image this project trains on), it keeps every coordinate the
   * augmenter computes finite in float arithmetic, and the Gaussian kernel a short loop.
   */
  public static final double MAX_PIXELS = 1000;

  private static final String SHIFT = "shift";
  private static final String ROTATE = "rotate";
  private static final String SCALE = "scale";
  private static final String ELASTIC_ALPHA = "elastic-alpha";
  private static final String ELASTIC_SIGMA = "elastic-sigma";
  private static final String FORM = "'none' or a comma list of key=value with the keys " + SHIFT
      + ", " + ROTATE + ", " + SCALE + ", " + ELASTIC_ALPHA + ", " + ELASTIC_SIGMA
      + " (e.g. shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4)";
  /** Plain decimal numbers only: no NaN, Infinity, hex or Java suffixes such as 2f. */
  private static final Pattern NUMBER =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

  public AugmentationSpec {
    requireInRange(SHIFT, maxShift, MAX_PIXELS, "pixels");
    requireInRange(ROTATE, maxRotation, 180, "degrees");
    if (!(maxScale >= 0 && maxScale < 1)) {
      throw new IllegalArgumentException(
          "augment " + SCALE + ": expected a finite value in [0, 1) (a fraction of the size);"
              + " found " + maxScale);
    }
    requireInRange(ELASTIC_ALPHA, elasticAlpha, MAX_PIXELS, "pixels");
    requireInRange(ELASTIC_SIGMA, elasticSigma, MAX_PIXELS, "pixels");
    if (elasticAlpha > 0 && elasticSigma == 0) {
      throw new IllegalArgumentException(
          "augment " + ELASTIC_SIGMA + ": expected a value above 0 when " + ELASTIC_ALPHA
              + " is above 0 (here " + elasticAlpha + "); found " + elasticSigma);
    }
    maxShift += 0.0; // −0.0 + 0.0 = +0.0: records compare doubles bit by bit
    maxRotation += 0.0;
    maxScale += 0.0;
    elasticAlpha += 0.0;
    elasticSigma = elasticAlpha == 0 ? 0.0 : elasticSigma;
  }

  private static void requireInRange(String key, double value, double maximum, String unit) {
    if (!(value >= 0) || Double.isInfinite(value)) { // also refuses NaN
      throw new IllegalArgumentException(
          "augment " + key + ": expected a finite value ≥ 0; found " + value);
    }
    if (value > maximum) {
      throw new IllegalArgumentException(
          "augment " + key + ": expected at most " + format(maximum) + " (" + unit + "); found "
              + value);
    }
  }

  /** Whether any distortion is on; when not, augmenting copies the image. */
  public boolean enabled() {
    return maxShift > 0 || maxRotation > 0 || maxScale > 0 || elasticAlpha > 0;
  }

  /** Whether the elastic distortion is on. */
  public boolean elastic() {
    return elasticAlpha > 0;
  }

  /**
   * Reads {@code none} or a comma list such as {@code shift=2,rotate=10,scale=0.1,elastic-alpha=34,
   * elastic-sigma=4}: keys in any order, each at most once, spaces around items ignored.
   *
   * @throws IllegalArgumentException naming the key, the expected and the found value, for an
   *     unknown or repeated key, an item without '=', a value that is not a plain decimal number
   *     or out of range
   */
  public static AugmentationSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("augment: expected " + FORM + "; found '" + text + "'");
    }
    String trimmed = text.trim();
    if (trimmed.equalsIgnoreCase("none")) {
      return NONE;
    }
    Map<String, Double> values = new LinkedHashMap<>();
    for (String item : trimmed.split(",", -1)) {
      int equals = item.indexOf('=');
      if (equals < 0) {
        throw new IllegalArgumentException(
            "augment: expected key=value items in " + FORM + "; found '" + item.trim() + "' in '"
                + text + "'");
      }
      String key = item.substring(0, equals).trim().toLowerCase(Locale.ROOT);
      String value = item.substring(equals + 1).trim();
      switch (key) {
        case SHIFT, ROTATE, SCALE, ELASTIC_ALPHA, ELASTIC_SIGMA -> { }
        default -> throw new IllegalArgumentException(
            "augment: expected a key among " + SHIFT + ", " + ROTATE + ", " + SCALE + ", "
                + ELASTIC_ALPHA + ", " + ELASTIC_SIGMA + "; found '" + key + "' in '" + text
                + "'");
      }
      if (!NUMBER.matcher(value).matches()) {
        throw new IllegalArgumentException(
            "augment " + key + ": expected a decimal number; found '" + value + "'");
      }
      if (values.put(key, Double.parseDouble(value)) != null) {
        throw new IllegalArgumentException(
            "augment " + key + ": expected at most once; found twice in '" + text + "'");
      }
    }
    double alpha = values.getOrDefault(ELASTIC_ALPHA, 0.0);
    double sigma = values.getOrDefault(ELASTIC_SIGMA, alpha > 0 ? DEFAULT_ELASTIC_SIGMA : 0.0);
    return new AugmentationSpec(values.getOrDefault(SHIFT, 0.0),
        values.getOrDefault(ROTATE, 0.0), values.getOrDefault(SCALE, 0.0), alpha, sigma);
  }

  /**
   * The canonical string form: {@code none}, or the keys whose value is not 0 in the order
   * shift, rotate, scale, elastic-alpha, elastic-sigma, each value in its shortest decimal form
   * that reads back to the same double (2, not 2.0).
   */
  public String label() {
    if (!enabled()) {
      return "none";
    }
    StringBuilder s = new StringBuilder();
    append(s, SHIFT, maxShift);
    append(s, ROTATE, maxRotation);
    append(s, SCALE, maxScale);
    append(s, ELASTIC_ALPHA, elasticAlpha);
    append(s, ELASTIC_SIGMA, elasticSigma);
    return s.toString();
  }

  @Override
  public String toString() {
    return label();
  }

  private static void append(StringBuilder s, String key, double value) {
    if (value != 0) {
      s.append(s.length() == 0 ? "" : ",").append(key).append('=').append(format(value));
    }
  }

  /** The shortest plain decimal that reads back to {@code value} (Double.toString's digits). */
  private static String format(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }
}
