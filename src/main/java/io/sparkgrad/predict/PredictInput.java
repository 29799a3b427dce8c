package io.sparkgrad.predict;

import io.sparkgrad.data.DataFormatException;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.DataSetFormat;
import io.sparkgrad.data.IdxReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What {@code sparkgrad predict --input} names, decided from the path and the bytes:
 *
 * <ul>
 *   <li>a path with a glob character ({@code * ? [ {}}): the image files it matches;
 *   <li>a file named {@code *.png}, {@code *.jpg} or {@code *.jpeg} (any case), or a file whose
 *       first bytes are a PNG or JPEG signature: that one image;
 *   <li>any other file: an IDX images file (magic 0x00000803, raw or gzip);
 *   <li>a folder with the canonical IDX names or a Parquet table ({@link DataSetFormat#detect});
 *   <li>any other folder: the image files directly in it (not in subfolders; names starting with
 *       {@code .} or {@code _} skipped).
 * </ul>
 *
 * <p>Image files are chosen by their name; their content is checked when they are decoded.
 */
public record PredictInput(Kind kind, Path path, List<String> files) {

  public enum Kind {
    IDX_IMAGES_FILE("IDX images file"),
    IDX_FOLDER("IDX folder"),
    PARQUET_TABLE("Parquet table"),
    IMAGE_FILES("image files");

    private final String description;

    Kind(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  public PredictInput {
    files = List.copyOf(files);
  }

  private static final String EXPECTED = "an IDX images file, an IDX folder, a Parquet table"
      + " from 'sparkgrad prepare', a PNG or JPEG image, or a folder or glob of them";

  /** Whether a file name ends with .png, .jpg, .jpeg, .gif, .bmp, .tif or .tiff (any case). */
  public static boolean isImageName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg")
        || lower.endsWith(".gif") || lower.endsWith(".bmp") || lower.endsWith(".tif")
        || lower.endsWith(".tiff");
  }

  public static PredictInput detect(String input, Configuration conf) throws IOException {
    Path path = new Path(input);
    FileSystem fs = path.getFileSystem(conf);
    if (hasGlob(input)) {
      FileStatus[] matched = fs.globStatus(path);
      List<String> images = new ArrayList<>();
      List<String> others = new ArrayList<>();
      for (FileStatus status : matched == null ? new FileStatus[0] : matched) {
        if (status.isFile() && isImageName(status.getPath().getName())) {
          images.add(status.getPath().toString());
        } else {
          others.add(status.getPath().getName() + (status.isDirectory() ? "/" : ""));
        }
      }
      if (images.isEmpty()) {
        throw new DataFormatException(input + ": input: expected the pattern to match PNG or"
            + " JPEG files (*.png, *.jpg, *.jpeg); found "
            + (others.isEmpty() ? "no match" : "only " + abbreviate(others)));
      }
      images.sort(null);
      return new PredictInput(Kind.IMAGE_FILES, path, images);
    }
    FileStatus status;
    try {
      status = fs.getFileStatus(path);
    } catch (FileNotFoundException e) {
      throw new DataFormatException(input + ": input: expected " + EXPECTED + "; found nothing"
          + " at this path", e);
    }
    Path qualified = status.getPath();
    String special = io.sparkgrad.io.RegularFiles.whatIfNotRegular(fs, qualified);
    if (status.isFile() && special != null) {
      throw new DataFormatException(input + ": input: expected " + EXPECTED + "; found "
          + special);
    }
    if (status.isFile()) {
      if (isImageName(qualified.getName())) {
        return new PredictInput(Kind.IMAGE_FILES, qualified, List.of(qualified.toString()));
      }
      return new PredictInput(sniff(fs, status), qualified, List.of(qualified.toString()));
    }
    List<String> images = new ArrayList<>();
    boolean dataSet = false;
    List<String> names = new ArrayList<>();
    FileStatus[] children = fs.listStatus(qualified);
    java.util.Arrays.sort(children, Comparator.comparing(c -> c.getPath().getName()));
    for (FileStatus child : children) {
      String name = child.getPath().getName();
      names.add(name + (child.isDirectory() ? "/" : ""));
      if (DataSetFolder.isIdxFileName(name) || name.equals("_SUCCESS")
          || (child.isDirectory() && name.startsWith("split="))
          || (child.isFile() && name.endsWith(".parquet"))) {
        dataSet = true;
      } else if (child.isFile() && isImageName(name) && !name.startsWith(".")
          && !name.startsWith("_")) {
        images.add(child.getPath().toString());
      }
    }
    if (dataSet) {
      DataSetFormat format = DataSetFormat.detect(qualified, conf);
      return new PredictInput(
          format == DataSetFormat.IDX_FOLDER ? Kind.IDX_FOLDER : Kind.PARQUET_TABLE, qualified,
          List.of());
    }
    if (images.isEmpty()) {
      throw new DataFormatException(qualified + ": input: expected " + EXPECTED + "; found "
          + (names.isEmpty() ? "an empty folder" : "a folder holding " + abbreviate(names)));
    }
    return new PredictInput(Kind.IMAGE_FILES, qualified, images);
  }

  /** A file without an image extension: a PNG or JPEG by its signature, else IDX images. */
  private static Kind sniff(FileSystem fs, FileStatus status) throws IOException {
    byte[] head = new byte[8];
    int n;
    try (InputStream in = fs.open(status.getPath())) {
      n = readUpTo(in, head);
    }
    boolean png = n >= 8 && (head[0] & 0xFF) == 0x89 && head[1] == 'P' && head[2] == 'N'
        && head[3] == 'G';
    boolean jpeg = n >= 3 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8
        && (head[2] & 0xFF) == 0xFF;
    boolean gif = n >= 4 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F' && head[3] == '8';
    if (png || jpeg || gif) {
      return Kind.IMAGE_FILES;
    }
    // IDX, raw or gzip: the first four bytes of the content are the magic number.
    int magic = -1;
    int found = 0;
    try (InputStream raw = fs.open(status.getPath())) {
      PushbackInputStream peek = new PushbackInputStream(raw, 2);
      byte[] first = new byte[2];
      int count = readUpTo(peek, first);
      peek.unread(first, 0, count);
      boolean gzip = count == 2 && (first[0] & 0xFF) == 0x1f && (first[1] & 0xFF) == 0x8b;
      byte[] magicBytes = new byte[4];
      try (InputStream in = gzip ? new GZIPInputStream(peek) : peek) {
        found = readUpTo(in, magicBytes);
      } catch (IOException e) {
        found = 0; // a damaged gzip stream: described below as not IDX
      }
      if (found == 4) {
        magic = ((magicBytes[0] & 0xFF) << 24) | ((magicBytes[1] & 0xFF) << 16)
            | ((magicBytes[2] & 0xFF) << 8) | (magicBytes[3] & 0xFF);
      }
    }
    if (magic == IdxReader.IMAGES_MAGIC) {
      return Kind.IDX_IMAGES_FILE;
    }
    String what = magic == IdxReader.LABELS_MAGIC
        ? "an IDX labels file (magic 0x00000801): predict needs the images file"
        : found < 4 ? "a file of " + status.getLen() + " bytes that is none of these"
        : String.format("a file starting 0x%08X, none of these", magic);
    throw new DataFormatException(status.getPath() + ": input: expected " + EXPECTED
        + "; found " + what);
  }

  private static boolean hasGlob(String input) {
    for (char c : new char[] {'*', '?', '[', '{'}) {
      if (input.indexOf(c) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static int readUpTo(InputStream in, byte[] buffer) throws IOException {
    int total = 0;
    while (total < buffer.length) {
      int n = in.read(buffer, total, buffer.length - total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 12
        ? String.join(", ", names)
        : String.join(", ", names.subList(0, 12)) + ", … (" + names.size() + " entries)";
  }
}
