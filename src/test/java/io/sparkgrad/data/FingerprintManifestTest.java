package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder's recorded fingerprints are taken for the files whose length and modification time
 * are still the recorded ones, and only those; a file touched since, or a manifest that cannot be
 * read, is hashed again.
 */
class FingerprintManifestTest {
  private static final String PART = "train-images-idx3-ubyte.part-00001";

  @TempDir java.nio.file.Path work;

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  }

  /** Two raw train parts and a raw test split, and a manifest of every file as written. */
  private Path folder(Configuration conf) throws IOException {
    FileSystem fs = FileSystem.getLocal(conf);
    Path folder = new Path(work.resolve("set").toString());
    for (int p = 0; p < 2; p++) {
      IdxWriter.writeSplit(fs, folder, Split.TRAIN, IdxWriter.partSuffix(p),
          SyntheticImages.make(100, 8, 6, 4, p + 1));
    }
    IdxWriter.writeSplit(fs, folder, Split.TEST, "", SyntheticImages.make(50, 8, 6, 4, 9));
    List<FingerprintManifest.Entry> entries = new ArrayList<>();
    for (java.nio.file.Path file : Files.list(work.resolve("set")).sorted().toList()) {
      String name = file.getFileName().toString();
      if (!name.startsWith(".")) {
        entries.add(FingerprintManifest.take(conf, new Path(folder, name)));
      }
    }
    FingerprintManifest.write(fs, folder, entries);
    return folder;
  }

  private static Map<String, String> eachFilesOwn(java.nio.file.Path folder, LabeledData data)
      throws IOException {
    Map<String, String> sums = new LinkedHashMap<>();
    for (String name : data.sha256().keySet()) {
      sums.put(name, IdxFiles.sha256(folder.resolve(name)));
    }
    return sums;
  }

  /** Replaces the recorded fingerprint of {@code name} by another value, all else as it was. */
  private void forge(String name, String value) throws IOException {
    java.nio.file.Path manifest = work.resolve("set").resolve(FingerprintManifest.NAME);
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
      String[] f = line.split("\t");
      lines.add(f[0].equals(name) ? f[0] + "\t" + f[1] + "\t" + f[2] + "\t" + value : line);
    }
    Files.deleteIfExists(work.resolve("set").resolve("." + FingerprintManifest.NAME + ".crc"));
    Files.write(manifest, lines, StandardCharsets.UTF_8);
  }

  @Test
  void recordedFingerprintsAreTakenOnlyForFilesUnchangedSince() throws IOException {
    Configuration conf = new Configuration();
    Path folder = folder(conf);
    LabeledData data = LabeledData.idx(jsc(), folder, 0, conf);
    assertEquals(6, data.sha256().size());
    assertEquals(eachFilesOwn(work.resolve("set"), data), data.sha256());

    // The recorded value is what a run reports while the file is as it was recorded.
    String forged = "0".repeat(64);
    forge(PART, forged);
    assertEquals(forged, LabeledData.idx(jsc(), folder, 0, conf).sha256().get(PART));

    // Touched since (a new modification time): hashed again, to its own SHA-256.
    FileSystem fs = FileSystem.getLocal(conf);
    Path part = new Path(folder, PART);
    fs.setTimes(part, fs.getFileStatus(part).getModificationTime() + 2000, -1);
    LabeledData touched = LabeledData.idx(jsc(), folder, 0, conf);
    assertNotEquals(forged, touched.sha256().get(PART));
    assertEquals(eachFilesOwn(work.resolve("set"), touched), touched.sha256());
  }

  @Test
  void aManifestThatCannotBeReadIsIgnored() throws IOException {
    Configuration conf = new Configuration();
    Path folder = folder(conf);
    forge(PART, "not a digest");
    LabeledData data = LabeledData.idx(jsc(), folder, 0, conf);
    assertEquals(eachFilesOwn(work.resolve("set"), data), data.sha256());
  }
}
