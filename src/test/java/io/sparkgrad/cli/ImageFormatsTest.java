package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.evaluation.Scorer;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.predict.DrawnDigits;
import io.sparkgrad.testing.IdxFolders;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README says GIF, BMP and TIFF images work besides PNG and JPEG: real MNIST test digits the
 * model gets right, drawn into larger images and saved in each format, are predicted by name.
 */
class ImageFormatsTest {
  @TempDir Path work;

  @Test
  void gifBmpAndTiffDigitsArePredicted() throws IOException {
    Path model = SmallModel.model();
    ModelStore.LoadedModel loaded = ModelStore.read(model.toString(), new Configuration());
    LabeledImages test = IdxFolders.mnist().test();
    Scorer<?> scorer =
        Scorer.create(loaded.spec(), loaded.precision(), BlasChoice.AUTO, loaded.params());
    List<Integer> chosen = new ArrayList<>();
    for (int i = 0; chosen.size() < 5; i++) {
      scorer.scorePixels(test.pixels(), i * 784, 1);
      if (scorer.predicted(0) == test.label(i)) {
        chosen.add(i);
      }
    }
    Path folder = Files.createDirectories(work.resolve("formats"));
    Map<String, Integer> labels = new TreeMap<>();
    for (int i : chosen) {
      BufferedImage drawn = DrawnDigits.draw(test, i, false);
      BufferedImage rgb = new BufferedImage(drawn.getWidth(), drawn.getHeight(),
          BufferedImage.TYPE_3BYTE_BGR);
      rgb.getGraphics().drawImage(drawn, 0, 0, null);
      for (String format : List.of("gif", "bmp", "tiff")) {
        String name = String.format("digit-%04d.%s", i, format);
        assertTrue(ImageIO.write(rgb, format, folder.resolve(name).toFile()), format);
        labels.put(name, test.label(i));
      }
    }
    Path out = work.resolve("predictions");
    CommandRun.Outcome outcome = CommandRun.run("predict", "--model", model.toString(),
        "--input", folder.toString(), "--out", out.toString(), "--format", "csv");
    assertEquals(0, outcome.code(), outcome.err());
    assertTrue(outcome.out().contains("predicted 15 examples from "), outcome.out());
    Path csv;
    try (Stream<Path> files = Files.list(out)) {
      csv = files.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst()
          .orElseThrow();
    }
    List<String> lines = Files.readAllLines(csv);
    List<String> header = List.of(lines.get(0).split(","));
    int right = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] values = line.split(",");
      String name = Path.of(values[header.indexOf("file")].replaceFirst("^file:", ""))
          .getFileName().toString();
      right += Integer.parseInt(values[header.indexOf("predicted")]) == labels.get(name) ? 1 : 0;
    }
    assertEquals(15, lines.size() - 1);
    // Bound: the originals are all right; at most one drawn copy may be lost per format.
    assertTrue(right >= 12, right + " of 15 right");
  }
}
