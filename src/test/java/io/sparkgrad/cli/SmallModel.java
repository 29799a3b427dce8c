package io.sparkgrad.cli;

import static io.sparkgrad.cli.CommandRun.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * One small model for the predict and export tests, trained once per test JVM with the
 * {@code train} command on a slice of the real MNIST (20000 training, 1000 test images):
 * {@code --epochs 2 --hidden 32 --learning-rate 0.005}, about 91% test accuracy (1000 test images).
 */
final class SmallModel {
  static final int TRAIN = 20000;
  static final int TEST = 1000;

  private static Path work;
  private static Path data;
  private static Path model;

  private SmallModel() {}

  /** A folder under target/ for this JVM's shared fixtures. */
  static synchronized Path work() throws IOException {
    if (work == null) {
      Path target = Paths.get(System.getProperty("sparkgrad.project.dir", "."), "target");
      work = Files.createTempDirectory(Files.createDirectories(target), "predict-export-");
      Path created = work;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(created)));
    }
    return work;
  }

  private static void deleteQuietly(Path root) {
    try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // a leftover folder under target/ is harmless
    }
  }

  /** The IDX folder the model was trained on. */
  static synchronized Path data() throws IOException {
    if (data == null) {
      data = IdxFolders.mnistSubset(work().resolve("mnist-small"), TRAIN, TEST);
    }
    return data;
  }

  static synchronized Path model() throws IOException {
    if (model == null) {
      SparkTestSession.get(); // commands reuse the running session
      Path folder = work().resolve("model");
      CommandRun.Outcome trained = run("train", "--data", data().toString(), "--model",
          folder.toString(), "--epochs", "2", "--hidden", "32", "--learning-rate", "0.005");
      assertEquals(0, trained.code(), trained.err());
      model = folder;
    }
    return model;
  }
}
