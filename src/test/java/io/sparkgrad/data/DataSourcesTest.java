package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import io.sparkgrad.training.SparkTrainer;
import io.sparkgrad.training.TrainingListener;
import io.sparkgrad.training.TrainingSetup;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One way in: the same examples given as images in memory, a raw IDX folder, an IDX folder of
 * raw part files with a gzip test split, a Parquet table, and DataFrames of the user's own
 * (pixels as bytes and as floats) train to bit-identical weights, each read by the executors.
 */
class DataSourcesTest {
  private static final LabeledImages TRAIN = SyntheticImages.make(600, 8, 6, 4, 1);
  private static final LabeledImages TEST = SyntheticImages.make(200, 8, 6, 4, 2);
  private static final DataSet DATA = new DataSet("synthetic", TRAIN, TEST, 4, Map.of());

  @TempDir java.nio.file.Path work;

  private static SparkSession spark() {
    return SparkTestSession.get();
  }

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(spark().sparkContext());
  }

  private static TrainingConfig config() {
    Map<String, String> args = new HashMap<>();
    args.put("data", "synthetic");
    args.put("model", "unused");
    args.put("hidden", "16");
    args.put("epochs", "2");
    args.put("batch-size", "32");
    args.put("partitions", "3");
    args.put("validation-fraction", "0.1");
    return TrainingOptions.resolve(Map.of(), args);
  }

  private static double[] train(LabeledData data) {
    TrainingConfig config = config();
    return new SparkTrainer(jsc(), TrainingListener.NONE)
        .train(TrainingSetup.of(config, data), data, null).params();
  }

  @Test
  void everySourceTrainsToTheSameWeights() throws IOException {
    Configuration conf = new Configuration();
    FileSystem fs = FileSystem.getLocal(conf);
    double[] reference = train(LabeledData.of(DATA));

    Path raw = new Path(work.resolve("raw").toString());
    IdxWriter.writeSplit(fs, raw, Split.TRAIN, "", TRAIN);
    IdxWriter.writeSplit(fs, raw, Split.TEST, "", TEST);
    LabeledData fromRaw = LabeledData.idx(jsc(), raw, 0, conf);
    assertEquals(4, fromRaw.classes(), "classes from the distributed labels pass");
    assertEquals(IdxFiles.sha256(work.resolve("raw/train-images-idx3-ubyte")),
        fromRaw.sha256().get("train-images-idx3-ubyte"), "the executors' SHA-256 of a file");
    assertArrayEquals(reference, train(fromRaw), 0.0, "raw IDX");

    Path parts = new Path(work.resolve("parts").toString());
    for (int p = 0; p < 3; p++) {
      LabeledImages part = slice(TRAIN, p * 200, 200);
      IdxWriter.writeSplit(fs, parts, Split.TRAIN, IdxWriter.partSuffix(p), part);
    }
    Files.write(work.resolve("parts/t10k-images-idx3-ubyte.gz"), IdxFiles.gzip(
        IdxFiles.images(TEST.count(), 8, 6, TEST.pixels())));
    Files.write(work.resolve("parts/t10k-labels-idx1-ubyte.gz"), IdxFiles.gzip(
        IdxFiles.labels(TEST.labels())));
    LabeledData fromParts = LabeledData.idx(jsc(), parts, 0, conf);
    assertEquals(600, fromParts.train().count());
    assertEquals(8, fromParts.sha256().size(), "every part file fingerprinted");
    assertArrayEquals(reference, train(fromParts), 0.0, "IDX parts and gzip");

    String table = work.resolve("table").toString();
    ParquetData.write(spark(), DATA, table);
    assertArrayEquals(reference, train(LabeledData.parquet(spark(), table, 0)), 0.0, "Parquet");

    assertArrayEquals(reference, train(fromFrames(false)), 0.0, "DataFrame of bytes");
    assertArrayEquals(reference, train(fromFrames(true)), 0.0, "DataFrame of floats");
  }

  /** What a user's own application does: DataFrames it built, and their image size. */
  private static LabeledData fromFrames(boolean floats) {
    FrameSplit train = FrameSplit.of(frame(TRAIN, floats), "digit", "image", 8, 6, "my train");
    FrameSplit test = FrameSplit.of(frame(TEST, floats), "digit", "image", 8, 6, "my test");
    return new LabeledData("my frames", train, test, 4, Map.of());
  }

  private static Dataset<Row> frame(LabeledImages images, boolean floats) {
    StructType schema = new StructType()
        .add("digit", DataTypes.IntegerType)
        .add("image", floats
            ? DataTypes.createArrayType(DataTypes.FloatType, false) : DataTypes.BinaryType);
    List<Row> rows = new ArrayList<>();
    int d = images.features();
    for (int i = 0; i < images.count(); i++) {
      byte[] pixels = java.util.Arrays.copyOfRange(images.pixels(), i * d, (i + 1) * d);
      Object value = pixels;
      if (floats) {
        float[] scaled = new float[d];
        for (int p = 0; p < d; p++) {
          scaled[p] = (pixels[p] & 0xFF) / 255f;
        }
        value = scaled;
      }
      rows.add(RowFactory.create(images.label(i), value));
    }
    // Several partitions: the row order, which numbers the examples, must survive them.
    return spark().createDataFrame(rows, schema).repartition(1).coalesce(1);
  }

  @Test
  void aDataFrameWithTheWrongColumnsOrValuesIsRefusedNamingThem() {
    Dataset<Row> frame = frame(TEST, false);
    DataFormatException missing = assertThrows(DataFormatException.class,
        () -> FrameSplit.of(frame, "label", "image", 8, 6, "my test"));
    assertTrue(missing.getMessage().contains("column 'label'")
        && missing.getMessage().contains("digit"), missing.getMessage());
    DataFormatException type = assertThrows(DataFormatException.class,
        () -> FrameSplit.of(frame, "image", "digit", 8, 6, "my test"));
    assertTrue(type.getMessage().contains("type binary"), type.getMessage());
    FrameSplit wrongSize = FrameSplit.of(frame, "digit", "image", 7, 7, "my test");
    Exception e = assertThrows(Exception.class, () -> wrongSize.inMemory(jsc(), 1 << 20));
    String text = causes(e);
    assertTrue(text.contains("my test: row 0: column 'pixels': expected 49 values; found 48"),
        text);
  }

  private static String causes(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      text.append(t.getMessage()).append('\n');
    }
    return text.toString();
  }

  private static LabeledImages slice(LabeledImages images, int from, int count) {
    int d = images.features();
    return new LabeledImages(images.source(), images.imageRows(), images.imageCols(),
        java.util.Arrays.copyOfRange(images.pixels(), from * d, (from + count) * d),
        java.util.Arrays.copyOfRange(images.labels(), from, from + count));
  }
}
