package io.sparkgrad.data;

/**
 * Two splits of one image size read as one: the examples of {@code first}, then those of
 * {@code second} with indices shifted by {@code first.count()} (e.g. "train+test").
 */
public record ConcatSplit(String source, LabeledSplit first, LabeledSplit second)
    implements LabeledSplit {

  public ConcatSplit {
    if (first.imageRows() != second.imageRows() || first.imageCols() != second.imageCols()) {
      throw new DataFormatException(source + ": image size: expected the same rows×cols in "
          + first.source() + " and " + second.source() + "; found " + first.imageRows() + "×"
          + first.imageCols() + " and " + second.imageRows() + "×" + second.imageCols());
    }
    if ((long) first.count() + second.count() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(source + ": more than " + Integer.MAX_VALUE
          + " examples");
    }
  }

  @Override
  public int count() {
    return first.count() + second.count();
  }

  @Override
  public int imageRows() {
    return first.imageRows();
  }

  @Override
  public int imageCols() {
    return first.imageCols();
  }

  /** Only the whole of both splits (what evaluation reads). */
  @Override
  public Examples examples(
      org.apache.spark.api.java.JavaSparkContext jsc, ExampleSelection selection) {
    if (selection.size() != count() || selection.splitCount() != count()) {
      throw new IllegalArgumentException(source + ": expected a selection of all " + count()
          + " examples; found " + selection.size() + " of " + selection.splitCount());
    }
    Examples a = first.examples(jsc, ExampleSelection.all(first.count()));
    Examples b = second.examples(jsc, ExampleSelection.all(second.count()));
    int shift = first.count();
    return new Examples(
        a.rdd().union(b.rdd().map(e -> new Example(e.index() + shift, e.label(), e.pixels()))),
        () -> {
          a.release().run();
          b.release().run();
        });
  }
}
