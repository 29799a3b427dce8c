package io.sparkgrad.export;

import java.util.Locale;

/** The file formats {@code sparkgrad export} writes. */
public enum ExportFormat {
  /** numpy: a zip of {@code .npy} arrays and {@code meta.json} ({@link NpzExport}). */
  NPZ,
  /** ONNX: a float32 graph Gemm → activation → Gemm → Softmax ({@link OnnxExport}). */
  ONNX;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code npz} or {@code onnx}, any case; anything else is refused with the choices. */
  public static ExportFormat parse(String key, String value) {
    for (ExportFormat format : values()) {
      if (format.label().equalsIgnoreCase(value.trim())) {
        return format;
      }
    }
    throw new IllegalArgumentException(key + ": expected one of npz, onnx; found '" + value + "'");
  }

  /** The format a file name's extension names ({@code .npz}, {@code .onnx}), or null. */
  public static ExportFormat ofFileName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (ExportFormat format : values()) {
      if (lower.endsWith("." + format.label())) {
        return format;
      }
    }
    return null;
  }
}
