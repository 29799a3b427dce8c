package io.sparkgrad.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the real MNIST lives for tests: ../shared/datasets/mnist beside the checkout. */
public final class MnistFixture {
  private MnistFixture() {}

  /** The folder with the four gzip IDX files; fails loudly (never skips) when it is missing. */
  public static Path folder() {
    String configured = System.getProperty("sparkgrad.mnist.dir");
    Path dir = configured != null ? Paths.get(configured) : Paths.get("../shared/datasets/mnist");
    if (!Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))) {
      throw new IllegalStateException(
          "MNIST not found at " + dir.toAbsolutePath()
              + ": the tests need ../shared/datasets/mnist (or -Dsparkgrad.mnist.dir=DIR)");
    }
    return dir;
  }
}
