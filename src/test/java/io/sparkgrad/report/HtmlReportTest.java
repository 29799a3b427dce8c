package io.sparkgrad.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.network.NetworkSpec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The report page on a tiny hand-made model (no Spark): escaping, self-containment, pictures. */
class HtmlReportTest {
  static final String HOSTILE = "<script>alert('x')</script> & \"quotes\"";

  /** A 2×3-pixel, 4-hidden-unit, 3-class network whose unit 2 has a known weight pattern. */
  static ReportContent content() throws IOException {
    NetworkSpec spec = NetworkSpec.of(6, 4, 3, Activation.RELU, LossFunction.CROSS_ENTROPY);
    double[] params = new double[spec.layout().size()];
    int hidden = 4;
    for (int h = 0; h < hidden; h++) {
      for (int i = 0; i < 6; i++) {
        // W1(h, i) sits at h + i·hidden. Unit 2: +1 at input 4 (pixel row 1, col 1), −0.5 at
        // input 0, zero elsewhere. Other units are large, so any mix-up shows.
        params[h + i * hidden] = h != 2 ? 100 + i : i == 4 ? 1.0 : i == 0 ? -0.5 : 0;
      }
    }
    byte[] pixels = {
      0, 10, 20, 30, 40, 50,
      (byte) 255, (byte) 200, 100, 0, 1, 2,
      9, 8, 7, 6, 5, 4,
    };
    Map<Integer, byte[]> images = new java.util.TreeMap<>();
    for (int i = 0; i < 3; i++) {
      images.put(i, java.util.Arrays.copyOfRange(pixels, i * 6, (i + 1) * 6));
    }
    EvaluationSums sums = new EvaluationSums(3, 2);
    sums.addExample(0, 0, 0, 0.9, 0.9);
    sums.addExample(1, 1, 2, 0.7, 0.05);
    sums.addExample(2, 2, 2, 0.6, 0.6);
    sums.addLoss(2.5);
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("model", "/models/" + HOSTILE);
    facts.put(HOSTILE, "a key that needs escaping too");
    JsonNode metrics = new ObjectMapper().readTree("""
        {"epochs": [
          {"epoch": 1, "train_loss": 0.9, "train_accuracy": 0.7, "validation_loss": null,
           "validation_accuracy": null, "test_loss": 0.8, "test_accuracy": 0.75},
          {"epoch": 2, "train_loss": 0.5, "train_accuracy": 0.85, "validation_loss": null,
           "validation_accuracy": null, "test_loss": 0.6, "test_accuracy": 0.8}],
         "kept_epoch": 2, "stopped_early": false, "test_accuracy": 0.8}
        """);
    return new ReportContent("report of " + HOSTILE, "/models/" + HOSTILE, facts, metrics,
        "test split of " + HOSTILE, sums, images, i -> "test #" + i + " " + HOSTILE, spec,
        params, 2, 3);
  }

  @Test
  void everyPieceOfTextIsEscaped() throws IOException {
    String html = HtmlReport.render(content());
    assertFalse(html.toLowerCase(Locale.ROOT).contains("<script"), "no script element");
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp;"
        + " &quot;quotes&quot;"), "escaped in text and attributes");
    assertTrue(html.contains("<title>report of &lt;script&gt;"), "title escaped");
    assertTrue(html.contains("alt=\"test #1 &lt;script&gt;"), "attribute escaped");
  }

  @Test
  void isSelfContained() throws IOException {
    String html = HtmlReport.render(content());
    String lower = html.toLowerCase(Locale.ROOT);
    for (String forbidden : List.of("http://", "https://", "<link", "@import", "url(", "href=",
        "<script", "<iframe", "<object")) {
      assertFalse(lower.contains(forbidden), "contains " + forbidden);
    }
    Matcher src = Pattern.compile("\\bsrc\\s*=\\s*\"([^\"]*)\"").matcher(html);
    int images = 0;
    while (src.find()) {
      assertTrue(src.group(1).startsWith("data:image/png;base64,"), src.group(1));
      images++;
    }
    assertEquals(2 + 4, images, "2 worst examples and 4 hidden units");
    for (String id : List.of("summary", "facts", "curves", "confusion", "classes", "confidence",
        "worst", "weights")) {
      assertTrue(html.contains("id=\"" + id + "\""), id);
    }
  }

  @Test
  void weightImagesReadColumnHOfW1InTheColumnMajorLayout() throws IOException {
    BufferedImage unit2 = imageWithAlt(HtmlReport.render(content()), "hidden unit 2");
    assertEquals(3, unit2.getWidth());
    assertEquals(2, unit2.getHeight());
    for (int r = 0; r < 2; r++) {
      for (int c = 0; c < 3; c++) {
        int i = r * 3 + c;
        int expected = i == 4 ? Pictures.diverging(1) : i == 0 ? Pictures.diverging(-0.5)
            : Pictures.diverging(0);
        assertEquals(Integer.toHexString(expected),
            Integer.toHexString(unit2.getRGB(c, r) & 0xFFFFFF), "pixel (" + r + ", " + c + ")");
      }
    }
    assertEquals(0xB2182B, Pictures.diverging(1), "+1 is red (178, 24, 43)");
    assertEquals(0xFFFFFF, Pictures.diverging(0), "0 is white");
  }

  @Test
  void worstExamplesAreDrawnFromTheirOwnPixelsLowestTrueScoreFirst() throws IOException {
    String html = HtmlReport.render(content());
    // Example 1 (true score 0.05) comes before example 2 (0.6); example 0 (0.9) is not kept.
    List<String> alts = new ArrayList<>();
    Matcher alt = Pattern.compile("alt=\"(test #\\d)").matcher(html);
    while (alt.find()) {
      alts.add(alt.group(1));
    }
    assertEquals(List.of("test #1", "test #2"), alts);
    BufferedImage example1 = imageWithAlt(html, "test #1 ");
    int[] expected = {255, 200, 100, 0, 1, 2};
    for (int i = 0; i < 6; i++) {
      assertEquals(expected[i], example1.getRaster().getSample(i % 3, i / 3, 0), "pixel " + i);
    }
  }

  @Test
  void aMissingTrainingHistoryIsSaidNotDrawn() throws IOException {
    ReportContent c = content();
    ReportContent without = new ReportContent(c.title(), c.subtitle(), c.facts(), null,
        c.evaluationLabel(), c.evaluation(), c.pictures(), c.exampleName(), c.spec(), c.params(),
        c.imageRows(), c.imageCols());
    String html = HtmlReport.render(without);
    assertTrue(html.contains("No training history"), "says so");
    assertFalse(html.contains("class=\"chart loss\""), "no empty chart");
  }

  @Test
  void smallProbabilitiesKeepASignificantDigit() {
    assertEquals("0.997", HtmlReport.probability(0.99712));
    assertEquals("0.001", HtmlReport.probability(0.001));
    assertEquals("1e-04", HtmlReport.probability(0.000123));
    assertEquals("0.000", HtmlReport.probability(0));
  }

  private static BufferedImage imageWithAlt(String html, String altPrefix) throws IOException {
    Matcher m = Pattern.compile("<img src=\"data:image/png;base64,([^\"]+)\"[^>]*alt=\""
        + Pattern.quote(altPrefix)).matcher(html);
    assertTrue(m.find(), "an image with alt " + altPrefix);
    return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
  }
}
