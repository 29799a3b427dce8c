package io.sparkgrad.data;

import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.data.augment.ImageAugmenter;
import io.sparkgrad.io.OutputException;
import io.sparkgrad.math.Seeds;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Writes a larger training set from an IDX folder, the way mnist8m was made from MNIST: copy 0
 * of every training image is the image itself, copies 1..K−1 are seeded deformations of it
 * (affine plus elastic, {@link ImageAugmenter}), so K copies of MNIST's 60,000 give 60,000·K
 * examples (K = 135: 8.1 million). The test split is copied unchanged.
 *
 * <p>Spark tasks write in parallel, one raw IDX part pair per (copy, slice of the source): part
 * {@code copy·slices + slice}, so example order is copy-major. Everything goes into a temporary
 * folder beside the output, renamed into place when complete, with a {@value #MARKER} file
 * naming the source and settings; running again with the same settings finds it and does
 * nothing. The pixels are a function of (seed, copy, example) alone.
 */
public final class DataExpansion {
  /** The file that marks a complete expansion and records how it was made. */
  public static final String MARKER = "_EXPANDED";

  private DataExpansion() {}

  /** What was written (or found already written). */
  public record Result(Path out, long trainExamples, int parts, long bytes, boolean existed) {}

  private record Task(IdxSplit.Slice slice, int copy, int part) implements Serializable {}

  public static Result expand(JavaSparkContext jsc, Path source, Path out, int copies, long seed,
      AugmentationSpec augmentation, boolean overwrite, Configuration conf) throws IOException {
    if (copies < 1) {
      throw new IllegalArgumentException("copies: expected at least 1; found " + copies);
    }
    DataSetFolder folder = DataSetFolder.at(source, conf);
    IdxSplit train = IdxSplit.open(folder, Split.TRAIN, conf);
    IdxSplit.open(folder, Split.TEST, conf); // checked before anything is written
    long total = (long) train.count() * copies;
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("copies: expected at most "
          + Integer.MAX_VALUE / train.count() + " copies of " + train.count()
          + " examples; found " + copies);
    }
    String marker = "source=" + folder.folder() + "\ncopies=" + copies + "\nseed=" + seed
        + "\naugment=" + augmentation.label() + "\ntrain_examples=" + total + "\n";
    FileSystem fs = out.getFileSystem(conf);
    Path markerPath = new Path(out, MARKER);
    if (fs.exists(out)) {
      if (fs.exists(markerPath) && readMarker(fs, markerPath).equals(marker)) {
        if (!fs.exists(new Path(out, FingerprintManifest.NAME))) {
          // Written before expand recorded fingerprints: recorded once now, not at every run.
          DataSetFolder written = DataSetFolder.at(out, conf);
          List<Path> files = new ArrayList<>(written.files(Split.TRAIN.imagesFileName()));
          files.addAll(written.files(Split.TRAIN.labelsFileName()));
          files.addAll(testFiles(written));
          FingerprintManifest.record(jsc, conf, written.folder(), files);
        }
        return summary(fs, out, total, true);
      }
      if (!overwrite) {
        throw new OutputException(OutputException.Reason.EXISTS, out + ": already exists"
            + (fs.exists(markerPath) ? " (expanded with other settings)" : "")
            + "; choose another --out or pass --overwrite");
      }
      // --overwrite replaces only an expansion sparkgrad wrote (it has the marker).
      if (!fs.exists(markerPath)) {
        throw new OutputException(OutputException.Reason.NOT_OURS, out + ": --overwrite: expected"
            + " a folder written by expand (with " + MARKER + "); found a path that is not one, so"
            + " it is left as it is (remove it yourself or choose another --out)");
      }
    }
    Path temporary = new Path(out.getParent(), "." + out.getName() + ".tmp-" + UUID.randomUUID());
    try {
      fs.mkdirs(temporary);
      List<IdxSplit.Slice> slices = train.slices();
      List<Task> tasks = new ArrayList<>();
      for (int copy = 0; copy < copies; copy++) {
        for (int s = 0; s < slices.size(); s++) {
          tasks.add(new Task(slices.get(s), copy, copy * slices.size() + s));
        }
      }
      HadoopConf hadoop = new HadoopConf(conf);
      String target = temporary.toString();
      int rows = train.imageRows();
      int cols = train.imageCols();
      // Each task hashes the pair it has just written: training on the set need not hash it.
      List<FingerprintManifest.Entry> written = new ArrayList<>(
          jsc.parallelize(tasks, tasks.size()).flatMap(task ->
              writePart(hadoop.get(), new Path(target), task, rows, cols, seed, augmentation)
                  .iterator()).collect());
      for (Path file : testFiles(folder)) {
        Path copy = new Path(temporary, file.getName());
        FileUtil.copy(fs, file, fs, copy, false, conf);
        written.add(FingerprintManifest.take(conf, copy));
      }
      FingerprintManifest.write(fs, temporary, written);
      try (OutputStream o = fs.create(new Path(temporary, MARKER), false)) {
        o.write(marker.getBytes(StandardCharsets.UTF_8));
      }
      if (fs.exists(out)) {
        fs.delete(out, true);
      }
      if (!fs.rename(temporary, out)) {
        throw new IOException(out + ": could not rename " + temporary + " into place");
      }
    } finally {
      if (fs.exists(temporary)) {
        fs.delete(temporary, true);
      }
    }
    return summary(fs, out, total, false);
  }

  private static List<Path> testFiles(DataSetFolder folder) {
    List<Path> files = new ArrayList<>(folder.files(Split.TEST.imagesFileName()));
    files.addAll(folder.files(Split.TEST.labelsFileName()));
    return files;
  }

  /** One part pair: a slice of the source, as is (copy 0) or deformed; its two fingerprints. */
  private static List<FingerprintManifest.Entry> writePart(Configuration conf, Path folder, Task task, int rows, int cols,
      long seed, AugmentationSpec augmentation) throws IOException {
    int d = rows * cols;
    int count = task.slice().count();
    byte[] pixels = new byte[count * d];
    byte[] labels = new byte[count];
    ImageAugmenter augmenter =
        task.copy() == 0 ? null : new ImageAugmenter(augmentation, cols, rows);
    float[] original = new float[d];
    float[] deformed = new float[d];
    long first = task.slice().part().first() + task.slice().from();
    Iterator<Example> examples = IdxSplit.read(conf, task.slice(), rows, cols,
        ExampleSelection.all(Math.toIntExact(task.slice().part().first()
            + task.slice().part().count())));
    int r = 0;
    while (examples.hasNext()) {
      Example e = examples.next();
      if (e.index() < first) {
        throw new IllegalStateException("example " + e.index() + " before slice start " + first);
      }
      labels[r] = (byte) e.label();
      if (augmenter == null) {
        System.arraycopy(e.pixels(), 0, pixels, r * d, d);
      } else {
        for (int p = 0; p < d; p++) {
          original[p] = (e.pixels()[p] & 0xFF) / 255f;
        }
        augmenter.augment(original, 0, deformed, 0,
            Seeds.derive(seed, Seeds.Stream.EXPANSION, task.copy(), e.index()));
        for (int p = 0; p < d; p++) {
          pixels[r * d + p] = (byte) Math.max(0, Math.min(255, Math.round(deformed[p] * 255f)));
        }
      }
      r++;
    }
    if (r != count) {
      throw new IllegalStateException("slice of " + count + " examples gave " + r);
    }
    FileSystem fs = folder.getFileSystem(conf);
    String suffix = IdxWriter.partSuffix(task.part());
    Path images = new Path(folder, Split.TRAIN.imagesFileName() + suffix);
    Path labelsFile = new Path(folder, Split.TRAIN.labelsFileName() + suffix);
    IdxWriter.writeImages(fs, images, count, rows, cols, pixels, 0);
    IdxWriter.writeLabels(fs, labelsFile, count, labels, 0);
    return List.of(FingerprintManifest.take(conf, images),
        FingerprintManifest.take(conf, labelsFile));
  }

  private static String readMarker(FileSystem fs, Path marker) throws IOException {
    try (InputStream in = fs.open(marker)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Result summary(FileSystem fs, Path out, long total, boolean existed)
      throws IOException {
    int parts = 0;
    long bytes = 0;
    for (FileStatus f : fs.listStatus(out)) {
      bytes += f.getLen();
      if (f.getPath().getName().startsWith(Split.TRAIN.imagesFileName() + ".part-")) {
        parts++;
      }
    }
    return new Result(fs.makeQualified(out), total, parts, bytes, existed);
  }
}
