package io.sparkgrad.data;

import java.io.Serializable;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import scala.Tuple2;

/**
 * One split of labelled images held in a Spark DataFrame: a Parquet table's split, or a
 * DataFrame the user's own application built. Read through Spark SQL's distributed scan; the
 * driver learns the count and the labels' range from aggregations.
 *
 * <p>Columns: a label (any integer type, 0..254), the pixels (binary: one unsigned byte a pixel;
 * or an array of float or double in [0, 1], stored as the byte round(x·255), so x = k/255 gives
 * exactly the network's input k/255), and optionally an index (int, each of 0..n−1 once, the
 * example's position). Without an index column the examples are numbered in the DataFrame's
 * own row order, which must then be deterministic (a DataFrame read from files is).
 */
public final class FrameSplit implements LabeledSplit {
  private final String source;
  private final Dataset<Row> frame;
  private final String indexColumn;
  private final int imageRows;
  private final int imageCols;
  private final int count;
  private final int maxLabel;

  private FrameSplit(String source, Dataset<Row> frame, String indexColumn, int imageRows,
      int imageCols, int count, int maxLabel) {
    this.source = source;
    this.frame = frame;
    this.indexColumn = indexColumn;
    this.imageRows = imageRows;
    this.imageCols = imageCols;
    this.count = count;
    this.maxLabel = maxLabel;
  }

  /**
   * The examples of {@code frame}: a label column and a pixels column of {@code imageRows ×
   * imageCols} values (binary, or an array of float/double in [0, 1]), numbered in row order.
   * Runs one aggregation to count the rows and check the labels.
   */
  public static FrameSplit of(Dataset<Row> frame, String labelColumn, String pixelsColumn,
      int imageRows, int imageCols, String source) {
    return create(frame, null, labelColumn, pixelsColumn, imageRows, imageCols, source);
  }

  /** As {@link #of}, numbered by {@code indexColumn} (each of 0..n−1 once, checked). */
  public static FrameSplit indexed(Dataset<Row> frame, String indexColumn, String labelColumn,
      String pixelsColumn, int imageRows, int imageCols, String source) {
    return create(frame, indexColumn, labelColumn, pixelsColumn, imageRows, imageCols, source);
  }

  private static FrameSplit create(Dataset<Row> frame, String indexColumn, String labelColumn,
      String pixelsColumn, int imageRows, int imageCols, String source) {
    Objects.requireNonNull(frame, "frame");
    Objects.requireNonNull(source, "source");
    if (imageRows < 1 || imageCols < 1) {
      throw new IllegalArgumentException(source + ": image size: expected positive rows and "
          + "columns; found " + imageRows + "×" + imageCols);
    }
    checkType(source, frame, labelColumn, "an integer type", t -> t == DataTypes.IntegerType
        || t == DataTypes.LongType || t == DataTypes.ShortType || t == DataTypes.ByteType);
    checkType(source, frame, pixelsColumn, "binary, array<float> or array<double>",
        t -> t == DataTypes.BinaryType || (t instanceof ArrayType a
            && (a.elementType() == DataTypes.FloatType
                || a.elementType() == DataTypes.DoubleType)));
    if (indexColumn != null) {
      checkType(source, frame, indexColumn, "int", t -> t == DataTypes.IntegerType);
    }
    Column label = functions.col(labelColumn).cast(DataTypes.LongType);
    Column[] columns = indexColumn == null
        ? new Column[] {label.as("label"), functions.col(pixelsColumn).as("pixels")}
        : new Column[] {functions.col(indexColumn).as("index"), label.as("label"),
            functions.col(pixelsColumn).as("pixels")};
    Dataset<Row> selected = frame.select(columns);
    Row stats = (indexColumn == null
        ? selected.agg(functions.count(functions.lit(1)), functions.min("label"),
            functions.max("label"), functions.lit(0), functions.lit(0), functions.lit(0))
        : selected.agg(functions.count(functions.lit(1)), functions.min("label"),
            functions.max("label"), functions.min("index"), functions.max("index"),
            functions.countDistinct(functions.col("index")))).first();
    long n = stats.getLong(0);
    if (n == 0) {
      throw DataFormatException.of(source, "rows", "at least one example", "none");
    }
    if (n > Integer.MAX_VALUE) {
      throw DataFormatException.of(source, "rows", "at most " + Integer.MAX_VALUE, n);
    }
    long min = stats.isNullAt(1) ? -1 : stats.getLong(1);
    long max = stats.isNullAt(2) ? -1 : stats.getLong(2);
    if (min < 0 || max >= IdxReader.MAX_CLASSES) {
      throw DataFormatException.of(source, "column '" + labelColumn + "'",
          "labels in 0.." + (IdxReader.MAX_CLASSES - 1) + ", none null",
          "labels from " + min + " to " + max);
    }
    if (indexColumn != null) {
      long first = ((Number) stats.get(3)).longValue();
      long last = ((Number) stats.get(4)).longValue();
      long distinct = ((Number) stats.get(5)).longValue();
      if (first != 0 || last != n - 1 || distinct != n) {
        throw DataFormatException.of(source, "column '" + indexColumn + "'",
            "each of 0.." + (n - 1) + " once (" + n + " rows)",
            distinct + " distinct values from " + first + " to " + last);
      }
    }
    return new FrameSplit(source, selected, indexColumn, imageRows, imageCols, (int) n,
        (int) max);
  }

