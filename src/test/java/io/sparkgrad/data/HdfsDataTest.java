package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.io.OutputException;
import io.sparkgrad.testing.MnistFixture;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loaders against a real HDFS: an in-process MiniDFSCluster (one datanode), every address
 * on 127.0.0.1 with an ephemeral port. The MNIST files are copied in, and what is loaded through
 * {@code hdfs://127.0.0.1:<port>/…} must equal what is loaded from the local folder, byte for byte,
 * SHA-256s included.
 */
class HdfsDataTest {
  private static final List<String> NAMES =
      List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
          "t10k-labels-idx1-ubyte");

  @TempDir static java.nio.file.Path base;

  private static MiniDFSCluster cluster;
  /** {@code hdfs://127.0.0.1:<port>}; {@code getURI()} would say localhost. */
  private static String hdfs;
  /** A plain client configuration: the cluster is reached only through the URI. */
  private static final Configuration CLIENT = new Configuration();

  private static DataSet local;

  @BeforeAll
  static void startHdfsAndCopyMnist() throws IOException {
    Configuration conf = new Configuration();
    for (String key :
        List.of("dfs.namenode.rpc-address", "dfs.namenode.http-address", "dfs.datanode.address",
            "dfs.datanode.http.address", "dfs.datanode.ipc.address")) {
      conf.set(key, "127.0.0.1:0");
    }
    conf.setInt("dfs.replication", 1);
    cluster =
        new MiniDFSCluster.Builder(conf, base.resolve("dfs").toFile())
            .numDataNodes(1)
            .checkDataNodeAddrConfig(true)
            .build();
    cluster.waitActive();
    hdfs = "hdfs://127.0.0.1:" + cluster.getNameNodePort();

    java.nio.file.Path mnist = MnistFixture.folder();
    local = DataSetFolder.at(new Path(mnist.toUri()), CLIENT).load();
    FileSystem fs = FileSystem.get(URI.create(hdfs), CLIENT);
    for (String name : NAMES) {
      // As stored locally (gzip) in one folder, decompressed (raw) in another.
      fs.copyFromLocalFile(
          new Path(mnist.resolve(name + ".gz").toUri()), new Path(hdfs + "/mnist-gz/" + name + ".gz"));
      byte[] raw = IdxFiles.gunzip(Files.readAllBytes(mnist.resolve(name + ".gz")));
      try (FSDataOutputStream out = fs.create(new Path(hdfs + "/mnist-raw/" + name))) {
        out.write(raw);
      }
    }
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  private static void assertSameData(DataSet expected, DataSet actual) {
    assertEquals(expected.classes(), actual.classes());
    for (Split s : Split.values()) {
      assertEquals(expected.get(s).imageRows(), actual.get(s).imageRows());
      assertEquals(expected.get(s).imageCols(), actual.get(s).imageCols());
      assertArrayEquals(expected.get(s).labels(), actual.get(s).labels(), s.label());
      assertArrayEquals(expected.get(s).pixels(), actual.get(s).pixels(), s.label());
    }
  }

  /** The cached blocks the trainer computes on, built from each source, are the same. */
  private static void assertSameBlocks(LabeledImages expected, LabeledImages actual) {
    org.apache.spark.api.java.JavaSparkContext jsc =
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(
            SparkTestSession.get().sparkContext());
    try (BlockedData a = BlockedData.of(jsc, expected,
            ExampleSelection.all(expected.count()), 3, 11, 1000, "local");
        BlockedData b = BlockedData.of(jsc, actual,
            ExampleSelection.all(actual.count()), 3, 11, 1000, "hdfs")) {
      java.util.List<ExampleBlock> left = a.rdd().collect();
      java.util.List<ExampleBlock> right = b.rdd().collect();
      assertEquals(left.size(), right.size());
      assertEquals(12, left.size(), "10000 examples in 3 partitions of blocks of at most 1000");
      for (int i = 0; i < left.size(); i++) {
        assertArrayEquals(left.get(i).pixels(), right.get(i).pixels());
        assertArrayEquals(left.get(i).labels(), right.get(i).labels());
        assertArrayEquals(left.get(i).indices(), right.get(i).indices());
      }
    }
  }

  @Test
  void gzipFolderOnHdfsLoadsIdenticallyToTheLocalOne() throws IOException {
    DataSet remote = DataSetFolder.at(new Path(hdfs + "/mnist-gz"), CLIENT).load();
    assertEquals(hdfs + "/mnist-gz", remote.source());
    assertSameData(local, remote);
    assertEquals(local.sha256(), remote.sha256());
    assertEquals(DataSetFormat.IDX_FOLDER, DataSetFormat.detect(new Path(hdfs + "/mnist-gz"), CLIENT));
    assertSameBlocks(local.test(), remote.test());
  }

  @Test
  void rawFolderOnHdfsLoadsIdenticallyWithThePublishedChecksums() throws IOException {
    DataSet remote = DataSetFolder.at(new Path(hdfs + "/mnist-raw"), CLIENT).load();
    assertSameData(local, remote);
    Map<String, String> published = IdxFiles.publishedSums(MnistFixture.folder());
    assertEquals(published, remote.sha256());
  }

  @Test
  void aMissingOrTruncatedFileOnHdfsIsNamedWithItsHdfsPath() throws IOException {
    FileSystem fs = FileSystem.get(URI.create(hdfs), CLIENT);
    Path truncated = new Path(hdfs + "/broken/t10k-labels-idx1-ubyte");
    try (FSDataOutputStream out = fs.create(truncated)) {
      out.write(IdxFiles.labelsHeader(IdxReader.LABELS_MAGIC, 10_000));
      out.write(new byte[9_999]);
    }
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> IdxReader.readLabels(truncated, CLIENT, 10));
    assertTrue(
        e.getMessage().startsWith(hdfs + "/broken/t10k-labels-idx1-ubyte: file length: expected"
            + " 8-byte header + 10000 labels = 10008 bytes"),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("found 10007 bytes (truncated: room for only 9999 complete labels)"),
        e.getMessage());

    Path missing = new Path(hdfs + "/broken/train-images-idx3-ubyte");
    DataFormatException m =
        assertThrows(DataFormatException.class, () -> IdxReader.readImages(missing, CLIENT));
    assertTrue(m.getMessage().startsWith(missing + ": file not found"), m.getMessage());
  }

  @Test
  void parquetTableWrittenToHdfsReadsBack() throws IOException {
    String table = hdfs + "/tables/mnist";
    ParquetData.write(SparkTestSession.get(), local, table);
    FileSystem fs = FileSystem.get(URI.create(hdfs), CLIENT);
    // Renamed into place: the parent holds the table and nothing else.
    assertEquals(1, fs.listStatus(new Path(hdfs + "/tables")).length);
    assertTrue(fs.exists(new Path(table + "/_SUCCESS")));
    LabeledImages test = ParquetData.read(SparkTestSession.get(), table, Split.TEST, 10);
    assertArrayEquals(local.test().labels(), test.labels());
    assertArrayEquals(local.test().pixels(), test.pixels());
    OutputException exists =
        assertThrows(
            OutputException.class,
            () -> ParquetData.write(SparkTestSession.get(), local, table));
    assertTrue(exists.getMessage().startsWith(table + ": output: expected a path that does not exist"),
        exists.getMessage());
  }
}
