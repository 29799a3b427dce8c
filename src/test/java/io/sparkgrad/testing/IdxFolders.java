package io.sparkgrad.testing;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.LabeledImages;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;

/** Writes IDX data-set folders for tests, e.g. a small slice of the real MNIST. */
public final class IdxFolders {
  private static DataSet mnist;

  private IdxFolders() {}

  /** The full real MNIST, loaded once per test JVM. */
  public static synchronized DataSet mnist() {
    if (mnist == null) {
      try {
        mnist = DataSetFolder.at(MnistFixture.folder().toString(), new Configuration()).load();
      } catch (IOException e) {
        throw new IllegalStateException("cannot load MNIST", e);
      }
    }
    return mnist;
  }

  /** The first {@code count} examples of {@code images}. */
  public static LabeledImages head(LabeledImages images, int count) {
    int size = images.features();
    return new LabeledImages(images.source() + "[0:" + count + "]", images.imageRows(),
        images.imageCols(), Arrays.copyOf(images.pixels(), count * size),
        Arrays.copyOf(images.labels(), count));
  }

  /** Writes a folder with the first {@code train} and {@code test} MNIST examples, gzipped. */
  public static Path mnistSubset(Path dir, int train, int test) throws IOException {
    return write(dir, head(mnist().train(), train), head(mnist().test(), test));
  }

  /** Writes the four canonical gzip IDX files of {@code train} and {@code test} into {@code dir}. */
  public static Path write(Path dir, LabeledImages train, LabeledImages test) throws IOException {
    Files.createDirectories(dir);
    writeSplit(dir, "train", train);
    writeSplit(dir, "t10k", test);
    return dir;
  }

  private static void writeSplit(Path dir, String prefix, LabeledImages images) throws IOException {
    try (DataOutputStream out = gzip(dir.resolve(prefix + "-images-idx3-ubyte.gz"))) {
      out.writeInt(2051);
      out.writeInt(images.count());
      out.writeInt(images.imageRows());
      out.writeInt(images.imageCols());
      out.write(images.pixels());
    }
    try (DataOutputStream out = gzip(dir.resolve(prefix + "-labels-idx1-ubyte.gz"))) {
      out.writeInt(2049);
      out.writeInt(images.count());
      out.write(images.labels());
    }
  }

  private static DataOutputStream gzip(Path file) throws IOException {
    OutputStream raw = Files.newOutputStream(file);
    return new DataOutputStream(new GZIPOutputStream(raw));
  }
}
