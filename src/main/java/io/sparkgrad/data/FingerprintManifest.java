package io.sparkgrad.data;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fingerprints a writer took of the files it wrote ({@value #NAME} in the folder; {@code
 * expand} writes one), each with the file's length and modification time then. A reader takes a
 * recorded fingerprint only for a file whose length and time are still the recorded ones, as
 * make and rsync trust a file's time, and hashes the others: training on an expanded set does not
 * hash its gigabytes again at every run (6.4 GB for mnist8m's size). A file rewritten in place
 * gets a new time and is hashed; a manifest that cannot be read is ignored, with a warning.
 *
 * <p>One line a file, tab-separated: name, bytes, modification time (ms since the epoch), the
 * fingerprint ({@link FileDigests}: SHA-256, or the hash list of a file over 64 MiB).
 */
final class FingerprintManifest {
  static final String NAME = "_FINGERPRINTS";
  private static final String HEADER =
      "# sparkgrad fingerprints: file, bytes, modified (ms), fingerprint (FileDigests)";
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Logger LOG = LoggerFactory.getLogger(FingerprintManifest.class);

  /** One file as its writer recorded it. */
  record Entry(String name, long bytes, long modified, String fingerprint)
      implements Serializable {}

  private FingerprintManifest() {}

  /** Hashes {@code file}, just written, and records its length and time. */
  static Entry take(Configuration conf, Path file) throws IOException {
    FileStatus status = file.getFileSystem(conf).getFileStatus(file);
    return new Entry(file.getName(), status.getLen(), status.getModificationTime(),
        FileDigests.fingerprint(conf, file));
  }

  /**
   * Hashes {@code files} (in {@code folder}; a Spark job, {@link FileDigests}) and writes their
   * manifest: for a folder written before manifests were.
   */
  static void record(JavaSparkContext jsc, Configuration conf, Path folder, List<Path> files)
      throws IOException {
    List<String> names = new ArrayList<>();
    for (Path file : files) {
      names.add(file.getName());
    }
    Map<String, String> fingerprints = FileDigests.sha256(jsc, conf, files, names);
    FileSystem fs = folder.getFileSystem(conf);
    List<Entry> entries = new ArrayList<>();
    for (Path file : files) {
      FileStatus status = fs.getFileStatus(file);
      entries.add(new Entry(file.getName(), status.getLen(), status.getModificationTime(),
          fingerprints.get(file.getName())));
    }
    write(fs, folder, entries);
  }

  /** Writes {@code entries} as {@code folder}'s manifest, whole or not at all (a rename). */
  static void write(FileSystem fs, Path folder, List<Entry> entries) throws IOException {
    StringBuilder text = new StringBuilder(HEADER).append('\n');
    for (Entry e : entries) {
      text.append(e.name()).append('\t').append(e.bytes()).append('\t').append(e.modified())
          .append('\t').append(e.fingerprint()).append('\n');
    }
    Path temporary = new Path(folder, "." + NAME + ".tmp-" + UUID.randomUUID());
    try {
      try (OutputStream out = fs.create(temporary, false)) {
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
      }
      if (!fs.rename(temporary, new Path(folder, NAME))) {
        throw new IOException(folder + ": could not rename " + temporary + " to " + NAME);
      }
    } finally {
      fs.delete(temporary, false);
    }
  }

  /**
   * The recorded fingerprints of those of {@code files} (in {@code folder}) whose length and
   * modification time are still the recorded ones, keyed by file name; none without a manifest.
   */
  static Map<String, String> stillValid(FileSystem fs, Path folder, List<Path> files)
      throws IOException {
    Map<String, String> valid = new LinkedHashMap<>();
    Map<String, Entry> recorded = read(fs, new Path(folder, NAME));
    if (recorded.isEmpty()) {
      return valid;
    }
    for (Path file : files) {
      Entry e = recorded.get(file.getName());
      if (e == null || !file.getParent().equals(folder)) {
        continue;
      }
      FileStatus status = fs.getFileStatus(file);
      if (status.getLen() == e.bytes() && status.getModificationTime() == e.modified()) {
        valid.put(file.getName(), e.fingerprint());
      }
    }
    return valid;
  }

  private static Map<String, Entry> read(FileSystem fs, Path manifest) throws IOException {
    Map<String, Entry> entries = new LinkedHashMap<>();
    List<String> lines = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(fs.open(manifest), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines.add(line);
      }
    } catch (FileNotFoundException e) {
      return entries;
    } catch (IOException e) {
      // E.g. a local file's checksum no longer matches: edited by hand.
      LOG.warn("{}: unreadable ({}): the manifest is ignored and every file hashed", manifest,
          e.getMessage());
      return Map.of();
    }
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\t", -1);
      try {
        if (fields.length != 4 || !HEX.matcher(fields[3]).matches()) {
          throw new IllegalArgumentException("4 tab-separated fields ending in a SHA-256");
        }
        entries.put(fields[0], new Entry(fields[0], Long.parseLong(fields[1]),
            Long.parseLong(fields[2]), fields[3]));
      } catch (IllegalArgumentException e) {
        // A manifest is only a shortcut: without it the files are hashed, as any others.
        LOG.warn("{}: line {}: expected file, bytes, modified ms and a SHA-256, tab-separated;"
            + " found '{}': the manifest is ignored and every file hashed", manifest, i + 1, line);
        return Map.of();
      }
    }
    return entries;
  }
}
