package io.sparkgrad.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Inline SVG charts (no scripts, no external references): line charts and bar histograms. */
final class Svg {
  private static final int LEFT = 56;
  private static final int RIGHT = 14;
  private static final int TOP = 30;
  private static final int BOTTOM = 38;

  private Svg() {}

  /** One line: points (x[i], y[i]); non-finite y values are gaps. */
  record Series(String name, String color, boolean dashed, double[] x, double[] y) {}

  /**
   * A line chart of {@code series} over x (epochs: integer ticks). {@code percent} formats the
   * y axis as percentages of fractions.
   */
  static String lineChart(
      String cssClass, String xLabel, String yLabel, List<Series> series, boolean percent,
      int width, int height) {
    double xMin = Double.POSITIVE_INFINITY;
    double xMax = Double.NEGATIVE_INFINITY;
    double yMin = Double.POSITIVE_INFINITY;
    double yMax = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        if (Double.isFinite(s.y()[i])) {
          xMin = Math.min(xMin, s.x()[i]);
          xMax = Math.max(xMax, s.x()[i]);
          yMin = Math.min(yMin, s.y()[i]);
          yMax = Math.max(yMax, s.y()[i]);
        }
      }
    }
    StringBuilder svg = open(cssClass, width, height);
    if (!Double.isFinite(xMin)) {
      svg.append(text(width / 2.0, height / 2.0, "middle", "no data", "muted"));
      return svg.append("</svg>").toString();
    }
    if (xMax == xMin) {
      xMin -= 0.5;
      xMax += 0.5;
    }
    double pad = Math.max((yMax - yMin) * 0.08, percent ? 0.002 : Math.abs(yMax) * 0.05 + 1e-6);
    double lo = yMin - pad;
    double hi = yMax + pad;
    if (percent) {
      lo = Math.max(0, lo);
      hi = Math.min(1, hi);
    } else if (yMin >= 0) {
      lo = Math.max(0, lo);
    }
    double[] yTicks = ticks(lo, hi, 5);
    lo = Math.min(lo, yTicks[0]);
    hi = Math.max(hi, yTicks[yTicks.length - 1]);
    Frame f = new Frame(width, height, xMin, xMax, lo, hi);
    // Grid and y ticks
    for (double t : yTicks) {
      double y = f.y(t);
      svg.append(line(LEFT, y, width - RIGHT, y, "grid"));
      svg.append(text(LEFT - 6, y + 4, "end",
          percent ? Html.tick(Math.round(t * 1e6) / 1e4) + "%" : Html.tick(t), "tick"));
    }
    // x ticks: integers (epochs), at most about 10 labels
    int first = (int) Math.ceil(xMin);
    int last = (int) Math.floor(xMax);
    int step = Math.max(1, (int) Math.ceil((last - first + 1) / 10.0));
    for (int x = first; x <= last; x += step) {
      double px = f.x(x);
      svg.append(line(px, height - BOTTOM, px, height - BOTTOM + 4, "axis"));
      svg.append(text(px, height - BOTTOM + 16, "middle", Integer.toString(x), "tick"));
    }
    svg.append(line(LEFT, height - BOTTOM, width - RIGHT, height - BOTTOM, "axis"));
    svg.append(line(LEFT, TOP, LEFT, height - BOTTOM, "axis"));
    svg.append(text((LEFT + width - RIGHT) / 2.0, height - 6, "middle", xLabel, "label"));
    svg.append(String.format(Locale.ROOT,
        "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" class=\"label\""
            + " transform=\"rotate(-90 14 %.1f)\">%s</text>",
        (TOP + height - BOTTOM) / 2.0, (TOP + height - BOTTOM) / 2.0, Html.escape(yLabel)));
    // Lines, points and legend
    double legendX = LEFT + 8;
    for (Series s : series) {
      StringBuilder path = new StringBuilder();
      boolean pen = false;
      List<String> dots = new ArrayList<>();
      for (int i = 0; i < s.x().length; i++) {
        if (!Double.isFinite(s.y()[i])) {
          pen = false;
          continue;
        }
        double px = f.x(s.x()[i]);
        double py = f.y(s.y()[i]);
        path.append(String.format(Locale.ROOT, "%s%.1f %.1f ", pen ? "L" : "M", px, py));
        pen = true;
        dots.add(String.format(Locale.ROOT,
            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\"/>", px, py, s.color()));
      }
      if (path.length() == 0) {
        continue;
      }
      svg.append(String.format(Locale.ROOT,
          "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>",
          path.toString().trim(), s.color(), s.dashed() ? " stroke-dasharray=\"5 3\"" : ""));
      dots.forEach(svg::append);
      svg.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"14\" stroke=\"%s\" stroke-width=\"2.5\"%s/>",
          legendX, legendX + 16, s.color(), s.dashed() ? " stroke-dasharray=\"5 3\"" : ""));
      svg.append(text(legendX + 20, 18, "start", s.name(), "legend"));
      legendX += 34 + 7.2 * s.name().length();
    }
    return svg.append("</svg>").toString();
  }

  /** Vertical bars of {@code counts} over [0, 1] in equal bins, with the count above each bar. */
  static String histogram(String cssClass, String xLabel, long[] counts, String color,
      int width, int height) {
    StringBuilder svg = open(cssClass, width, height);
    long max = 0;
    for (long c : counts) {
      max = Math.max(max, c);
    }
    double[] yTicks = ticks(0, Math.max(1, max), 4);
    double top = Math.max(max, yTicks[yTicks.length - 1]);
    Frame f = new Frame(width, height, 0, 1, 0, top);
    for (double t : yTicks) {
      double y = f.y(t);
      svg.append(line(LEFT, y, width - RIGHT, y, "grid"));
      svg.append(text(LEFT - 6, y + 4, "end", Html.tick(t), "tick"));
    }
    double binWidth = 1.0 / counts.length;
    for (int b = 0; b < counts.length; b++) {
      double x0 = f.x(b * binWidth) + 1;
      double x1 = f.x((b + 1) * binWidth) - 1;
      double y = f.y(counts[b]);
      svg.append(String.format(Locale.ROOT,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s–%s:"
              + " %d</title></rect>",
          x0, y, Math.max(0.5, x1 - x0), height - BOTTOM - y, color,
          Html.tick(b * binWidth), Html.tick((b + 1) * binWidth), counts[b]));
    }
    for (int i = 0; i <= 4; i++) {
      double px = f.x(i / 4.0);
      svg.append(line(px, height - BOTTOM, px, height - BOTTOM + 4, "axis"));
      svg.append(text(px, height - BOTTOM + 16, "middle", Html.tick(i / 4.0), "tick"));
    }
    svg.append(line(LEFT, height - BOTTOM, width - RIGHT, height - BOTTOM, "axis"));
    svg.append(line(LEFT, TOP, LEFT, height - BOTTOM, "axis"));
    svg.append(text((LEFT + width - RIGHT) / 2.0, height - 6, "middle", xLabel, "label"));
    return svg.append("</svg>").toString();
  }

  /** About {@code n} round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
  static double[] ticks(double lo, double hi, int n) {
    double range = hi - lo;
    if (!(range > 0)) {
      return new double[] {lo};
    }
    double raw = range / n;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = magnitude;
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * magnitude >= raw) {
        step = m * magnitude;
        break;
      }
    }
    double start = Math.floor(lo / step + 1e-9) * step;
    double end = Math.ceil(hi / step - 1e-9) * step;
    int count = (int) Math.round((end - start) / step) + 1;
    double[] ticks = new double[count];
    for (int i = 0; i < count; i++) {
      ticks[i] = start + i * step;
    }
    return ticks;
  }

  private record Frame(int width, int height, double xMin, double xMax, double yMin, double yMax) {
    double x(double value) {
      return LEFT + (value - xMin) / (xMax - xMin) * (width - LEFT - RIGHT);
    }

    double y(double value) {
      return height - BOTTOM - (value - yMin) / (yMax - yMin) * (height - TOP - BOTTOM);
    }
  }

  private static StringBuilder open(String cssClass, int width, int height) {
    return new StringBuilder(String.format(Locale.ROOT,
        "<svg class=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
        Html.escape(cssClass), width, height, width, height));
  }

  private static String line(double x1, double y1, double x2, double y2, String cssClass) {
    return String.format(Locale.ROOT,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>",
        x1, y1, x2, y2, cssClass);
  }

  private static String text(double x, double y, String anchor, String text, String cssClass) {
    return String.format(Locale.ROOT,
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">%s</text>",
        x, y, anchor, cssClass, Html.escape(text));
  }
}
