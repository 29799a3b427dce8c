package io.sparkgrad.data;

import io.sparkgrad.io.OutputException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A data set as a Parquet table, one row per example, partitioned by {@code split}:
 *
 * <pre>
 *   split  string  train | test        (partition column: folders split=train/, split=test/)
 *   index  int     0..n−1, the example's position in its split
 *   label  int     0..classes−1
 *   rows   int     image height (the same in every row)
 *   cols   int     image width  (the same in every row)
 *   pixels binary  rows·cols unsigned bytes, row-major
 * </pre>
 *
 * <p>Writing takes each split's examples as its source gives them ({@code prepare}: read by the
 * executors from the IDX files). {@link #read} and {@link #load} collect a split to the driver,
 * which is right for tests and small tools, not for data larger than the driver's memory;
 * training and evaluation read a table through {@link LabeledData#parquet}'s distributed scan.
 */
public final class ParquetData {
  public static final String SPLIT = "split";
  public static final String INDEX = "index";
  public static final String LABEL = "label";
  public static final String ROWS = "rows";
  public static final String COLS = "cols";
  public static final String PIXELS = "pixels";

  /** The table's schema, as written; {@link #read} requires these columns with these types. */
  public static final StructType SCHEMA =
      new StructType(
          new StructField[] {
            DataTypes.createStructField(SPLIT, DataTypes.StringType, false),
            DataTypes.createStructField(INDEX, DataTypes.IntegerType, false),
            DataTypes.createStructField(LABEL, DataTypes.IntegerType, false),
            DataTypes.createStructField(ROWS, DataTypes.IntegerType, false),
            DataTypes.createStructField(COLS, DataTypes.IntegerType, false),
            DataTypes.createStructField(PIXELS, DataTypes.BinaryType, false),
          });

  private ParquetData() {}

  /**
   * Writes both splits of {@code data} to {@code outputPath}, which must not exist. The table is
   * written to a hidden sibling ({@code .NAME.tmp-UUID}) and renamed into place with the Hadoop
   * {@link FileSystem} once complete, so a reader never sees a partial table (on object stores
   * such as S3 a rename is a copy, not atomic). The sibling is deleted if anything fails.
   *
   * <p>This is {@link io.sparkgrad.io.AtomicOutput}'s scheme, kept separate because that
   * class replaces a path that appears while the output is being written; here that path is
   * left alone and the write is refused.
   *
   * @throws OutputException if {@code outputPath} exists, before or after the write
   */
  public static void write(SparkSession spark, DataSet data, String outputPath)
      throws IOException {
    Objects.requireNonNull(data, "data");
    write(spark, Map.of(Split.TRAIN, data.train(), Split.TEST, data.test()), outputPath);
  }

  /**
   * Writes {@code splits} (each split's examples as its source gives them: read by the executors
   * for an {@link IdxSplit}, so nothing of the data set's size passes through the driver) to
   * {@code outputPath} as {@link #write(SparkSession, DataSet, String)} does.
   */
  public static void write(SparkSession spark, Map<Split, ? extends LabeledSplit> splits,
      String outputPath) throws IOException {
    Objects.requireNonNull(spark, "spark");
    Objects.requireNonNull(splits, "splits");
    Objects.requireNonNull(outputPath, "outputPath");
    LabeledSplit train = splits.get(Split.TRAIN);
    LabeledSplit test = splits.get(Split.TEST);
    if (train != null && test != null) {
      // One image size in a table: the readers take it from either split.
      IdxReader.checkSameImageSize(outputPath, train.source(), train.imageRows(),
          train.imageCols(), test.source(), test.imageRows(), test.imageCols());
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path out = new Path(outputPath);
    FileSystem fs = IdxReader.fileSystem(out, conf);
    out = fs.makeQualified(out);
    if (fs.exists(out)) {
      throw new OutputException(OutputException.Reason.EXISTS,
          out + ": output: expected a path that does not exist; found an existing "
              + (fs.getFileStatus(out).isDirectory() ? "folder" : "file")
              + " (remove it or choose another path)");
    }
    Path parent = out.getParent();
    if (parent == null) {
      throw new IllegalArgumentException(
          out + ": output: expected a path below a folder; found the root");
    }
    Path tmp = new Path(parent, "." + out.getName() + ".tmp-" + UUID.randomUUID());

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Runnable> releases = new ArrayList<>();
    boolean renamed = false;
    try {
      JavaRDD<Row> rows = null;
      for (Split split : Split.values()) {
        LabeledSplit source = splits.get(split);
        if (source == null) {
          continue;
        }
        LabeledSplit.Examples examples =
            source.examples(jsc, ExampleSelection.all(source.count()));
        releases.add(examples.release());
        String name = split.label();
        int imageRows = source.imageRows();
        int imageCols = source.imageCols();
        JavaRDD<Row> splitRows = examples.rdd().map(e -> RowFactory.create(
            name, e.index(), e.label(), imageRows, imageCols, e.pixels()));
        rows = rows == null ? splitRows : rows.union(splitRows);
      }
      if (rows == null) {
        throw new IllegalArgumentException(out + ": no split to write");
      }
      spark
          .createDataFrame(rows, SCHEMA)
          .write()
          .mode(SaveMode.ErrorIfExists)
          .partitionBy(SPLIT)
          .parquet(tmp.toString());
      if (fs.exists(out)) {
        throw new OutputException(OutputException.Reason.EXISTS,
            out + ": output: expected a path that does not exist; found one created while the"
                + " table was being written");
      }
      if (!fs.rename(tmp, out)) {
        throw new IOException(tmp + ": could not rename the written table to " + out);
      }
      renamed = true;
    } finally {
      releases.forEach(Runnable::run);
      if (!renamed) {
        fs.delete(tmp, true);
      }
    }
  }

  /** One split with labels checked only against the format's bound (0..254). */
  public static LabeledImages read(SparkSession spark, String path, Split split)
      throws IOException {
    return read(spark, path, split, IdxReader.MAX_CLASSES);
  }

  /**
   * One split of a table written by {@link #write}, ordered by {@code index}, collected to the
   * driver. Refuses a schema that differs from {@link #SCHEMA} (naming the column, the expected
   * and the found type), a split with no rows, indices that are not exactly 0..n−1, images of
   * differing sizes, pixel arrays of the wrong length and labels outside 0..classes−1.
   *
   * @param classes 1..255, or 0 to take the largest label of either split + 1
   */
  public static LabeledImages read(SparkSession spark, String path, Split split, int classes)
      throws IOException {
    Objects.requireNonNull(spark, "spark");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(split, "split");
    IdxReader.checkClasses(classes);
    Table opened = table(spark, path);
    Path table = opened.path();
    Dataset<Row> df = opened.frame();

    List<Row> rows =
        df.where(functions.col(SPLIT).equalTo(split.label()))
            .select(INDEX, LABEL, ROWS, COLS, PIXELS)
            .orderBy(INDEX) // a bad row is reported by its index, whatever the files' order
            .collectAsList();
    String source = table + " " + SPLIT + "=" + split.label();
    int n = rows.size();
    if (n == 0) {
      List<String> present = new ArrayList<>();
      for (Row r : df.select(SPLIT).distinct().collectAsList()) {
        present.add(String.valueOf(r.get(0)));
      }
      throw DataFormatException.of(
          table, "split '" + split.label() + "'", "at least one row",
          "none (splits present: " + present + ")");
    }
    Row first = rows.get(0);
    int imageRows = intOf(source, first, 2, ROWS);
    int imageCols = intOf(source, first, 3, COLS);
    if (imageRows < 1 || imageCols < 1
        || (long) imageRows * imageCols * n > IdxReader.MAX_ARRAY_BYTES) {
      throw DataFormatException.of(
          source, "rows×cols", "positive sizes with rows·cols·" + n + " ≤ "
              + IdxReader.MAX_ARRAY_BYTES, imageRows + "×" + imageCols);
    }
    int features = imageRows * imageCols;
    byte[] pixels = new byte[n * features];
    byte[] labels = new byte[n];
    BitSet seen = new BitSet(n);
    for (Row row : rows) {
      int index = intOf(source, row, 0, INDEX);
      if (index < 0 || index >= n) {
        throw DataFormatException.of(
            source, "column '" + INDEX + "'",
            "0.." + (n - 1) + " (" + n + " rows, each index once, no gaps)", index);
      }
      if (seen.get(index)) {
        throw DataFormatException.of(
            source, "column '" + INDEX + "'", "each of 0.." + (n - 1) + " once",
            index + " twice");
      }
      seen.set(index);
      String at = "row with index " + index + ": column '";
      int label = intOf(source, row, 1, LABEL);
      if (label < 0 || label >= classes) {
        throw DataFormatException.of(
            source, at + LABEL + "'", "0.." + (classes - 1) + " (" + classes + " classes)", label);
      }
      int r = intOf(source, row, 2, ROWS);
      int c = intOf(source, row, 3, COLS);
      if (r != imageRows || c != imageCols) {
        throw DataFormatException.of(
            source, at + ROWS + "'×'" + COLS + "'",
            imageRows + "×" + imageCols + " (as in the first row)", r + "×" + c);
      }
      byte[] image = row.isNullAt(4) ? null : (byte[]) row.get(4);
      if (image == null || image.length != features) {
        throw DataFormatException.of(
            source, at + PIXELS + "'", features + " bytes (" + imageRows + "×" + imageCols + ")",
            image == null ? "null" : image.length + " bytes");
      }
      System.arraycopy(image, 0, pixels, index * features, features);
      labels[index] = (byte) label;
    }
    return new LabeledImages(source, imageRows, imageCols, pixels, labels);
  }

  /**
   * Both splits of a Parquet table or an IDX folder ({@link DataSetFormat#detect}), with the
   * class count the labels imply (the largest label of either split + 1). For a table the
   * SHA-256s are those of its {@code .parquet} files, keyed by their path inside the table.
   */
  public static DataSet load(SparkSession spark, String path) throws IOException {
    return loadEither(spark, path, 0);
  }

  /**
   * Both splits of a Parquet table or an IDX folder ({@link DataSetFormat#detect}), every label
   * checked to be below {@code classes}.
   *
   * @param classes 1..255, or 0 to take the largest label of either split + 1
   */
  public static DataSet load(SparkSession spark, String path, int classes) throws IOException {
    if (classes != 0) {
      IdxReader.checkClasses(classes);
    }
    return loadEither(spark, path, classes);
  }

  /** {@code classes} 0: decided from the labels. */
  private static DataSet loadEither(SparkSession spark, String path, int classes)
      throws IOException {
    Objects.requireNonNull(spark, "spark");
    Objects.requireNonNull(path, "path");
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path p = new Path(path);
    if (DataSetFormat.detect(p, conf) == DataSetFormat.IDX_FOLDER) {
      return DataSetFolder.at(p, conf).loadBoth(classes);
    }
    int bound = classes == 0 ? IdxReader.MAX_CLASSES : classes;
    LabeledImages train = read(spark, path, Split.TRAIN, bound);
    LabeledImages test = read(spark, path, Split.TEST, bound);
    int decided = classes == 0 ? DataSet.impliedClasses(train, test) : classes;
    FileSystem fs = IdxReader.fileSystem(p, conf);
    Path table = fs.getFileStatus(p).getPath();
    return new DataSet(table.toString(), train, test, decided, parquetDigests(fs, table, conf));
  }

  /** A Parquet table opened for a distributed scan: its frame and its data files. */
  record Table(Path path, Dataset<Row> frame, List<Path> files, List<String> fileNames) {}

  /** Opens the table at {@code path}, checking it is one and that its schema is right. */
  static Table table(SparkSession spark, String path) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path table = new Path(path);
    FileSystem fs = IdxReader.fileSystem(table, conf);
    try {
      table = fs.getFileStatus(table).getPath();
    } catch (FileNotFoundException e) {
      throw new DataFormatException(path + ": Parquet table not found", e);
    }
    if (DataSetFormat.detect(table, conf) != DataSetFormat.PARQUET_TABLE) {
      throw DataFormatException.of(table, "data set", "a Parquet table", "an IDX folder");
    }
    Dataset<Row> df = open(spark, table);
    checkSchema(table, df.schema());
    String prefix = table.toUri().getPath();
    java.util.TreeMap<String, Path> byName = new java.util.TreeMap<>();
    RemoteIterator<LocatedFileStatus> listing = fs.listFiles(table, true);
    while (listing.hasNext()) {
      FileStatus f = listing.next();
      if (f.getPath().getName().endsWith(".parquet")) {
        byName.put(f.getPath().toUri().getPath().substring(prefix.length() + 1), f.getPath());
      }
    }
    return new Table(table, df, new ArrayList<>(byName.values()),
        new ArrayList<>(byName.keySet()));
  }

  private static Map<String, String> parquetDigests(FileSystem fs, Path table, Configuration conf)
      throws IOException {
    String prefix = table.toUri().getPath();
    List<String> names = new ArrayList<>();
    Map<String, Path> byName = new LinkedHashMap<>();
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(table, true);
    while (files.hasNext()) {
      FileStatus f = files.next();
      String relative = f.getPath().toUri().getPath().substring(prefix.length() + 1);
      if (f.getPath().getName().endsWith(".parquet")) {
        names.add(relative);
        byName.put(relative, f.getPath());
      }
    }
    names.sort(null);
    Map<String, String> sha256 = new LinkedHashMap<>();
    for (String name : names) {
      sha256.put(name, IdxReader.sha256(byName.get(name), conf));
    }
    return sha256;
  }

  /** Opens a table and checks its columns against {@link #SCHEMA} (predict reads it too). */
  public static Dataset<Row> openChecked(SparkSession spark, Path table) {
    Dataset<Row> df = open(spark, table);
    checkSchema(table, df.schema());
    return df;
  }

  private static Dataset<Row> open(SparkSession spark, Path table) {
    checkRegularFiles(table, spark.sparkContext().hadoopConfiguration());
    try {
      return spark.read().parquet(table.toString());
    } catch (Exception e) {
      if (e instanceof AnalysisException) {
        throw new DataFormatException(
            table + ": expected a Parquet table; Spark cannot read it: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  /**
   * Every file of a table is a regular file: Spark's reader would block forever on a FIFO part
   * file (only local file systems have them, so only those are walked).
   */
  private static void checkRegularFiles(Path table, Configuration conf) {
    try {
      FileSystem fs = IdxReader.fileSystem(table, conf);
      if (!"file".equals(fs.makeQualified(table).toUri().getScheme())) {
        return;
      }
      try (java.util.stream.Stream<java.nio.file.Path> files =
          java.nio.file.Files.walk(java.nio.file.Paths.get(fs.makeQualified(table).toUri()))) {
        for (java.nio.file.Path file : (Iterable<java.nio.file.Path>) files::iterator) {
          if (java.nio.file.Files.isDirectory(file)) {
            continue;
          }
          String special = io.sparkgrad.io.RegularFiles.whatIfNotRegular(file);
          if (special != null) {
            throw DataFormatException.of(file.toString(), "file type",
                "a file of a Parquet table (a regular file)", special);
          }
        }
      }
    } catch (IOException e) {
      throw new DataFormatException(table + ": cannot list the table's files: " + e, e);
    }
  }

  private static void checkSchema(Path table, StructType found) {
    for (StructField expected : SCHEMA.fields()) {
      StructField actual = null;
      for (StructField f : found.fields()) {
        if (f.name().equals(expected.name())) {
          actual = f;
        }
      }
      if (actual == null) {
        throw DataFormatException.of(
            table, "column '" + expected.name() + "'",
            "type " + expected.dataType().simpleString(),
            "no such column (columns: " + String.join(", ", found.fieldNames()) + ")");
      }
      DataType type = actual.dataType();
      if (!type.equals(expected.dataType())) {
        throw DataFormatException.of(
            table, "column '" + expected.name() + "'",
            "type " + expected.dataType().simpleString(), "type " + type.simpleString());
      }
    }
  }

  /** The int in {@code field} of {@code row}; a null is refused, naming the source and column. */
  public static int intOf(String source, Row row, int field, String column) {
    if (row.isNullAt(field)) {
      throw DataFormatException.of(source, "column '" + column + "'", "an int", "null");
    }
    return row.getInt(field);
  }
}
