package io.sparkgrad.predict;

import io.sparkgrad.data.HadoopConf;
import io.sparkgrad.data.ImageSize;
import io.sparkgrad.data.DataFormatException;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.Example;
import io.sparkgrad.data.ExampleSelection;
import io.sparkgrad.data.IdxSplit;
import io.sparkgrad.data.ParquetData;
import io.sparkgrad.data.Split;
import io.sparkgrad.evaluation.Scorer;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Precision;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.network.NetworkSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Scores an input on Spark. The weights travel once, as a broadcast; each partition scores its
 * examples with the one {@link Scorer} (evaluation's too), in the model's precision, in chunks of
 * {@link Scorer#CHUNK_ROWS} (one GEMM per layer and chunk):
 *
 * <ul>
 *   <li>IDX (a folder's splits or a lone images file): the driver reads the headers, the
 *       executors read the examples, a raw file in slices of consecutive examples, one task
 *       each ({@link IdxSplit});
 *   <li>Parquet: the table's rows are scored where Spark reads them;
 *   <li>image files: the paths are distributed; executors open them through the Hadoop
 *       FileSystem API, check the declared size, decode and convert them ({@link DigitImages}).
 * </ul>
 *
 * <p>The result has the id columns of its kind, then {@code predicted} (int), {@code probability}
 * (of the predicted class) and {@code p0 … p(K−1)} (doubles). It is computed and cached when
 * built, so that bad input fails here, before any output is written.
 */
public final class SparkPredictor {
  public static final String PREDICTED = "predicted";
  public static final String PROBABILITY = "probability";

  private SparkPredictor() {}

  /** Predictions, cached; {@link #close} releases the cache and the broadcasts. */
  public static final class Predictions implements AutoCloseable {
    private final Dataset<Row> frame;
    private final long count;
    private final JavaRDD<?> cached;
    private final List<Broadcast<?>> broadcasts;

    Predictions(Dataset<Row> frame, long count, JavaRDD<?> cached, List<Broadcast<?>> broadcasts) {
      this.frame = frame;
      this.count = count;
      this.cached = cached;
      this.broadcasts = broadcasts;
    }

    /** In input order: by index (IDX), by split then index (Parquet), by path (images). */
    public Dataset<Row> frame() {
      return frame;
    }

    public long count() {
      return count;
    }

    @Override
    public void close() {
      cached.unpersist(false);
      broadcasts.forEach(b -> b.destroy());
    }
  }

  /**
   * Predicts every example of {@code input}.
   *
   * @param splits for an IDX folder or a Parquet table, the splits to score
   * @param maxPixels for image files, the largest declared width × height decoded
   */
  public static Predictions predict(
      SparkSession spark, ModelStore.LoadedModel model, PredictInput input, List<Split> splits,
      long maxPixels) throws IOException {
    ImageSize size = ImageSize.of(model);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<Broadcast<?>> broadcasts = new ArrayList<>();
    Broadcast<double[]> weights = jsc.broadcast(model.params());
    broadcasts.add(weights);
    NetworkSpec spec = model.spec();
    Scoring scoring = new Scoring(spec, model.precision(), weights);
    JavaRDD<Row> rows;
    List<StructField> ids = new ArrayList<>();
    boolean sortBySplit = false;
    switch (input.kind()) {
      case IDX_IMAGES_FILE -> {
        IdxSplit images = IdxSplit.unlabeled(input.path(), conf);
        checkSize(images.source(), size, images.imageRows(), images.imageCols());
        ids.add(DataTypes.createStructField(ParquetData.INDEX, DataTypes.IntegerType, false));
        rows = exampleRows(images.examples(jsc, ExampleSelection.all(images.count())).rdd(),
            e -> new Object[] {e.index()}, scoring);
      }
      case IDX_FOLDER -> {
        // The executors read the splits' files (headers only on the driver), in file order.
        DataSetFolder folder = DataSetFolder.at(input.path(), conf);
        rows = null;
        for (Split split : splits) {
          IdxSplit images = IdxSplit.open(folder, split, conf);
          checkSize(images.source(), size, images.imageRows(), images.imageCols());
          String name = split.label();
          JavaRDD<Row> scored = exampleRows(
              images.examples(jsc, ExampleSelection.all(images.count())).rdd(),
              e -> new Object[] {name, e.index(), e.label()}, scoring);
          rows = rows == null ? scored : rows.union(scored);
        }
        ids.add(DataTypes.createStructField(ParquetData.SPLIT, DataTypes.StringType, false));
        ids.add(DataTypes.createStructField(ParquetData.INDEX, DataTypes.IntegerType, false));
        ids.add(DataTypes.createStructField(ParquetData.LABEL, DataTypes.IntegerType, false));
      }
      case PARQUET_TABLE -> {
        ids.add(DataTypes.createStructField(ParquetData.SPLIT, DataTypes.StringType, false));
        ids.add(DataTypes.createStructField(ParquetData.INDEX, DataTypes.IntegerType, false));
        ids.add(DataTypes.createStructField(ParquetData.LABEL, DataTypes.IntegerType, false));
        rows = tableRows(spark, input.path(), splits, scoring, size);
        sortBySplit = true;
      }
      case IMAGE_FILES -> {
        ids.add(DataTypes.createStructField("file", DataTypes.StringType, false));
        Broadcast<HadoopConf> hadoop =
            jsc.broadcast(new HadoopConf(conf));
        broadcasts.add(hadoop);
        JavaRDD<Scored> scored = imageScores(jsc, input.files(), scoring, size, maxPixels, hadoop).persist(StorageLevel.MEMORY_AND_DISK());
        try {
          refuseProblems(scored);
        } catch (RuntimeException e) {
          scored.unpersist(false);
          broadcasts.forEach(b -> b.destroy());
          throw e;
        }
        rows = scored.map(Scored::row);
        return finish(spark, scored, rows, scored.count(), ids, spec, false, input, splits,
            broadcasts);
      }
      default -> throw new IllegalStateException("unhandled input kind " + input.kind());
    }
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK());
    return finish(spark, rows, rows, rows.count(), ids, spec, sortBySplit, input, splits,
        broadcasts);
  }

  private static Predictions finish(
      SparkSession spark, JavaRDD<?> cached, JavaRDD<Row> rows, long count, List<StructField> ids,
      NetworkSpec spec, boolean sortBySplit, PredictInput input, List<Split> splits,
      List<Broadcast<?>> broadcasts) {
    if (count == 0) {
      cached.unpersist(false);
      broadcasts.forEach(b -> b.destroy());
      throw new DataFormatException(input.path() + ": examples: expected at least one to predict"
          + (input.kind() == PredictInput.Kind.PARQUET_TABLE ? " in split(s) " + splits : "")
          + "; found none");
    }
    Dataset<Row> frame = spark.createDataFrame(rows, schema(ids, spec.outputs()));
    if (sortBySplit) {
      frame = frame.orderBy(ParquetData.SPLIT, ParquetData.INDEX);
    }
    return new Predictions(frame, count, cached, broadcasts);
  }

  /** The id columns, then predicted, probability, p0 … p(K−1). */
  public static StructType schema(List<StructField> ids, int classes) {
    List<StructField> fields = new ArrayList<>(ids);
    fields.add(DataTypes.createStructField(PREDICTED, DataTypes.IntegerType, false));
    fields.add(DataTypes.createStructField(PROBABILITY, DataTypes.DoubleType, false));
    for (int k = 0; k < classes; k++) {
      fields.add(DataTypes.createStructField("p" + k, DataTypes.DoubleType, false));
    }
    return DataTypes.createStructType(fields);
  }

  /** What an executor needs to build its scorer: the model, its precision, its weights. */
  private record Scoring(NetworkSpec spec, Precision precision, Broadcast<double[]> weights)
      implements Serializable {
    RowScorer rowScorer() {
      return new RowScorer(Scorer.create(spec, precision, BlasChoice.AUTO, weights.value()));
    }
  }

  // --- IDX ------------------------------------------------------------------------------------

  /** Scored rows (the example's ids, then the scores) of examples the executors read. */
  private static JavaRDD<Row> exampleRows(
      JavaRDD<Example> examples, ExampleIds ids, Scoring scoring) {
    return examples.mapPartitions(it -> {
      RowScorer scorer = scoring.rowScorer();
      while (it.hasNext()) {
        Example e = it.next();
        scorer.add(ids.of(e), e.pixels(), 0);
      }
      return scorer.finish();
    });
  }

  /** The id columns of an example's row. */
  private interface ExampleIds extends Serializable {
    Object[] of(Example e);
  }

  // --- Parquet --------------------------------------------------------------------------------

  private static JavaRDD<Row> tableRows(
      SparkSession spark, Path table, List<Split> splits, Scoring scoring, ImageSize size) {
    Dataset<Row> df = ParquetData.openChecked(spark, table);
    List<String> labels = splits.stream().map(Split::label).toList();
    Dataset<Row> selected = df
        .where(functions.col(ParquetData.SPLIT).isin(labels.toArray()))
        .select(ParquetData.SPLIT, ParquetData.INDEX, ParquetData.LABEL, ParquetData.ROWS,
            ParquetData.COLS, ParquetData.PIXELS);
    String source = table.toString();
    return selected.javaRDD().mapPartitions(it -> {
      RowScorer scorer = scoring.rowScorer();
      while (it.hasNext()) {
        Row row = it.next();
        String split = row.getString(0);
        int index = ParquetData.intOf(source + ": a row", row, 1, ParquetData.INDEX);
        String at = "split " + split + ", index " + index;
        int label = ParquetData.intOf(source + ": " + at, row, 2, ParquetData.LABEL);
        int rows = ParquetData.intOf(source + ": " + at, row, 3, ParquetData.ROWS);
        int cols = ParquetData.intOf(source + ": " + at, row, 4, ParquetData.COLS);
        if (rows != size.rows() || cols != size.cols()) {
          throw new DataFormatException(source + ": " + at + ": columns 'rows'×'cols': expected "
              + size + " (the model's input image size); found " + rows + "×" + cols);
        }
        byte[] pixels = row.isNullAt(5) ? null : (byte[]) row.get(5);
        if (pixels == null || pixels.length != size.pixels()) {
          throw new DataFormatException(source + ": " + at + ": column 'pixels': expected "
              + size.pixels() + " bytes (" + size + "); found "
              + (pixels == null ? "null" : pixels.length + " bytes"));
        }
        scorer.add(new Object[] {split, index, label}, pixels, 0);
      }
      return scorer.finish();
    });
  }

  // --- image files ----------------------------------------------------------------------------

  /** The prediction for one image file, or why the file cannot be used. */
  private record Scored(Row row, String problem) implements Serializable {}

  /**
   * Unusable files are reported as data, not thrown on the executors: the driver then names
   * them all at once (and Spark logs no task failure for a user's bad file).
   */
  private static JavaRDD<Scored> imageScores(
      JavaSparkContext jsc, List<String> files, Scoring scoring, ImageSize size, long maxPixels,
      Broadcast<HadoopConf> hadoop) {
    int slices = Math.min(files.size(),
        Math.max(jsc.defaultParallelism(), (files.size() + 255) / 256));
    return jsc.parallelize(files, Math.max(1, slices)).mapPartitions(it -> {
      RowScorer scorer = scoring.rowScorer();
      Configuration conf = hadoop.value().get();
      List<Scored> out = new ArrayList<>();
      while (it.hasNext()) {
        String file = it.next();
        Path path = new Path(file);
        FileSystem fs = path.getFileSystem(conf);
        byte[] digit;
        try (InputStream in = ImageDecoder.openRegular(fs, path, file)) {
          digit = DigitImages.toDigit(file, ImageDecoder.read(file, in, maxPixels).image(), size);
        } catch (DataFormatException e) {
          out.add(new Scored(null, e.getMessage()));
          continue;
        }
        scorer.add(new Object[] {file}, digit, 0);
      }
      scorer.finish().forEachRemaining(row -> out.add(new Scored(row, null)));
      return out.iterator();
    });
  }

  /** Throws the first problem, saying how many files had one and naming a few more. */
  private static void refuseProblems(JavaRDD<Scored> scored) {
    JavaRDD<String> problems = scored.filter(s -> s.problem() != null).map(Scored::problem);
    List<String> first = problems.take(4);
    if (first.isEmpty()) {
      return;
    }
    long total = first.size() < 4 ? first.size() : problems.count();
    StringBuilder message = new StringBuilder(first.get(0));
    if (total > 1) {
      message.append("; ").append(total - 1).append(" more file")
          .append(total == 2 ? " was" : "s were").append(" refused too, e.g. ");
      for (int i = 1; i < first.size(); i++) {
        String problem = first.get(i);
        message.append(i > 1 ? ", " : "").append(problem, 0, problem.indexOf(": "));
      }
    }
    throw new DataFormatException(message.toString());
  }

  private static void checkSize(String source, ImageSize size, int rows, int cols) {
    if (rows != size.rows() || cols != size.cols()) {
      throw new DataFormatException(source + ": image size: expected " + size
          + " (the model's input image size); found " + rows + "×" + cols);
    }
  }

  /** Collects examples into chunks, scores each full chunk, and keeps the output rows. */
  private static final class RowScorer {
    private final Scorer<?> scorer;
    private final int inputs;
    private final int classes;
    private final byte[] pixels;
    private final Object[][] ids = new Object[Scorer.CHUNK_ROWS][];
    private final List<Row> rows = new ArrayList<>();
    private int count;

    RowScorer(Scorer<?> scorer) {
      this.scorer = scorer;
      this.inputs = scorer.inputs();
      this.classes = scorer.classes();
      this.pixels = new byte[Scorer.CHUNK_ROWS * inputs];
    }

    void add(Object[] id, byte[] source, int offset) {
      System.arraycopy(source, offset, pixels, count * inputs, inputs);
      ids[count++] = id;
      if (count == Scorer.CHUNK_ROWS) {
        flush();
      }
    }

    Iterator<Row> finish() {
      flush();
      return rows.iterator();
    }

    private void flush() {
      if (count == 0) {
        return;
      }
      scorer.scorePixels(pixels, 0, count);
      for (int r = 0; r < count; r++) {
        Object[] id = ids[r];
        Object[] values = new Object[id.length + 2 + classes];
        System.arraycopy(id, 0, values, 0, id.length);
        int predicted = scorer.predicted(r);
        values[id.length] = predicted;
        values[id.length + 1] = scorer.output(r, predicted);
        for (int k = 0; k < classes; k++) {
          values[id.length + 2 + k] = scorer.output(r, k);
        }
        rows.add(RowFactory.create(values));
      }
      count = 0;
    }
  }
}