  private interface TypeCheck extends Serializable {
    boolean accepts(DataType type);
  }

  private static void checkType(String source, Dataset<Row> frame, String column,
      String expected, TypeCheck check) {
    Objects.requireNonNull(column, "column");
    StructField field = null;
    for (StructField f : frame.schema().fields()) {
      if (f.name().equals(column)) {
        field = f;
      }
    }
    if (field == null) {
      throw DataFormatException.of(source, "column '" + column + "'", expected,
          "no such column (columns: " + String.join(", ", frame.schema().fieldNames()) + ")");
    }
    if (!check.accepts(field.dataType())) {
      throw DataFormatException.of(source, "column '" + column + "'", expected,
          "type " + field.dataType().simpleString());
    }
  }

  @Override
  public String source() {
    return source;
  }

  @Override
  public int count() {
    return count;
  }

  @Override
  public int imageRows() {
    return imageRows;
  }

  @Override
  public int imageCols() {
    return imageCols;
  }

  /** The largest label (from the aggregation that counted the rows). */
  public int maxLabel() {
    return maxLabel;
  }

  @Override
  public Examples examples(JavaSparkContext jsc, ExampleSelection selection) {
    if (selection.splitCount() != count) {
      throw new IllegalArgumentException(source + ": selection of " + selection.splitCount()
          + " examples for " + count);
    }
    String source = this.source;
    int features = imageRows * imageCols;
    JavaRDD<Tuple2<Row, Long>> numbered = indexColumn == null
        ? frame.toJavaRDD().zipWithIndex().map(t -> t)
        : frame.toJavaRDD().map(row -> new Tuple2<>(row, (long) row.getInt(0)));
    int offset = indexColumn == null ? 0 : 1;
    JavaRDD<Example> rdd = numbered
        .map(t -> {
          int index = selection.indexOf((int) (long) t._2());
          return index < 0 ? null : toExample(source, t._1(), offset, index, (int) (long) t._2(),
              features);
        })
        .filter(Objects::nonNull);
    return new Examples(rdd, () -> { });
  }

  private static Example toExample(String source, Row row, int offset, int index, int position,
      int features) {
    String at = "row " + position + ": column '";
    int label = (int) row.getLong(offset);
    Object value = row.get(offset + 1);
    byte[] pixels;
    if (value instanceof byte[] bytes) {
      pixels = bytes;
    } else if (value instanceof scala.collection.Seq<?> seq) {
      pixels = new byte[seq.length()];
      for (int i = 0; i < pixels.length; i++) {
        Object element = seq.apply(i);
        double x = element == null ? Double.NaN : ((Number) element).doubleValue();
        if (!(x >= 0 && x <= 1)) {
          throw DataFormatException.of(source, at + "pixels'", "values in [0, 1]",
              "pixel " + i + " = " + x);
        }
        pixels[i] = (byte) Math.round(x * 255);
      }
    } else {
      throw DataFormatException.of(source, at + "pixels'", features + " values", "null");
    }
    if (pixels.length != features) {
      throw DataFormatException.of(source, at + "pixels'", features + " values",
          pixels.length + " values");
    }
    return new Example(index, label, pixels);
  }
}
