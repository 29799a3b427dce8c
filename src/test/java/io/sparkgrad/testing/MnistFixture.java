package io.sparkgrad.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Where the real MNIST lives for tests, always in the form of {@code ../shared/datasets/mnist}:
 * the four gzip IDX files and a {@code SHA256SUMS} of their decompressed content. CI has that
 * folder beside the checkout; on a user's fresh machine the fixture runs
 * {@code scripts/fetch-mnist.sh data/mnist} (which verifies the published checksums) and makes
 * that form of it under {@code target/}. Never skips: no data is a test failure.
 */
public final class MnistFixture {
  private static Path folder;

  private MnistFixture() {}

  /** The folder with the four MNIST IDX files (raw or gzip). */
  public static synchronized Path folder() {
    if (folder != null) {
      return folder;
    }
    Path project = Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();
    Path shared = project.resolve("../shared/datasets/mnist").normalize();
    if (hasGzipForm(shared)) {
      folder = shared;
      return folder;
    }
    Path made = project.resolve("target/test-mnist");
    if (!hasGzipForm(made)) {
      Path fetched = project.resolve("data/mnist");
      fetch(project, fetched);
      makeGzipForm(fetched, made);
    }
    folder = made;
    return folder;
  }

  /** The real MNIST training split (60000 digits of 28×28, labels 0..9), read with IdxReader. */
  public static io.sparkgrad.data.LabeledImages trainingSplit() throws IOException {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    io.sparkgrad.data.IdxReader.Images images = io.sparkgrad.data.IdxReader.readImages(
        new org.apache.hadoop.fs.Path(folder().resolve("train-images-idx3-ubyte.gz").toUri()), conf);
    io.sparkgrad.data.IdxReader.Labels labels = io.sparkgrad.data.IdxReader.readLabels(
        new org.apache.hadoop.fs.Path(folder().resolve("train-labels-idx1-ubyte.gz").toUri()), conf,
        10);
    return new io.sparkgrad.data.LabeledImages(images.source(), images.rows(), images.cols(),
        images.pixels(), labels.labels());
  }

  private static final List<String> NAMES = List.of("train-images-idx3-ubyte",
      "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

  private static boolean hasGzipForm(Path dir) {
    if (!Files.isRegularFile(dir.resolve("SHA256SUMS"))) {
      return false;
    }
    for (String name : NAMES) {
      if (!Files.isRegularFile(dir.resolve(name + ".gz"))) {
        return false;
      }
    }
    return true;
  }

  /** Gzips the fetched (raw or gzip, checksum-verified) files and writes their SHA256SUMS. */
  private static void makeGzipForm(Path fetched, Path target) {
    try {
      Path temporary = Files.createTempDirectory(target.getParent() == null
          ? Paths.get(".") : Files.createDirectories(target.getParent()), "test-mnist");
      StringBuilder sums = new StringBuilder();
      for (String name : NAMES) {
        byte[] raw;
        if (Files.isRegularFile(fetched.resolve(name))) {
          raw = Files.readAllBytes(fetched.resolve(name));
        } else {
          try (java.io.InputStream in = new java.util.zip.GZIPInputStream(
              Files.newInputStream(fetched.resolve(name + ".gz")))) {
            raw = in.readAllBytes();
          }
        }
        try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(
            Files.newOutputStream(temporary.resolve(name + ".gz")))) {
          out.write(raw);
        }
        sums.append(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(raw)))
            .append("  ").append(name).append('\n');
      }
      Files.writeString(temporary.resolve("SHA256SUMS"), sums);
      Files.move(temporary, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot prepare the MNIST test fixture in " + target, e);
    }
  }

  private static void fetch(Path project, Path target) {
    try {
      Process process = new ProcessBuilder(
              "bash", project.resolve("scripts/fetch-mnist.sh").toString(), target.toString())
          .directory(project.toFile())
          .inheritIO()
          .start();
      int code = process.waitFor();
      if (code != 0) {
        throw new IllegalStateException(
            "MNIST is not in ../shared/datasets/mnist or data/mnist, and scripts/fetch-mnist.sh"
                + " failed with exit code " + code + " (see its output above)");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run scripts/fetch-mnist.sh: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fetching MNIST", e);
    }
  }
}
