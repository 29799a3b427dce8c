package io.sparkgrad.nativeblas;

import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Run in a JVM of its own by the tests: takes the BLAS of a choice as a fresh JVM would, does one
 * small sgemm, and prints what it got as key=value lines. Exit code 3 when the choice is refused.
 *
 * <p>Arguments: the choice (auto, bundled, system, native, java; or several, comma-separated,
 * taken in order), then optionally the
 * milliseconds to stay alive afterwards (so that two JVMs overlap).
 */
public final class BlasProbe {
  private BlasProbe() {}

  public static void main(String[] args) throws Exception {
    Blas blas = null;
    try {
      // A comma list is taken in order, as code in one JVM would; the last one is reported.
      for (String choice : args[0].split(",")) {
        blas = Blas.get(BlasChoice.parse(choice));
      }
    } catch (io.sparkgrad.math.BlasUnavailableException e) {
      System.out.println("refused=" + e.getMessage());
      System.exit(3);
      return;
    }
    // Column-major A = [1 3; 2 4], B = [5 7; 6 8]: A·B = [23 31; 34 46].
    float[] c = new float[4];
    blas.sgemm("N", "N", 2, 2, 2, 1f, new float[] {1, 2, 3, 4}, 0, 2,
        new float[] {5, 6, 7, 8}, 0, 2, 0f, c, 0, 2);
    System.out.println("describe=" + blas.describe());
    System.out.println("native=" + blas.isNative());
    System.out.println("sgemm=" + Arrays.toString(c));
    System.out.println("nativeLibPath="
        + System.getProperty("dev.ludovic.netlib.blas.nativeLibPath", ""));
    Set<String> mapped = new LinkedHashSet<>();
    for (String line : Files.readAllLines(Paths.get("/proc/self/maps"))) {
      int slash = line.indexOf('/');
      if (slash >= 0 && line.contains("blas") && !line.contains("netlibblasjni")) {
        mapped.add(line.substring(slash));
      }
    }
    mapped.forEach(path -> System.out.println("mapped=" + path));
    System.out.flush();
    if (args.length > 1) {
      Thread.sleep(Long.parseLong(args[1]));
    }
  }
}
