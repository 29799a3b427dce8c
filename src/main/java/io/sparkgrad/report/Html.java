package io.sparkgrad.report;

import java.util.Locale;

/** Text for HTML: escaping and the number formats of the report. */
final class Html {
  private Html() {}

  /**
   * Escapes {@code &}, {@code <}, {@code >}, {@code "} and {@code '}, so the result is safe as
   * element text and inside a quoted attribute value.
   */
  static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** {@code 0.98765} → {@code 98.77%}; NaN → an en dash. */
  static String percent(double fraction) {
    return Double.isFinite(fraction)
        ? String.format(Locale.ROOT, "%.2f%%", 100 * fraction)
        : "–";
  }

  /** Four decimals; NaN → an en dash. */
  static String decimal(double value) {
    return Double.isFinite(value) ? String.format(Locale.ROOT, "%.4f", value) : "–";
  }

  /** Shortest of {@code %.3g}-like text for axis labels. */
  static String tick(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e6) {
      return Long.toString((long) value);
    }
    String text = String.format(Locale.ROOT, "%.4f", value);
    text = text.replaceAll("0+$", "");
    return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
  }
}
