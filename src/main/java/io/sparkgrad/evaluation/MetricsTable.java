package io.sparkgrad.evaluation;

import io.sparkgrad.io.Sha256;
import io.sparkgrad.io.OutputExistsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The history of evaluations: a Parquet table, one row per {@code evaluate} run, partitioned by
 * {@code run_date} (folders {@code run_date=YYYY-MM-DD/}), read back with
 * {@code spark.read.parquet(path)}. Schema: {@link #SCHEMA} (README, "Metrics table").
 *
 * <p>Appending commits atomically, without Spark's append mode: the run's row is written with
 * Spark SQL into a hidden staging folder inside the table ({@code .staging-<run id>}, which
 * readers ignore because its name starts with a dot), as exactly one Parquet file; that file is
 * then renamed into {@code run_date=…/} with the Hadoop FileSystem API, and the staging folder
 * removed. A rename of one file is atomic on HDFS and local disks, so a reader sees the run's
 * row entirely or not at all, and a failed run leaves at most a hidden staging folder. Spark's
 * own {@code mode("append")} was not used because its committer stages every writer of a table
 * in the same {@code _temporary/0} folder: two evaluations appending at once (several models
 * evaluated by one nightly schedule) can delete each other's staged files, and a job that dies
 * while committing leaves whatever files it had moved.
 */
public final class MetricsTable {
  public static final String RUN_DATE = "run_date";

  private static final DataType DOUBLES = DataTypes.createArrayType(DataTypes.DoubleType, false);
  private static final DataType LONGS = DataTypes.createArrayType(DataTypes.LongType, false);

  /** Columns in order; {@code run_date} (a date) is the partition column. */
  public static final StructType SCHEMA = new StructType(new StructField[] {
    field("run_id", DataTypes.StringType, false),
    field("model_id", DataTypes.StringType, false),
    field("model_path", DataTypes.StringType, false),
    field("data_path", DataTypes.StringType, false),
    field("data_sha256", DataTypes.StringType, false),
    field("data_files_sha256",
        DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false), false),
    field("split", DataTypes.StringType, false),
    field("evaluated_at", DataTypes.TimestampType, false),
    field("examples", DataTypes.LongType, false),
    field("correct", DataTypes.LongType, false),
    field("accuracy", DataTypes.DoubleType, false),
    field("mean_loss", DataTypes.DoubleType, true),
    field("classes", DataTypes.IntegerType, false),
    field("precision", DOUBLES, false),
    field("recall", DOUBLES, false),
    field("f1", DOUBLES, false),
    field("support", LONGS, false),
    field("macro_precision", DataTypes.DoubleType, false),
    field("macro_recall", DataTypes.DoubleType, false),
    field("macro_f1", DataTypes.DoubleType, false),
    field("confusion", DataTypes.createArrayType(LONGS, false), false),
    field("confidence_histogram", LONGS, false),
    field("mean_confidence_correct", DataTypes.DoubleType, true),
    field("mean_confidence_wrong", DataTypes.DoubleType, true),
    field("min_accuracy", DataTypes.DoubleType, true),
    field("passed", DataTypes.BooleanType, true),
    field(RUN_DATE, DataTypes.DateType, false),
  });

  private MetricsTable() {}

  private static StructField field(String name, DataType type, boolean nullable) {
    return DataTypes.createStructField(name, type, nullable);
  }

  /**
   * One evaluation run.
   *
   * @param dataFilesSha256 SHA-256 of every data file as stored, keyed by name
   * @param minAccuracy the {@code --min-accuracy} threshold, or null
   */
  public record Run(
      String runId, String modelId, String modelPath, String dataPath,
      Map<String, String> dataFilesSha256, String split, LocalDate runDate, Instant evaluatedAt,
      Double minAccuracy, EvaluationSums sums) {
    public Run {
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(dataFilesSha256, "dataFilesSha256");
      Objects.requireNonNull(runDate, "runDate");
      Objects.requireNonNull(evaluatedAt, "evaluatedAt");
      Objects.requireNonNull(sums, "sums");
    }

    public Boolean passed() {
      return minAccuracy == null ? null : sums.accuracy() >= minAccuracy;
    }
  }

  /**
   * One SHA-256 for a data set of several files: the SHA-256 of the UTF-8 text with one line
   * {@code <sha256>  <name>\n} per file, sorted by name (the format of {@code sha256sum}; for an
   * IDX folder {@code sha256sum * | LC_ALL=C sort -k2 | sha256sum} over the four files gives the
   * same value).
   */
  public static String combinedSha256(Map<String, String> files) {
    StringBuilder listing = new StringBuilder();
    new TreeMap<>(files).forEach((name, sha) -> listing.append(sha).append("  ").append(name)
        .append('\n'));
    return Sha256.hex(listing.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The run as a row of {@link #SCHEMA}. */
  public static Row row(Run run) {
    EvaluationSums s = run.sums();
    int k = s.classes();
    List<Double> precision = new ArrayList<>();
    List<Double> recall = new ArrayList<>();
    List<Double> f1 = new ArrayList<>();
    List<Long> support = new ArrayList<>();
    List<List<Long>> confusion = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      precision.add(s.precision(c));
      recall.add(s.recall(c));
      f1.add(s.f1(c));
      support.add(s.support(c));
      List<Long> row = new ArrayList<>();
      for (int p = 0; p < k; p++) {
        row.add(s.confusion(c, p));
      }
      confusion.add(row);
    }
    List<Long> histogram = new ArrayList<>();
    for (long count : s.confidenceHistogram()) {
      histogram.add(count);
    }
    return RowFactory.create(
        run.runId(), run.modelId(), run.modelPath(), run.dataPath(),
        combinedSha256(run.dataFilesSha256()), new TreeMap<>(run.dataFilesSha256()), run.split(),
        Timestamp.from(run.evaluatedAt()), s.count(), s.correct(), s.accuracy(),
        finiteOrNull(s.meanLoss()), k, precision, recall, f1, support, s.macroPrecision(),
        s.macroRecall(), s.macroF1(), confusion, histogram,
        finiteOrNull(s.meanConfidenceCorrect()), finiteOrNull(s.meanConfidenceWrong()),
        run.minAccuracy(), run.passed(), run.runDate());
  }

  private static Double finiteOrNull(double value) {
    return Double.isFinite(value) ? value : null;
  }

  /**
   * Appends the run's row to the table at {@code table} (created when missing) and returns the
   * partition folder it went to.
   *
   * @throws OutputExistsException if the table cannot be written
   */
  public static Path append(SparkSession spark, String table, Run run) {
    Path root = new Path(table);
    try {
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      root = fs.makeQualified(root);
      if (fs.exists(root) && !fs.getFileStatus(root).isDirectory()) {
        throw new OutputExistsException(table + ": metrics table: expected a folder (a Parquet"
            + " table partitioned by run_date); found a file");
      }
      if (!fs.mkdirs(root)) {
        throw new OutputExistsException(table + ": cannot create the metrics table folder");
      }
      Path staging = new Path(root, ".staging-" + run.runId());
      try {
        spark.createDataFrame(List.of(row(run)), SCHEMA)
            .coalesce(1)
            .write()
            .mode(SaveMode.ErrorIfExists)
            .partitionBy(RUN_DATE)
            .parquet(staging.toString());
        Path partition = new Path(root, RUN_DATE + "=" + run.runDate());
        Path staged = new Path(staging, partition.getName());
        List<FileStatus> files = new ArrayList<>();
        for (FileStatus f : fs.listStatus(staged)) {
          String name = f.getPath().getName();
          if (f.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
            files.add(f);
          }
        }
        if (files.size() != 1) {
          throw new IOException("expected Spark to write one Parquet file into " + staged
              + "; found " + files.size());
        }
        if (!fs.mkdirs(partition)) {
          throw new IOException("cannot create " + partition);
        }
        Path target = new Path(partition, files.get(0).getPath().getName());
        if (fs.exists(target) || !fs.rename(files.get(0).getPath(), target)) {
          throw new IOException("rename of " + files.get(0).getPath() + " to " + target
              + " failed");
        }
        return partition;
      } finally {
        fs.delete(staging, true);
      }
    } catch (IOException e) {
      throw new OutputExistsException(table + ": cannot append to the metrics table: "
          + e.getMessage(), e);
    }
  }
}
