package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.io.OutputException;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The expand command's data: K copies, the first as is, deterministic, atomic, idempotent. */
class DataExpansionTest {
  private static final AugmentationSpec DEFORM =
      AugmentationSpec.parse("shift=2,rotate=10,scale=0.1,elastic-alpha=34,elastic-sigma=6");

  @TempDir java.nio.file.Path work;

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  }

  @Test
  void writesKCopiesOfRealDigitsThatTrainReadsAndTheSameAgainForTheSeed() throws IOException {
    Configuration conf = new Configuration();
    java.nio.file.Path source = IdxFolders.mnistSubset(work.resolve("mnist"), 300, 50);
    LabeledImages original = DataSetFolder.at(source.toString(), conf).load().train();
    Path out = new Path(work.resolve("x4").toString());

    DataExpansion.Result first =
        DataExpansion.expand(jsc(), new Path(source.toString()), out, 4, 7, DEFORM, false, conf);
    assertFalse(first.existed());
    assertEquals(1200, first.trainExamples());
    assertEquals(4, first.parts());
    assertTrue(Arrays.stream(work.toFile().list()).noneMatch(n -> n.contains(".tmp-")),
        "no temporary folder left");

    LabeledData distributed = LabeledData.idx(jsc(), out, 0, conf);
    assertEquals(1200, distributed.train().count());
    LabeledImages all = distributed.train().inMemory(jsc(), 1 << 30);
    assertEquals(50, distributed.test().count(), "the test split copied");
    // Raw parts, read by positions: expand's tasks hashed every file they wrote, and the
    // fingerprints are those, each file's own SHA-256.
    assertEquals(0, ((Fingerprints) distributed.sha256()).hashedByReads(), "4 raw part pairs");
    java.util.List<Path> files = new java.util.ArrayList<>(((IdxSplit) distributed.train()).files());
    files.addAll(((IdxSplit) distributed.test()).files());
    java.util.Map<String, String> recorded = FingerprintManifest.stillValid(
        out.getFileSystem(conf), files.get(0).getParent(), files);
    assertEquals(10, recorded.size(), "4 part pairs and the test pair recorded by expand");
    assertEquals(distributed.sha256(), recorded);
    for (String name : distributed.sha256().keySet()) {
      assertEquals(IdxFiles.sha256(work.resolve("x4").resolve(name)),
          distributed.sha256().get(name), "fingerprint of " + name);
    }
    assertArrayEquals(Files.readAllBytes(source.resolve("t10k-images-idx3-ubyte.gz")),
        Files.readAllBytes(work.resolve("x4/t10k-images-idx3-ubyte.gz")), "unchanged");
    int d = 28 * 28;
    assertArrayEquals(original.pixels(), Arrays.copyOf(all.pixels(), 300 * d), "copy 0 as is");
    for (int copy = 1; copy < 4; copy++) {
      assertArrayEquals(original.labels(),
          Arrays.copyOfRange(all.labels(), copy * 300, (copy + 1) * 300), "labels of " + copy);
      int changed = 0;
      for (int i = 0; i < 300; i++) {
        if (!Arrays.equals(original.pixels(), i * d, (i + 1) * d,
            all.pixels(), (copy * 300 + i) * d, (copy * 300 + i + 1) * d)) {
          changed++;
        }
      }
      assertEquals(300, changed, "copy " + copy + " deforms every image");
    }
    assertFalse(Arrays.equals(all.pixels(), 300 * d, 600 * d, all.pixels(), 600 * d, 900 * d),
        "copies 1 and 2 differ");

    DataExpansion.Result again =
        DataExpansion.expand(jsc(), new Path(source.toString()), out, 4, 7, DEFORM, false, conf);
    assertTrue(again.existed(), "the same settings find the finished expansion");
    // An expansion written before manifests: the next expand records one, the same values.
    String manifest = Files.readString(work.resolve("x4").resolve(FingerprintManifest.NAME));
    Files.delete(work.resolve("x4").resolve(FingerprintManifest.NAME));
    Files.deleteIfExists(work.resolve("x4").resolve("." + FingerprintManifest.NAME + ".crc"));
    assertTrue(DataExpansion.expand(jsc(), new Path(source.toString()), out, 4, 7, DEFORM, false,
        conf).existed());
    assertEquals(distributed.sha256(), FingerprintManifest.stillValid(
        out.getFileSystem(conf), files.get(0).getParent(), files), "recorded again");
    assertEquals(manifest.lines().count(),
        Files.readString(work.resolve("x4").resolve(FingerprintManifest.NAME)).lines().count());
    assertThrows(OutputException.class, () ->
        DataExpansion.expand(jsc(), new Path(source.toString()), out, 4, 8, DEFORM, false, conf));

    Path other = new Path(work.resolve("x4-again").toString());
    DataExpansion.expand(jsc(), new Path(source.toString()), other, 4, 7, DEFORM, false, conf);
    for (int p = 0; p < 4; p++) {
      String name = "train-images-idx3-ubyte" + IdxWriter.partSuffix(p);
      assertArrayEquals(Files.readAllBytes(work.resolve("x4").resolve(name)),
          Files.readAllBytes(work.resolve("x4-again").resolve(name)), "deterministic: " + name);
    }
  }
}
