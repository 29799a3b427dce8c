package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.testing.MnistFixture;
import io.sparkgrad.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lone IDX images file (predict's input) is read by the executors like a split's images: every
 * image once, in file order, with its index and no label, from a raw and from a gzip file; the
 * driver reads only the header, which is checked as a split's is.
 */
class UnlabeledIdxTest {
  private static final int COUNT = 300;
  private static final Configuration CONF = new Configuration();

  @TempDir java.nio.file.Path work;

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  }

  @Test
  void rawAndGzipFilesGiveEveryImageInOrderWithoutLabels() throws IOException {
    LabeledImages digits = MnistFixture.trainingSplit();
    byte[] pixels = Arrays.copyOf(digits.pixels(), COUNT * 784);
    byte[] file = IdxFiles.images(COUNT, 28, 28, pixels);
    java.nio.file.Path raw = Files.write(work.resolve("images-idx3-ubyte"), file);
    java.nio.file.Path gzip = Files.write(work.resolve("images-idx3-ubyte.gz"), IdxFiles.gzip(file));

    for (java.nio.file.Path f : List.of(raw, gzip)) {
      IdxSplit images = IdxSplit.unlabeled(new Path(f.toUri()), CONF);
      assertEquals(COUNT, images.count(), f.toString());
      assertEquals(28, images.imageRows());
      assertEquals(28, images.imageCols());
      assertEquals(List.of(new Path(f.toUri()).getName()),
          images.files().stream().map(Path::getName).toList(), "only the images file is read");
      List<Example> read =
          images.examples(jsc(), ExampleSelection.all(COUNT)).rdd().collect();
      assertEquals(COUNT, read.size());
      for (int i = 0; i < COUNT; i++) {
        Example e = read.get(i);
        assertEquals(i, e.index(), "file order");
        assertEquals(Example.NO_LABEL, e.label());
        assertArrayEquals(Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784), e.pixels(),
            "image " + i + " of " + f.getFileName());
      }
      assertEquals(List.of(), images.labelSlices(), "no labels to check");
    }
  }

  @Test
  void aTruncatedOrMislabelledFileIsRefusedFromItsHeader() throws IOException {
    byte[] file = IdxFiles.images(10, 28, 28, IdxFiles.bytes(10 * 784, 7));
    java.nio.file.Path truncated =
        Files.write(work.resolve("truncated"), Arrays.copyOf(file, file.length - 100));
    DataFormatException shortFile = assertThrows(DataFormatException.class,
        () -> IdxSplit.unlabeled(new Path(truncated.toUri()), CONF));
    assertTrue(shortFile.getMessage().contains("file length"), shortFile.getMessage());
    assertTrue(shortFile.getMessage().contains("truncated"), shortFile.getMessage());

    java.nio.file.Path labels =
        Files.write(work.resolve("labels"), IdxFiles.labels(new byte[] {1, 2, 3}));
    DataFormatException swapped = assertThrows(DataFormatException.class,
        () -> IdxSplit.unlabeled(new Path(labels.toUri()), CONF));
    assertTrue(swapped.getMessage().contains("magic number"), swapped.getMessage());

    java.nio.file.Path empty =
        Files.write(work.resolve("no-images"), IdxFiles.images(0, 28, 28, new byte[0]));
    DataFormatException none = assertThrows(DataFormatException.class,
        () -> IdxSplit.unlabeled(new Path(empty.toUri()), CONF));
    assertTrue(none.getMessage().contains("image count"), none.getMessage());
  }
}
