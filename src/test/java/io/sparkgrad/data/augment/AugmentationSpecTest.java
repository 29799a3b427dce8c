package io.sparkgrad.data.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The spec's validation, its string form and the round trip between the two. */
class AugmentationSpecTest {

  private static String refused(double shift, double rotate, double scale, double alpha,
      double sigma) {
    return assertThrows(IllegalArgumentException.class,
        () -> new AugmentationSpec(shift, rotate, scale, alpha, sigma)).getMessage();
  }

  private static String refused(String text) {
    return assertThrows(IllegalArgumentException.class, () -> AugmentationSpec.parse(text))
        .getMessage();
  }

  @Test
  void eachFieldIsCheckedWithTheExpectedAndTheFoundValue() {
    assertEquals("augment shift: expected a finite value ≥ 0; found -1.0",
        refused(-1, 0, 0, 0, 0));
    assertEquals("augment shift: expected a finite value ≥ 0; found NaN",
        refused(Double.NaN, 0, 0, 0, 0));
    assertEquals("augment shift: expected a finite value ≥ 0; found Infinity",
        refused(Double.POSITIVE_INFINITY, 0, 0, 0, 0));
    assertEquals("augment shift: expected at most 1000 (pixels); found 1000.5",
        refused(1000.5, 0, 0, 0, 0));
    assertEquals("augment rotate: expected a finite value ≥ 0; found -10.0",
        refused(0, -10, 0, 0, 0));
    assertEquals("augment rotate: expected at most 180 (degrees); found 181.0",
        refused(0, 181, 0, 0, 0));
    assertEquals("augment scale: expected a finite value in [0, 1) (a fraction of the size);"
        + " found 1.0", refused(0, 0, 1, 0, 0));
    assertEquals("augment scale: expected a finite value in [0, 1) (a fraction of the size);"
        + " found -0.1", refused(0, 0, -0.1, 0, 0));
    assertEquals("augment scale: expected a finite value in [0, 1) (a fraction of the size);"
        + " found NaN", refused(0, 0, Double.NaN, 0, 0));
    assertEquals("augment elastic-alpha: expected a finite value ≥ 0; found -34.0",
        refused(0, 0, 0, -34, 4));
    assertEquals("augment elastic-sigma: expected a finite value ≥ 0; found -4.0",
        refused(0, 0, 0, 34, -4));
    assertEquals("augment elastic-sigma: expected a value above 0 when elastic-alpha is above 0"
        + " (here 34.0); found 0.0", refused(0, 0, 0, 34, 0));
    assertEquals("augment elastic-sigma: expected at most 1000 (pixels); found 2000.0",
        refused(0, 0, 0, 34, 2000));
  }

  @Test
  void boundaryValuesAreAccepted() {
    AugmentationSpec spec = new AugmentationSpec(1000, 180, 0.999, 1000, 1000);
    assertTrue(spec.enabled());
    assertTrue(spec.elastic());
    assertEquals(new AugmentationSpec(0, 0, 0, 34, 0.01), AugmentationSpec.parse(
        "elastic-alpha=34,elastic-sigma=0.01"));
  }

  @Test
  void noneIsOffAndEverySpecThatAugmentsNothingEqualsIt() {
    assertFalse(AugmentationSpec.NONE.enabled());
    assertFalse(AugmentationSpec.NONE.elastic());
    assertEquals("none", AugmentationSpec.NONE.label());
    assertEquals("none", AugmentationSpec.NONE.toString());
    // −0.0 and a width without a displacement are normalised away
    assertEquals(AugmentationSpec.NONE, new AugmentationSpec(-0.0, -0.0, -0.0, -0.0, 0));
    assertEquals(AugmentationSpec.NONE, new AugmentationSpec(0, 0, 0, 0, 5));
    assertEquals(0.0, new AugmentationSpec(0, 0, 0, 0, 5).elasticSigma());
    assertSame(AugmentationSpec.NONE, AugmentationSpec.parse("none"));
    assertSame(AugmentationSpec.NONE, AugmentationSpec.parse("  NONE "));
    assertEquals(AugmentationSpec.NONE, AugmentationSpec.parse("shift=0"));
    assertEquals(AugmentationSpec.NONE, AugmentationSpec.parse("elastic-sigma=6"));
    // each component alone turns it on
    assertTrue(new AugmentationSpec(0.5, 0, 0, 0, 0).enabled());
    assertTrue(new AugmentationSpec(0, 1, 0, 0, 0).enabled());
    assertTrue(new AugmentationSpec(0, 0, 0.05, 0, 0).enabled());
    assertTrue(new AugmentationSpec(0, 0, 0, 1, 4).enabled());
    assertFalse(new AugmentationSpec(0.5, 1, 0.05, 0, 0).elastic());
  }

