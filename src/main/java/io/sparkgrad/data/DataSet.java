package io.sparkgrad.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A loaded data set: both splits, the class count and where the bytes came from.
 *
 * @param source the folder or table it was loaded from
 * @param train the training examples
 * @param test the test examples, same image size as {@code train}
 * @param classes 1..255; every label of both splits is below it
 * @param sha256 SHA-256 (lower-case hex) of every input file as stored, keyed by its name
 *     relative to {@code source}, in the order read; for model provenance
 */
public record DataSet(
    String source, LabeledImages train, LabeledImages test, int classes,
    Map<String, String> sha256) {

  public DataSet {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    Objects.requireNonNull(sha256, "sha256");
    IdxReader.checkClasses(classes);
    IdxReader.checkSameImageSize(source, train.source(), train.imageRows(), train.imageCols(),
        test.source(), test.imageRows(), test.imageCols());
    IdxReader.checkLabels(train.source(), train.labels(), classes);
    IdxReader.checkLabels(test.source(), test.labels(), classes);
    sha256 = Collections.unmodifiableMap(new LinkedHashMap<>(sha256));
  }

  public LabeledImages get(Split split) {
    return split == Split.TRAIN ? train : test;
  }

  /** The class count the labels imply: the largest label of either split, plus one. */
  public static int impliedClasses(LabeledImages train, LabeledImages test) {
    return Math.max(1, Math.max(train.maxLabel(), test.maxLabel()) + 1);
  }
}
