package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.io.OutputException;
import io.sparkgrad.testing.MnistFixture;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX → Parquet → back, on the shared local[2] session; and tables that must be refused. */
class ParquetDataTest {
  private static SparkSession spark;
  private static DataSet mnist;

  @TempDir java.nio.file.Path dir;

  @BeforeAll
  static void load() throws IOException {
    spark = SparkTestSession.get();
    mnist = DataSetFolder.at(new Path(MnistFixture.folder().toUri()), new Configuration()).load();
  }

  private static void assertContains(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "expected the message to contain «" + p + "»; found: " + message);
    }
  }

  private static void assertSameExamples(LabeledImages expected, LabeledImages actual) {
    assertEquals(expected.imageRows(), actual.imageRows());
    assertEquals(expected.imageCols(), actual.imageCols());
    assertEquals(expected.count(), actual.count());
    assertArrayEquals(expected.labels(), actual.labels());
    assertArrayEquals(expected.pixels(), actual.pixels());
  }

  private static List<String> listing(java.nio.file.Path folder) throws IOException {
    try (Stream<java.nio.file.Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void fullMnistRoundTripsThroughParquetExampleForExample() throws IOException {
    java.nio.file.Path table = dir.resolve("mnist.parquet");
    ParquetData.write(spark, mnist, table.toString());

    // Renamed into place: only the table is left, no temporary sibling.
    assertEquals(List.of("mnist.parquet"), listing(dir));
    List<String> entries = listing(table);
    assertTrue(entries.contains("_SUCCESS"), "entries: " + entries);
    assertTrue(entries.contains("split=train") && entries.contains("split=test"), "entries: " + entries);
    assertEquals(DataSetFormat.PARQUET_TABLE, DataSetFormat.detect(new Path(table.toUri()), new Configuration()));

    assertSameExamples(mnist.train(), ParquetData.read(spark, table.toString(), Split.TRAIN));
    assertSameExamples(mnist.test(), ParquetData.read(spark, table.toString(), Split.TEST, 10));

    // The loader that takes either form: same examples, classes decided from the labels.
    DataSet fromTable = ParquetData.load(spark, table.toString());
    assertEquals(10, fromTable.classes());
    assertSameExamples(mnist.train(), fromTable.train());
    assertSameExamples(mnist.test(), fromTable.test());
    assertTrue(!fromTable.sha256().isEmpty()
            && fromTable.sha256().keySet().stream().allMatch(k -> k.startsWith("split=") && k.endsWith(".parquet")),
        "digests of the table's data files: " + fromTable.sha256().keySet());
    DataSet fromIdx = ParquetData.load(spark, MnistFixture.folder().toString(), 10);
    assertEquals(mnist.sha256(), fromIdx.sha256());

    // An existing output is refused, and left as it was.
    OutputException exists =
        assertThrows(
            OutputException.class,
            () -> ParquetData.write(spark, mnist, table.toString()));
    assertContains(
        exists.getMessage(), table.toString(),
        "output: expected a path that does not exist; found an existing folder");
    assertEquals(entries, listing(table));
  }

  @Test
  void idxSplitsReadByTheExecutorsWriteTheSameExamples() throws IOException {
    // What `prepare` writes: the folder's splits read by the executors, not loaded on the driver.
    Configuration conf = new Configuration();
    DataSetFolder folder = DataSetFolder.at(new Path(MnistFixture.folder().toUri()), conf);
    java.nio.file.Path table = dir.resolve("from-splits.parquet");
    ParquetData.write(spark, java.util.Map.of(
        Split.TRAIN, IdxSplit.open(folder, Split.TRAIN, conf),
        Split.TEST, IdxSplit.open(folder, Split.TEST, conf)), table.toString());
    assertEquals(List.of("from-splits.parquet"), listing(dir));
    assertSameExamples(mnist.train(), ParquetData.read(spark, table.toString(), Split.TRAIN));
    assertSameExamples(mnist.test(), ParquetData.read(spark, table.toString(), Split.TEST, 10));

    // Splits of different image sizes cannot share a table: refused before anything is written.
    LabeledImages wide = new LabeledImages("wide test", 28, 29, IdxFiles.bytes(2 * 28 * 29, 5),
        new byte[] {1, 2});
    String other = dir.resolve("mixed.parquet").toString();
    DataFormatException mixed = assertThrows(DataFormatException.class, () -> ParquetData.write(
        spark, java.util.Map.of(Split.TRAIN, mnist.train(), Split.TEST, wide), other));
    assertContains(mixed.getMessage(), "28×28", "28×29");
    assertEquals(List.of("from-splits.parquet"), listing(dir));
  }

  @Test
  void smallNonSquareSetRoundTrips() throws IOException {
    byte[] trainLabels = {0, 1, 2, 2, 1, 0, 0};
    byte[] testLabels = {2, 1};
    DataSet small =
        new DataSet(
            "small",
            new LabeledImages("small train", 5, 7, IdxFiles.bytes(7 * 35, 21), trainLabels),
            new LabeledImages("small test", 5, 7, IdxFiles.bytes(2 * 35, 22), testLabels),
            3,
            java.util.Map.of());
    String table = dir.resolve("nested/small").toString(); // the parent does not exist yet
    ParquetData.write(spark, small, table);
    assertSameExamples(small.train(), ParquetData.read(spark, table, Split.TRAIN, 3));
    assertSameExamples(small.test(), ParquetData.read(spark, table, Split.TEST, 3));
    DataFormatException label =
        assertThrows(DataFormatException.class, () -> ParquetData.read(spark, table, Split.TRAIN, 2));
    assertContains(
        label.getMessage(), table, "split=train: row with index 2: column 'label': expected 0..1 (2 classes); found 2");
  }

  private static final StructType GOOD = ParquetData.SCHEMA;

  /** Writes rows with {@code schema} as a table partitioned by split, bypassing ParquetData. */
  private String writeRaw(String name, StructType schema, List<Row> rows) {
    String path = dir.resolve(name).toString();
    spark.createDataFrame(rows, schema).write().partitionBy(ParquetData.SPLIT).parquet(path);
    return path;
  }

  private static Row row(String split, int index, int label, byte[] pixels) {
    return RowFactory.create(split, index, label, 1, 2, pixels);
  }

  @Test
  void refusesAColumnOfTheWrongTypeOrAMissingColumn() {
    StructField[] fields = GOOD.fields().clone();
    fields[2] = DataTypes.createStructField(ParquetData.LABEL, DataTypes.StringType, false);
    String stringLabels =
        writeRaw(
            "string-labels", new StructType(fields),
            List.of(RowFactory.create("train", 0, "seven", 1, 2, new byte[2])));
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> ParquetData.read(spark, stringLabels, Split.TRAIN));
    assertContains(e.getMessage(), stringLabels, "column 'label': expected type int; found type string");

    StructType noPixels =
        new StructType(java.util.Arrays.copyOf(GOOD.fields(), GOOD.fields().length - 1));
    String missing =
        writeRaw("no-pixels", noPixels, List.of(RowFactory.create("train", 0, 1, 1, 2)));
    DataFormatException m =
        assertThrows(DataFormatException.class, () -> ParquetData.read(spark, missing, Split.TRAIN));
    assertContains(
        m.getMessage(), "column 'pixels': expected type binary; found no such column (columns: ");
  }

  @Test
  void refusesIndicesThatAreNotExactly0ToNMinus1() {
    String gap =
        writeRaw("gap", GOOD, List.of(row("train", 0, 0, new byte[2]), row("train", 2, 0, new byte[2])));
    assertContains(
        assertThrows(DataFormatException.class, () -> ParquetData.read(spark, gap, Split.TRAIN)).getMessage(),
        "split=train: column 'index': expected 0..1 (2 rows, each index once, no gaps); found 2");
    String twice =
        writeRaw("twice", GOOD, List.of(row("train", 1, 0, new byte[2]), row("train", 1, 0, new byte[2])));
    assertContains(
        assertThrows(DataFormatException.class, () -> ParquetData.read(spark, twice, Split.TRAIN)).getMessage(),
        "column 'index': expected each of 0..1 once; found 1 twice");
  }

  @Test
  void refusesPixelArraysOfTheWrongLengthAndAMissingSplit() {
    String shortPixels =
        writeRaw("short-pixels", GOOD, List.of(row("train", 0, 0, new byte[2]), row("train", 1, 0, new byte[3])));
    assertContains(
        assertThrows(DataFormatException.class, () -> ParquetData.read(spark, shortPixels, Split.TRAIN))
            .getMessage(),
        "row with index 1: column 'pixels': expected 2 bytes (1×2); found 3 bytes");
    List<Row> trainOnly = new ArrayList<>();
    trainOnly.add(row("train", 0, 0, new byte[2]));
    String noTest = writeRaw("no-test", GOOD, trainOnly);
    assertContains(
        assertThrows(DataFormatException.class, () -> ParquetData.read(spark, noTest, Split.TEST)).getMessage(),
        noTest, "split 'test': expected at least one row; found none (splits present: [train])");
  }

  @Test
  void refusesAnIdxFolderOrAMissingPathGivenAsATable() {
    String idx = MnistFixture.folder().toString();
    assertContains(
        assertThrows(DataFormatException.class, () -> ParquetData.read(spark, idx, Split.TEST)).getMessage(),
        "data set: expected a Parquet table; found an IDX folder");
    String nowhere = dir.resolve("nowhere").toString();
    assertContains(
        assertThrows(DataFormatException.class, () -> ParquetData.read(spark, nowhere, Split.TEST)).getMessage(),
        nowhere, "Parquet table not found");
  }
}
