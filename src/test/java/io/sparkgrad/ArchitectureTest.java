package io.sparkgrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering: the math and the network are plain Java that never touch Spark, and their tests
 * start no Spark. Checked on the sources, so a new file cannot slip past.
 */
class ArchitectureTest {
  private static final Path PROJECT =
      Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();
  private static final List<String> PURE_PACKAGES = List.of("math", "network");

  @Test
  void mathAndNetworkImportNothingFromSparkOrScala() throws IOException {
    List<String> offenders = new ArrayList<>();
    int files = 0;
    for (String pkg : PURE_PACKAGES) {
      for (Path file : javaFiles(PROJECT.resolve("src/main/java/io/sparkgrad/" + pkg))) {
        files++;
        for (String line : Files.readAllLines(file)) {
          if (line.matches("\\s*import\\s+(static\\s+)?(org\\.apache\\.spark|scala)\\..*")) {
            offenders.add(PROJECT.relativize(file) + ": " + line.trim());
          }
        }
      }
    }
    assertTrue(files >= 10, "found only " + files + " source files: wrong folder?");
    assertEquals(List.of(), offenders);
  }

  @Test
  void mathAndNetworkTestsStartNoSpark() throws IOException {
    List<String> offenders = new ArrayList<>();
    int files = 0;
    for (String pkg : PURE_PACKAGES) {
      for (Path file : javaFiles(PROJECT.resolve("src/test/java/io/sparkgrad/" + pkg))) {
        files++;
        String text = Files.readString(file);
        for (String marker : List.of("org.apache.spark", "SparkTestSession", "SparkSession")) {
          if (text.contains(marker)) {
            offenders.add(PROJECT.relativize(file) + " mentions " + marker);
          }
        }
      }
    }
    assertTrue(files >= 4, "found only " + files + " test files: wrong folder?");
    assertEquals(List.of(), offenders);
  }

  private static List<Path> javaFiles(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }
}