  @Test
  void parsesTheCommaListInAnyOrderWithMissingKeysZero() {
    AugmentationSpec full = new AugmentationSpec(2, 10, 0.1, 34, 4);
    assertEquals(full,
        AugmentationSpec.parse("shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4"));
    assertEquals(full, AugmentationSpec.parse(
        " elastic-sigma = 4 , scale=.1,ROTATE=1e1, shift=2.0,elastic-alpha=34"));
    assertEquals(new AugmentationSpec(2, 0, 0, 0, 0), AugmentationSpec.parse("shift=2"));
    assertEquals(new AugmentationSpec(0, 15, 0, 0, 0), AugmentationSpec.parse("rotate=15"));
    assertEquals(new AugmentationSpec(0, 0, 0.2, 0, 0), AugmentationSpec.parse("scale=0.2"));
    // elastic-alpha alone takes the default width
    assertEquals(new AugmentationSpec(0, 0, 0, 34, AugmentationSpec.DEFAULT_ELASTIC_SIGMA),
        AugmentationSpec.parse("elastic-alpha=34"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
    "\"\"                         | augment: expected 'none' or a comma list of key=value with the"
        + " keys shift, rotate, scale, elastic-alpha, elastic-sigma (e.g. shift=2,rotate=10,"
        + "scale=0.1,elastic-alpha=34,elastic-sigma=4); found ''",
    "shift=2,turn=10            | augment: expected a key among shift, rotate, scale,"
        + " elastic-alpha, elastic-sigma; found 'turn' in 'shift=2,turn=10'",
    "shift=2,,rotate=1          | augment: expected key=value items in 'none' or a comma list"
        + " of key=value with the keys shift, rotate, scale, elastic-alpha, elastic-sigma (e.g."
        + " shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4); found '' in"
        + " 'shift=2,,rotate=1'",
    "shift                      | augment: expected key=value items in 'none' or a comma list"
        + " of key=value with the keys shift, rotate, scale, elastic-alpha, elastic-sigma (e.g."
        + " shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4); found 'shift' in"
        + " 'shift'",
    "shift=two                  | augment shift: expected a decimal number; found 'two'",
    "rotate=                    | augment rotate: expected a decimal number; found ''",
    "scale=2f                   | augment scale: expected a decimal number; found '2f'",
    "elastic-alpha=NaN          | augment elastic-alpha: expected a decimal number; found 'NaN'",
    "elastic-sigma=0x1p2        | augment elastic-sigma: expected a decimal number; found '0x1p2'",
    "shift=Infinity             | augment shift: expected a decimal number; found 'Infinity'",
    "shift=1,shift=2            | augment shift: expected at most once; found twice in"
        + " 'shift=1,shift=2'",
    "shift=-1                   | augment shift: expected a finite value ≥ 0; found -1.0",
    "scale=1.5                  | augment scale: expected a finite value in [0, 1) (a fraction"
        + " of the size); found 1.5",
    "elastic-alpha=34,elastic-sigma=0 | augment elastic-sigma: expected a value above 0 when"
        + " elastic-alpha is above 0 (here 34.0); found 0.0",
  })
  void refusesMalformedStringsNamingTheKeyTheExpectedAndTheFound(String text, String message) {
    assertEquals(message, refused(text));
  }

  @Test
  void refusesNull() {
    assertTrue(refused(null).endsWith("; found 'null'"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "none",
    "shift=2",
    "shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=4",
    "rotate=12.5,elastic-alpha=8,elastic-sigma=6",
    "scale=0.0001",
    "shift=0.30000000000000004",
    "elastic-alpha=1000,elastic-sigma=1000",
  })
  void theCanonicalFormReadsBackToItself(String canonical) {
    AugmentationSpec spec = AugmentationSpec.parse(canonical);
    assertEquals(canonical, spec.label());
    assertEquals(canonical, spec.toString());
    assertEquals(spec, AugmentationSpec.parse(spec.label()));
  }

  @Test
  void anyValidSpecSurvivesTheRoundTripExactly() {
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 1000; i++) {
      // Each field 0 a third of the time, else an arbitrary double in range (most need 16 or 17
      // digits); sigma stays above 0 so that an elastic spec is valid.
      AugmentationSpec spec = new AugmentationSpec(
          sometimes(random, random.nextDouble() * 1000),
          sometimes(random, random.nextDouble() * 180),
          sometimes(random, random.nextDouble()),
          sometimes(random, random.nextDouble() * 1000),
          1e-3 + random.nextDouble() * 999);
      String label = spec.label();
      assertEquals(spec, AugmentationSpec.parse(label), label);
      assertEquals(label, AugmentationSpec.parse(label).label());
    }
  }

  private static double sometimes(SplittableRandom random, double value) {
    return random.nextInt(3) == 0 ? 0 : value;
  }
}
