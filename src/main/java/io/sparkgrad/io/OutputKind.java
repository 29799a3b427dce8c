package io.sparkgrad.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The outputs sparkgrad writes, each recognising its own: --overwrite replaces a path only when
 * it is an output of the same kind that sparkgrad wrote, so a mistyped path never deletes data,
 * a model or anything else. Only small regular files are read to decide.
 */
public enum OutputKind {
  /** A model folder: metadata.json with sparkgrad's format_version, model_id and weights_sha256. */
  MODEL("model folder") {
    @Override
    boolean recognizes(FileSystem fs, FileStatus status) throws IOException {
      if (!status.isDirectory()) {
        return false;
      }
      JsonNode metadata = smallJson(fs, new Path(status.getPath(), "metadata.json"));
      return metadata != null && metadata.has("format_version") && metadata.has("model_id")
          && metadata.has("weights_sha256");
    }
  },
  /** A checkpoint folder: only epoch-NNNNNN folders holding a state.json (and hidden files). */
  CHECKPOINTS("checkpoint folder") {
    @Override
    boolean recognizes(FileSystem fs, FileStatus status) throws IOException {
      if (!status.isDirectory()) {
        return false;
      }
      for (FileStatus child : fs.listStatus(status.getPath())) {
        String name = child.getPath().getName();
        if (name.startsWith(".")) {
          continue;
        }
        if (!child.isDirectory() || !EPOCH.matcher(name).matches()
            || !fs.exists(new Path(child.getPath(), "state.json"))) {
          return false;
        }
      }
      return true;
    }
  },
  /** A metrics table: only run_date=YYYY-MM-DD partitions (and hidden or _ files). */
  METRICS_TABLE("metrics table") {
    @Override
    boolean recognizes(FileSystem fs, FileStatus status) throws IOException {
      if (!status.isDirectory()) {
        return false;
      }
      for (FileStatus child : fs.listStatus(status.getPath())) {
        String name = child.getPath().getName();
        if (name.startsWith(".") || name.startsWith("_")) {
          continue;
        }
        if (!child.isDirectory() || !RUN_DATE.matcher(name).matches()) {
          return false;
        }
        for (FileStatus file : fs.listStatus(child.getPath())) {
          String fileName = file.getPath().getName();
          if (!file.isFile() || !(fileName.endsWith(".parquet") || fileName.startsWith(".")
              || fileName.startsWith("_"))) {
            return false;
          }
        }
      }
      return true;
    }
  },
  /** An HTML report: sparkgrad's page, which ends with its "Written by sparkgrad." footer. */
  REPORT("report") {
    @Override
    boolean recognizes(FileSystem fs, FileStatus status) throws IOException {
      if (!status.isFile() || status.getLen() > MAX_REPORT_BYTES
          || RegularFiles.whatIfNotRegular(fs, status.getPath()) != null) {
        return false;
      }
      String text;
      try (InputStream in = fs.open(status.getPath())) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return text.startsWith("<!DOCTYPE html>") && text.contains("<footer>Written by sparkgrad.");
    }
  },
  /** A predictions folder: holds the marker file {@link #PREDICTIONS_MARKER}. */
  PREDICTIONS("predictions folder") {
    @Override
    boolean recognizes(FileSystem fs, FileStatus status) throws IOException {
      if (!status.isDirectory()) {
        return false;
      }
      Path marker = new Path(status.getPath(), PREDICTIONS_MARKER);
      return fs.exists(marker) && RegularFiles.whatIfNotRegular(fs, marker) == null;
    }
  },
  /** An exported model: an .npz whose meta.json says sparkgrad-npz, or ONNX produced by sparkgrad. */
  EXPORT("exported model") {
    @Override
    boolean recognizes(FileSystem fs, FileStatus status) throws IOException {
      if (!status.isFile() || RegularFiles.whatIfNotRegular(fs, status.getPath()) != null) {
        return false;
      }
      byte[] head = new byte[512];
      int n;
      try (InputStream in = fs.open(status.getPath())) {
        n = in.readNBytes(head, 0, head.length);
      }
      if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
        try (ZipInputStream zip = new ZipInputStream(fs.open(status.getPath()))) {
          for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
            if (entry.getName().equals("meta.json")) {
              byte[] meta = zip.readNBytes(MAX_SMALL_FILE_BYTES);
              return new String(meta, StandardCharsets.UTF_8).contains("\"sparkgrad-npz\"");
            }
          }
        } catch (IOException e) {
          return false;
        }
        return false;
      }
      // ONNX ModelProto field 2 (producer_name) = "sparkgrad": tag 0x12, length 9.
      String text = new String(head, 0, n, StandardCharsets.ISO_8859_1);
      return text.contains("\u0012\u0009sparkgrad");
    }
  };

  /** The hidden file that marks a folder of predictions as sparkgrad's. */
  public static final String PREDICTIONS_MARKER = ".sparkgrad-predictions";

  private static final Pattern EPOCH = Pattern.compile("epoch-\\d{6}");
  private static final Pattern RUN_DATE = Pattern.compile("run_date=\\d{4}-\\d{2}-\\d{2}");
  private static final int MAX_SMALL_FILE_BYTES = 1 << 20;
  private static final long MAX_REPORT_BYTES = 64L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String description;

  OutputKind(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }

  abstract boolean recognizes(FileSystem fs, FileStatus status) throws IOException;

  /** Whether the existing {@code path} is an output of this kind that sparkgrad wrote. */
  public boolean recognizes(FileSystem fs, Path path) throws IOException {
    return recognizes(fs, fs.getFileStatus(path));
  }

  /** A small regular JSON file, or null when it is missing, not regular, too large or not JSON. */
  private static JsonNode smallJson(FileSystem fs, Path file) throws IOException {
    if (!fs.exists(file) || RegularFiles.whatIfNotRegular(fs, file) != null
        || fs.getFileStatus(file).getLen() > MAX_SMALL_FILE_BYTES) {
      return null;
    }
    try (InputStream in = fs.open(file)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      return null;
    }
  }
}
