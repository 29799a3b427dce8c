package io.sparkgrad.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * Debian's {@code chromium} in headless mode, for the report tests: screenshots, the DOM after
 * loading, and the page's console messages (Chromium logs each as a {@code :CONSOLE} line on
 * standard error with {@code --enable-logging=stderr}). No network: the flags turn off every
 * background fetch, and a self-contained page needs none. {@code .ci/run} installs chromium.
 */
public final class HeadlessChromium {
  /** What one run printed. */
  public record Run(int exitCode, String stdout, String stderr) {
    /** The page's console messages (errors, warnings, logs); empty for a clean page. */
    public List<String> consoleMessages() {
      List<String> lines = new ArrayList<>();
      for (String line : stderr.split("\n")) {
        if (line.contains(":CONSOLE")) {
          lines.add(line);
        }
      }
      return lines;
    }
  }

  private HeadlessChromium() {}

  /** Runs chromium on {@code page} with a fresh profile under {@code work}. */
  public static Run run(Path page, Path work, String... extra) throws IOException {
    Files.createDirectories(work);
    Path profile = Files.createTempDirectory(work, "profile");
    Path stdout = work.resolve(profile.getFileName() + ".out");
    Path stderr = work.resolve(profile.getFileName() + ".err");
    List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
        "--enable-logging=stderr", "--v=0"));
    command.addAll(List.of(extra));
    command.add(page.toUri().toString());
    Process process;
    try {
      process = new ProcessBuilder(command).redirectOutput(stdout.toFile())
          .redirectError(stderr.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start chromium (Debian: apt-get install chromium;"
          + " .ci/run installs it): " + e.getMessage(), e);
    }
    try {
      if (!process.waitFor(3, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("chromium did not finish within 3 minutes: " + command);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for chromium", e);
    }
    return new Run(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
        Files.readString(stderr, StandardCharsets.UTF_8));
  }

  /** The DOM after loading; fails the test on a non-zero exit or any console message. */
  public static String dumpDom(Path page, Path work) throws IOException {
    Run run = run(page, work, "--dump-dom");
    assertEquals(0, run.exitCode(), run.stderr());
    assertEquals(List.of(), run.consoleMessages(), "console messages of " + page);
    return run.stdout();
  }

  /**
   * A 1200×1600 screenshot of {@code page} into {@code png}; checks it exists, decodes to that
   * size, and is not blank (many distinct colours, much of it not background).
   */
  public static BufferedImage screenshot(Path page, Path png, Path work) throws IOException {
    Run run = run(page, work, "--screenshot=" + png, "--window-size=1200,1600",
        "--hide-scrollbars");
    assertEquals(0, run.exitCode(), run.stderr());
    assertEquals(List.of(), run.consoleMessages(), "console messages of " + page);
    assertTrue(Files.isRegularFile(png), "no screenshot at " + png + "\n" + run.stderr());
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(1200, image.getWidth());
    assertEquals(1600, image.getHeight());
    Set<Integer> colours = new HashSet<>();
    int background = image.getRGB(2, image.getHeight() - 3);
    long other = 0;
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        int rgb = image.getRGB(x, y);
        colours.add(rgb);
        if (rgb != background) {
          other++;
        }
      }
    }
    assertTrue(colours.size() > 200, "only " + colours.size() + " colours: a blank page?");
    double share = other / (image.getWidth() / 2.0 * image.getHeight() / 2.0);
    assertTrue(share > 0.2, "only " + share + " of the screenshot differs from the background");
    return image;
  }
}
