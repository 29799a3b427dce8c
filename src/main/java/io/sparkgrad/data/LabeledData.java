package io.sparkgrad.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * A data set as the trainer, the evaluator and the predictor take it: two splits read by the
 * executors ({@link LabeledSplit}), the class count and the provenance fingerprints. The driver
 * holds their sizes, never their examples.
 *
 * @param source the folder or table it was read from
 * @param classes 1..255; every label of both splits is below it
 * @param sha256 fingerprint of every input file ({@link FileDigests}), keyed by its name relative
 *     to {@code source}, in the order read; for model provenance
 */
public record LabeledData(
    String source, LabeledSplit train, LabeledSplit test, int classes,
    Map<String, String> sha256) {

  public LabeledData {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    IdxReader.checkClasses(classes);
    IdxReader.checkSameImageSize(source, train.source(), train.imageRows(), train.imageCols(),
        test.source(), test.imageRows(), test.imageCols());
    // Fingerprints that the reads of the examples complete are settled when first looked at.
    sha256 = sha256 instanceof Fingerprints
        ? sha256 : Collections.unmodifiableMap(new LinkedHashMap<>(sha256));
  }

  /** A data set already in the driver's memory (tests, small tools). */
  public static LabeledData of(DataSet data) {
    return new LabeledData(data.source(), data.train(), data.test(), data.classes(),
        data.sha256());
  }

  public LabeledSplit get(Split split) {
    return split == Split.TRAIN ? train : test;
  }

  /**
   * An IDX folder's splits, their headers already read ({@link IdxSplit#open}): the labels are
   * checked, the class count decided and the fingerprints computed by one distributed pass over
   * the files ({@link IdxFolderPass}), except those its writer recorded for files unchanged since
   * ({@link FingerprintManifest}: {@code expand}'s output), and those of the raw files that the tasks reading the
   * examples read whole: those tasks hash them on the way ({@link IdxSplit#filesHashedWhenRead}),
   * and the fingerprints are complete once the examples have been read ({@link Fingerprints}).
   *
   * @param classes 1..255, or 0 to take the largest label of either split + 1
   */
  public static LabeledData idx(JavaSparkContext jsc, DataSetFolder folder, IdxSplit train,
      IdxSplit test, int classes, Configuration conf) throws IOException {
    int bound = classes == 0 ? IdxReader.MAX_CLASSES : classes;
    List<Path> files = new ArrayList<>(train.files());
    files.addAll(test.files());
    Set<String> hashedWhenRead = new HashSet<>();
    for (IdxSplit split : List.of(train, test)) {
      for (Path file : split.filesHashedWhenRead()) {
        hashedWhenRead.add(file.toString());
      }
    }
    Map<String, String> recorded = FingerprintManifest.stillValid(
        IdxReader.fileSystem(folder.folder(), conf), folder.folder(), files);
    List<String> names = new ArrayList<>();
    List<Path> passFiles = new ArrayList<>();
    List<String> passNames = new ArrayList<>();
    Map<String, Path> deferred = new LinkedHashMap<>();
    for (Path file : files) {
      names.add(file.getName());
      if (recorded.containsKey(file.getName())) {
        continue;
      }
      if (hashedWhenRead.contains(file.toString())) {
        deferred.put(file.getName(), file);
      } else {
        passFiles.add(file);
        passNames.add(file.getName());
      }
    }
    IdxFolderPass.Result pass =
        IdxFolderPass.run(jsc, conf, passFiles, passNames, List.of(train, test), bound);
    Map<String, String> known = new LinkedHashMap<>(recorded);
    known.putAll(pass.sha256());
    return new LabeledData(folder.folder().toString(), train, test,
        classes == 0 ? Math.max(1, pass.maxLabel() + 1) : classes,
        new Fingerprints(jsc, conf, names, known, deferred,
            List.of(train.readDigests(), test.readDigests())));
  }

  /** Opens an IDX folder (headers on the driver) and reads it as {@link #idx} does. */
  public static LabeledData idx(JavaSparkContext jsc, Path folder, int classes,
      Configuration conf) throws IOException {
    DataSetFolder opened = DataSetFolder.at(folder, conf);
    return idx(jsc, opened, IdxSplit.open(opened, Split.TRAIN, conf),
        IdxSplit.open(opened, Split.TEST, conf), classes, conf);
  }

  /**
   * A Parquet table written by {@link ParquetData#write}, read through Spark SQL's distributed
   * scan; the fingerprints are those of its {@code .parquet} files.
   *
   * @param classes 1..255, or 0 to take the largest label of either split + 1
   */
  public static LabeledData parquet(SparkSession spark, String path, int classes)
      throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    ParquetData.Table table = ParquetData.table(spark, path);
    FrameSplit[] splits = new FrameSplit[2];
    for (Split split : Split.values()) {
      Dataset<Row> rows = table.frame().where(
          functions.col(ParquetData.SPLIT).equalTo(split.label()));
      String source = table.path() + " " + ParquetData.SPLIT + "=" + split.label();
      Row size = rows.agg(functions.min(ParquetData.ROWS), functions.max(ParquetData.ROWS),
          functions.min(ParquetData.COLS), functions.max(ParquetData.COLS)).first();
      if (size.isNullAt(0)) {
        throw DataFormatException.of(table.path(), "split '" + split.label() + "'",
            "at least one row", "none");
      }
      if (size.getInt(0) != size.getInt(1) || size.getInt(2) != size.getInt(3)) {
        throw DataFormatException.of(source, "columns 'rows'×'cols'",
            "one image size in every row", "rows " + size.getInt(0) + ".." + size.getInt(1)
                + ", cols " + size.getInt(2) + ".." + size.getInt(3));
      }
      splits[split.ordinal()] = FrameSplit.indexed(rows, ParquetData.INDEX, ParquetData.LABEL,
          ParquetData.PIXELS, size.getInt(0), size.getInt(2), source);
    }
    int maxLabel = Math.max(splits[0].maxLabel(), splits[1].maxLabel());
    if (classes != 0 && maxLabel >= classes) {
      throw DataFormatException.of(table.path(), "column '" + ParquetData.LABEL + "'",
          "0.." + (classes - 1) + " (" + classes + " classes)", "label " + maxLabel);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return new LabeledData(table.path().toString(), splits[0], splits[1],
        classes == 0 ? Math.max(1, maxLabel + 1) : classes,
        FileDigests.sha256(jsc, conf, table.files(), table.fileNames()));
  }
}
