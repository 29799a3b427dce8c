package io.sparkgrad.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes raw (uncompressed) IDX files through the Hadoop FileSystem: the form large data sets
 * should take, since executors read them in byte ranges ({@link IdxSplit}).
 */
public final class IdxWriter {
  private IdxWriter() {}

  /** An images file of {@code count} images of rows×cols bytes, example after example. */
  public static void writeImages(FileSystem fs, Path file, int count, int rows, int cols,
      byte[] pixels, int offset) throws IOException {
    try (DataOutputStream out = open(fs, file)) {
      out.writeInt(IdxReader.IMAGES_MAGIC);
      out.writeInt(count);
      out.writeInt(rows);
      out.writeInt(cols);
      out.write(pixels, offset, count * rows * cols);
    }
  }

  /** A labels file of {@code count} labels, one unsigned byte each. */
  public static void writeLabels(FileSystem fs, Path file, int count, byte[] labels, int offset)
      throws IOException {
    try (DataOutputStream out = open(fs, file)) {
      out.writeInt(IdxReader.LABELS_MAGIC);
      out.writeInt(count);
      out.write(labels, offset, count);
    }
  }

  /** Both files of a split (or of one part of it) in {@code folder}. */
  public static void writeSplit(FileSystem fs, Path folder, Split split, String suffix,
      LabeledImages images) throws IOException {
    writeImages(fs, new Path(folder, split.imagesFileName() + suffix), images.count(),
        images.imageRows(), images.imageCols(), images.pixels(), 0);
    writeLabels(fs, new Path(folder, split.labelsFileName() + suffix), images.count(),
        images.labels(), 0);
  }

  /** The suffix of part {@code number}: {@code .part-00007}. */
  public static String partSuffix(int number) {
    return String.format(java.util.Locale.ROOT, ".part-%05d", number);
  }

  private static DataOutputStream open(FileSystem fs, Path file) throws IOException {
    return new DataOutputStream(new BufferedOutputStream(fs.create(file, false), 1 << 20));
  }
}
