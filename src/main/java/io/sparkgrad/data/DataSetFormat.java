package io.sparkgrad.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** How a data set is stored, so that the commands accept either form. */
public enum DataSetFormat {
  /** A folder with the canonical IDX file names ({@link DataSetFolder}). */
  IDX_FOLDER,
  /** A Parquet table written by {@link ParquetData#write}. */
  PARQUET_TABLE;

  /**
   * Decides from the folder's entries: any canonical IDX name ({@code train-images-idx3-ubyte},
   * … with or without {@code .gz}) makes it an IDX folder; a {@code _SUCCESS} marker, a
   * {@code split=…} subfolder or a {@code *.parquet} file makes it a Parquet table. Both, neither,
   * a missing path or a plain file are refused, naming what was found.
   */
  public static DataSetFormat detect(Path path, Configuration conf) throws IOException {
    FileSystem fs = IdxReader.fileSystem(path, conf);
    FileStatus status;
    try {
      status = fs.getFileStatus(path);
    } catch (FileNotFoundException e) {
      throw new DataFormatException(
          path + ": data set not found (expected an IDX folder or a Parquet table)", e);
    }
    String expected = "an IDX folder (train-images-idx3-ubyte[.gz], …) or a Parquet table"
        + " (_SUCCESS, split=train/, split=test/)";
    if (!status.isDirectory()) {
      throw DataFormatException.of(status.getPath(), "data set", expected, "a file");
    }
    List<String> idx = new ArrayList<>();
    List<String> parquet = new ArrayList<>();
    List<String> all = new ArrayList<>();
    for (FileStatus child : fs.listStatus(status.getPath())) {
      String name = child.getPath().getName();
      all.add(name);
      if (DataSetFolder.isIdxFileName(name)) {
        idx.add(name);
      } else if (name.equals("_SUCCESS")
          || (child.isDirectory() && name.startsWith("split="))
          || (child.isFile() && name.endsWith(".parquet"))) {
        parquet.add(name);
      }
    }
    if (!idx.isEmpty() && !parquet.isEmpty()) {
      throw DataFormatException.of(
          status.getPath(), "data set", "either an IDX folder or a Parquet table",
          "both: IDX files " + idx + " and Parquet entries " + parquet);
    }
    if (!idx.isEmpty()) {
      return IDX_FOLDER;
    }
    if (!parquet.isEmpty()) {
      return PARQUET_TABLE;
    }
    all.sort(null);
    throw DataFormatException.of(
        status.getPath(), "data set", expected,
        all.isEmpty() ? "an empty folder" : "a folder holding " + abbreviate(all));
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 12
        ? String.join(", ", names)
        : String.join(", ", names.subList(0, 12)) + ", … (" + names.size() + " entries)";
  }
}
