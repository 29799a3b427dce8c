package io.sparkgrad.data;

import java.util.Locale;

/** The two parts of a data set: what the network learns from and what it is measured on. */
public enum Split {
  TRAIN("train", "train"),
  TEST("test", "t10k");

  private final String label;
  private final String filePrefix;

  Split(String label, String filePrefix) {
    this.label = label;
    this.filePrefix = filePrefix;
  }

  /** The name used in the Parquet {@code split} column and on the command line. */
  public String label() {
    return label;
  }

  /** Canonical IDX images file name, e.g. {@code train-images-idx3-ubyte} (without .gz). */
  public String imagesFileName() {
    return filePrefix + "-images-idx3-ubyte";
  }

  /** Canonical IDX labels file name, e.g. {@code t10k-labels-idx1-ubyte} (without .gz). */
  public String labelsFileName() {
    return filePrefix + "-labels-idx1-ubyte";
  }

  /** {@code train} or {@code test} (any case); anything else is refused with the choices. */
  public static Split parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (Split s : values()) {
      if (s.label.equals(t)) {
        return s;
      }
    }
    throw new IllegalArgumentException("split: expected 'train' or 'test'; found '" + text + "'");
  }
}
