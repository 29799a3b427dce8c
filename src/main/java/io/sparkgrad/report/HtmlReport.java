package io.sparkgrad.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.network.ParameterLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}: one self-contained page (inline CSS, inline SVG, PNG {@code data:} URIs;
 * no scripts, no fonts, no network) with the training curves, the evaluation's headline figures,
 * the confusion matrix as a heat map, per-class precision/recall/F1, the confidence
 * distribution, the worst-classified examples as pictures, and the first-layer weights of the
 * first {@link #WEIGHT_UNITS} hidden units as images. Every piece of text is HTML-escaped.
 *
 * <p>Element ids a reader (or a test) can rely on: {@code summary}, {@code facts},
 * {@code curves}, {@code confusion}, {@code classes}, {@code confidence}, {@code worst},
 * {@code weights}.
 */
public final class HtmlReport {
  /** How many hidden units' first-layer weights are drawn. */
  public static final int WEIGHT_UNITS = 36;

  private static final String TRAIN = "#2563eb";
  private static final String VALIDATION = "#16a34a";
  private static final String TEST = "#ea580c";

  private HtmlReport() {}

  /** The page as UTF-8 bytes. */
  public static byte[] bytes(ReportContent content) {
    return render(content).getBytes(StandardCharsets.UTF_8);
  }

  /** The page. */
  public static String render(ReportContent c) {
    StringBuilder h = new StringBuilder(256 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(Html.escape(c.title())).append("</title>\n")
        .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    header(h, c);
    curves(h, c);
    h.append("<div class=\"row\">\n");
    confusion(h, c.evaluation());
    classes(h, c.evaluation());
    confidence(h, c.evaluation());
    h.append("</div>\n");
    worst(h, c);
    weights(h, c);
    h.append("<footer>Written by sparkgrad. Self-contained: inline CSS, SVG and PNG images;"
        + " no scripts, nothing fetched.</footer>\n</body>\n</html>\n");
    return h.toString();
  }

  private static void header(StringBuilder h, ReportContent c) {
    EvaluationSums e = c.evaluation();
    h.append("<header id=\"summary\">\n<h1>").append(Html.escape(c.title())).append("</h1>\n");
    if (c.subtitle() != null) {
      h.append("<p class=\"sub\">").append(Html.escape(c.subtitle())).append("</p>\n");
    }
    h.append("<div class=\"kpis\">\n");
    kpi(h, "accuracy", Html.percent(e.accuracy()), "kpi main");
    kpi(h, "mean loss", Html.decimal(e.meanLoss()), "kpi");
    kpi(h, "macro F1", Html.decimal(e.macroF1()), "kpi");
    kpi(h, "examples", String.format(Locale.ROOT, "%,d", e.count()), "kpi");
    kpi(h, "misclassified", String.format(Locale.ROOT, "%,d", e.count() - e.correct()), "kpi");
    kpi(h, "mean confidence, right / wrong", Html.decimal(e.meanConfidenceCorrect()) + " / "
        + Html.decimal(e.meanConfidenceWrong()), "kpi");
    h.append("</div>\n<p class=\"muted\">Evaluated on ").append(Html.escape(c.evaluationLabel()))
        .append(".</p>\n</header>\n");
    h.append("<section id=\"facts\" class=\"card\">\n<dl>\n");
    for (Map.Entry<String, String> fact : c.facts().entrySet()) {
      h.append("<dt>").append(Html.escape(fact.getKey())).append("</dt><dd>")
          .append(Html.escape(fact.getValue())).append("</dd>\n");
    }
    h.append("</dl>\n</section>\n");
  }

  private static void kpi(StringBuilder h, String label, String value, String cssClass) {
    h.append("<div class=\"").append(cssClass).append("\"><span class=\"v\">")
        .append(Html.escape(value)).append("</span><span class=\"k\">")
        .append(Html.escape(label)).append("</span></div>\n");
  }

  private static void curves(StringBuilder h, ReportContent c) {
    h.append("<section id=\"curves\" class=\"card\">\n<h2>Training curves</h2>\n");
    JsonNode epochs = c.trainingMetrics() == null ? null : c.trainingMetrics().path("epochs");
    if (epochs == null || !epochs.isArray() || epochs.isEmpty()) {
      h.append("<p class=\"muted\">No training history (the model folder has no metrics.json"
          + " with epochs).</p>\n</section>\n");
      return;
    }
    int n = epochs.size();
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = epochs.get(i).path("epoch").asDouble(i + 1);
    }
    List<Svg.Series> loss = new ArrayList<>();
    List<Svg.Series> accuracy = new ArrayList<>();
    String[][] parts = {{"train", TRAIN, ""}, {"validation", VALIDATION, "dash"}, {"test", TEST, ""}};
    for (String[] part : parts) {
      double[] l = column(epochs, part[0] + "_loss");
      double[] a = column(epochs, part[0] + "_accuracy");
      boolean dashed = !part[2].isEmpty();
      if (anyFinite(l)) {
        loss.add(new Svg.Series(part[0], part[1], dashed, x, l));
      }
      if (anyFinite(a)) {
        accuracy.add(new Svg.Series(part[0], part[1], dashed, x, a));
      }
    }
    h.append("<div class=\"charts\">\n<figure>")
        .append(Svg.lineChart("chart loss", "epoch", "mean loss", loss, false, 536, 240))
        .append("<figcaption>Loss per epoch</figcaption></figure>\n<figure>")
        .append(Svg.lineChart("chart accuracy", "epoch", "accuracy", accuracy, true, 536, 240))
        .append("<figcaption>Accuracy per epoch</figcaption></figure>\n</div>\n");
    JsonNode metrics = c.trainingMetrics();
    h.append("<p class=\"muted\">Train figures are measured on each mini-batch just before its"
        + " step; validation and test figures with the weights at the end of the epoch.");
    if (metrics.has("kept_epoch")) {
      h.append(" Kept weights: epoch ").append(metrics.path("kept_epoch").asInt())
          .append(metrics.path("stopped_early").asBoolean() ? " (stopped early)" : "")
          .append('.');
    }
    h.append("</p>\n</section>\n");
  }

  private static double[] column(JsonNode epochs, String field) {
    double[] values = new double[epochs.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode v = epochs.get(i).get(field);
      values[i] = v == null || !v.isNumber() ? Double.NaN : v.asDouble();
    }
    return values;
  }

  private static boolean anyFinite(double[] values) {
    for (double v : values) {
      if (Double.isFinite(v)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Rows are true classes, columns predictions. A cell's colour is its share of the row: the
   * diagonal in blue (recall), errors in red, scaled to the largest error share so that the
   * common confusions stand out.
   */
  private static void confusion(StringBuilder h, EvaluationSums e) {
    int k = e.classes();
    double maxError = 0;
    for (int a = 0; a < k; a++) {
      long support = e.support(a);
      for (int p = 0; p < k; p++) {
        if (a != p && support > 0) {
          maxError = Math.max(maxError, (double) e.confusion(a, p) / support);
        }
      }
    }
    h.append("<section id=\"confusion\" class=\"card\">\n<h2>Confusion matrix</h2>\n")
        .append("<table class=\"heat\">\n<tr><th class=\"corner\">true ╲ predicted</th>");
    for (int p = 0; p < k; p++) {
      h.append("<th>").append(p).append("</th>");
    }
    h.append("</tr>\n");
    for (int a = 0; a < k; a++) {
      long support = e.support(a);
      h.append("<tr><th>").append(a).append("</th>");
      for (int p = 0; p < k; p++) {
        long count = e.confusion(a, p);
        double share = support == 0 ? 0 : (double) count / support;
        double alpha = a == p ? share : (maxError == 0 ? 0 : share / maxError);
        String rgb = a == p ? "37,99,235" : "220,38,38";
        boolean dark = alpha > 0.55;
        h.append(String.format(Locale.ROOT,
            "<td style=\"background:rgba(%s,%.3f)%s\" title=\"true %d, predicted %d: %d (%.2f%%"
                + " of class %d)\">%s</td>",
            rgb, Math.min(1, alpha), dark ? ";color:#fff" : "", a, p, count, 100 * share, a,
            count == 0 ? "" : Long.toString(count)));
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n<p class=\"muted\">Rows: true class; columns: predicted. Blue: share of"
        + " the row predicted right; red: errors, darkest for the largest error share.</p>\n")
        .append("</section>\n");
  }

  private static void classes(StringBuilder h, EvaluationSums e) {
    h.append("<section id=\"classes\" class=\"card\">\n<h2>Per class</h2>\n")
        .append("<table class=\"metrics\">\n<tr><th>class</th><th>precision</th><th>recall</th>"
            + "<th>F1</th><th>support</th></tr>\n");
    for (int k = 0; k < e.classes(); k++) {
      h.append(String.format(Locale.ROOT,
          "<tr><th>%d</th><td>%.4f</td><td>%.4f</td><td>%s</td><td>%d</td></tr>\n",
          k, e.precision(k), e.recall(k), bar(e.f1(k)), e.support(k)));
    }
    h.append(String.format(Locale.ROOT,
        "<tr class=\"total\"><th>macro</th><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%d</td></tr>\n",
        e.macroPrecision(), e.macroRecall(), e.macroF1(), e.count()));
    h.append("</table>\n</section>\n");
  }

  private static String bar(double value) {
    return String.format(Locale.ROOT,
        "<span class=\"bar\"><span style=\"width:%.1f%%\"></span></span>%.4f",
        100 * Math.max(0, Math.min(1, value)), value);
  }

  private static void confidence(StringBuilder h, EvaluationSums e) {
    h.append("<section id=\"confidence\" class=\"card\">\n<h2>Confidence</h2>\n")
        .append("<p class=\"muted\">Score of the predicted class, in ")
        .append(EvaluationSums.CONFIDENCE_BINS).append(" bins.</p>\n<figure>")
        .append(Svg.histogram("chart hist-correct", "confidence of correct predictions",
            e.confidenceHistogramCorrect(), TRAIN, 290, 150))
        .append("</figure>\n<figure>")
        .append(Svg.histogram("chart hist-wrong", "confidence of wrong predictions",
            e.confidenceHistogramWrong(), "#dc2626", 290, 150))
        .append("</figure>\n</section>\n");
  }

  private static void worst(StringBuilder h, ReportContent c) {
    List<EvaluationSums.Example> worst = c.evaluation().worst();
    h.append("<section id=\"worst\" class=\"card\">\n<h2>Worst classified</h2>\n")
        .append("<p class=\"muted\">The examples with the lowest score for their true class,"
            + " lowest first: true → predicted label, p(true) / p(predicted).</p>\n");
    if (worst.isEmpty() || c.pictures() == null) {
      h.append("<p class=\"muted\">None recorded.</p>\n</section>\n");
      return;
    }
    int rows = c.imageRows();
    int cols = c.imageCols();
    h.append("<div class=\"gallery\">\n");
    for (EvaluationSums.Example x : worst) {
      String picture = Pictures.dataUri(
          Pictures.grayscale(c.pictures().get(x.index()), 0, rows, cols));
      String caption = c.exampleName().apply(x.index());
      h.append("<figure class=\"example\"><img src=\"").append(picture)
          .append("\" width=\"").append(cols * 2).append("\" height=\"").append(rows * 2)
          .append("\" alt=\"").append(Html.escape(caption)).append("\">")
          .append("<figcaption><b>").append(x.actual()).append(" → <span class=\"")
          .append(x.actual() == x.predicted() ? "ok" : "bad").append("\">")
          .append(x.predicted()).append("</span></b><br>")
          .append(probability(x.trueScore())).append(" / ").append(probability(x.confidence()))
          .append("<br><span class=\"muted\">").append(Html.escape(caption))
          .append("</span></figcaption></figure>\n");
    }
    h.append("</div>\n</section>\n");
  }

  /** Three decimals, or one significant digit below 0.001 (so that 0.0001 is not "0.000"). */
  static String probability(double p) {
    return Math.abs(p) >= 0.001 || p == 0 || !Double.isFinite(p)
        ? String.format(Locale.ROOT, "%.3f", p)
        : String.format(Locale.ROOT, "%.0e", p);
  }

  private static void weights(StringBuilder h, ReportContent c) {
    ParameterLayout layout = c.spec().layout();
    int units = Math.min(WEIGHT_UNITS, layout.hidden());
    h.append("<section id=\"weights\" class=\"card\">\n<h2>First-layer weights</h2>\n");
    if ((long) c.imageRows() * c.imageCols() != layout.inputs()) {
      h.append("<p class=\"muted\">Not drawn: the image size ").append(c.imageRows())
          .append('×').append(c.imageCols()).append(" does not match the ")
          .append(layout.inputs()).append(" inputs.</p>\n</section>\n");
      return;
    }
    h.append("<p class=\"muted\">The weights into hidden units 0–").append(units - 1)
        .append(" of ").append(layout.hidden()).append(", each as a ").append(c.imageRows())
        .append('×').append(c.imageCols()).append(" image scaled to its largest |weight|:"
            + " red positive, blue negative, white zero.</p>\n<div class=\"gallery\">\n");
    for (int u = 0; u < units; u++) {
      String picture = Pictures.dataUri(Pictures.weights(
          c.params(), layout.w1Offset(), layout.hidden(), u, c.imageRows(), c.imageCols()));
      h.append("<figure class=\"unit\"><img src=\"").append(picture).append("\" width=\"")
          .append(c.imageCols() * 2).append("\" height=\"").append(c.imageRows() * 2)
          .append("\" alt=\"hidden unit ").append(u).append("\"><figcaption>").append(u)
          .append("</figcaption></figure>\n");
    }
    h.append("</div>\n</section>\n");
  }

  private static final String CSS = """
      :root { color-scheme: light; }
      * { box-sizing: border-box; }
      body { margin: 0; padding: 20px 24px 32px; background: #f4f5f7; color: #1f2937;
        font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
      h1 { font-size: 24px; margin: 0 0 2px; }
      h2 { font-size: 16px; margin: 0 0 10px; }
      .sub { margin: 0 0 12px; color: #4b5563; word-break: break-all; }
      .muted { color: #6b7280; font-size: 12.5px; margin: 6px 0 0; }
      .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 14px 16px;
        margin: 0 0 14px; }
      .kpis { display: flex; gap: 10px; flex-wrap: wrap; }
      .kpi { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px 14px;
        min-width: 120px; }
      .kpi .v { display: block; font-size: 20px; font-weight: 650; }
      .kpi .k { display: block; font-size: 12px; color: #6b7280; }
      .kpi.main .v { color: #1d4ed8; font-size: 26px; }
      header { margin-bottom: 12px; }
      dl { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 3px 14px;
        margin: 0; font-size: 12.5px; }
      dt { color: #6b7280; }
      dd { margin: 0; word-break: break-all; font-family: ui-monospace, "DejaVu Sans Mono",
        monospace; font-size: 12px; }
      .charts { display: flex; gap: 16px; flex-wrap: wrap; }
      figure { margin: 0; }
      figcaption { font-size: 12px; color: #4b5563; text-align: center; }
      .row { display: flex; flex-wrap: wrap; gap: 0 14px; align-items: flex-start; }
      .row > .card { flex: 0 0 auto; }
      #confusion { width: 380px; }
      #confidence { width: 324px; }
      svg .grid { stroke: #eef0f3; }
      svg .axis { stroke: #9ca3af; }
      svg text { font-size: 11px; fill: #4b5563; }
      svg .label { font-size: 12px; fill: #374151; }
      svg .legend { font-size: 12px; fill: #1f2937; }
      table { border-collapse: collapse; }
      .heat td, .heat th { width: 30px; height: 28px; text-align: center; font-size: 11.5px;
        border: 1px solid #fff; }
      .heat th { color: #4b5563; font-weight: 600; }
      .heat th.corner { font-size: 10px; width: 44px; font-weight: 400; line-height: 1.1; }
      .metrics th, .metrics td { padding: 3px 7px; text-align: right; font-size: 12.5px;
        border-bottom: 1px solid #f0f1f3; font-variant-numeric: tabular-nums; }
      .metrics tr.total th, .metrics tr.total td { border-top: 2px solid #d1d5db; font-weight: 600; }
      .bar { display: inline-block; width: 40px; height: 7px; background: #e5e7eb; margin-right: 6px;
        border-radius: 3px; vertical-align: middle; overflow: hidden; }
      .bar span { display: block; height: 100%; background: #2563eb; }
      .gallery { display: flex; flex-wrap: wrap; gap: 8px; }
      .gallery img { image-rendering: pixelated; display: block; margin: 0 auto;
        border: 1px solid #d1d5db; }
      .example { width: 84px; }
      .example figcaption { line-height: 1.3; margin-top: 3px; }
      .unit figcaption { font-size: 10.5px; }
      .ok { color: #16a34a; }
      .bad { color: #dc2626; }
      footer { color: #9ca3af; font-size: 11.5px; margin-top: 8px; }
      """;
}
