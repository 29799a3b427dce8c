package io.sparkgrad.data;

import io.sparkgrad.io.Sha256;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;

/**
 * One split of an IDX folder, read by the executors: one pair of files (images, labels), or
 * several numbered part pairs, each a complete IDX file. The driver reads only the headers (16
 * and 8 bytes; the start of the stream of a gzip file) to learn the counts and the image size and
 * to check that raw files have exactly the length their header declares.
 *
 * <p>A raw file is cut into slices of consecutive examples, each read by its own task with
 * positioned reads (records have a fixed size after the header), so every executor reads only
 * its share. A gzip file cannot be split: one task reads it whole, and Spark's shuffle spreads
 * its examples (large data sets belong in raw IDX or Parquet).
 */
public final class IdxSplit implements LabeledSplit {
  static final int IMAGES_HEADER = 16;
  static final int LABELS_HEADER = 8;
  /** Pixels of a slice of {@link #slices()} (what {@code expand} writes a part per): 32 MiB. */
  static final long SLICE_BYTES = 32L << 20;
  /**
   * Pixels a task reads from a raw file to build the blocks: 64 MiB, about 85,000 MNIST images
   * (an expanded part file of 47 MB is one task). Half of it made twice the tasks, and the map
   * stage of MNIST ×40 took about 1 s longer (80 tasks against 40; docs/benchmarks/scale-out.md).
   */
  static final long READ_SLICE_BYTES = 64L << 20;
  /** Labels a task checks at once from a raw labels file: 64 Mi (64 MiB). */
  static final int LABEL_SLICE = 64 << 20;

  /**
   * One (images, labels) file pair; its first example has global index {@code first}. An
   * unlabeled part ({@link #unlabeled}) has {@code labels} null.
   */
  record Part(String images, String labels, boolean imagesGzip, boolean labelsGzip, long first,
      int count) implements Serializable {
    boolean gzip() {
      return imagesGzip || labelsGzip;
    }
  }

  /** Examples [from, from+count) of a part, read by one task. */
  record Slice(Part part, int from, int count) implements Serializable {}

  private final String source;
  private final int imageRows;
  private final int imageCols;
  private final List<Part> parts;
  private final int count;
  private final Configuration conf;
  /** The fingerprints the reads of this split's examples computed on the way (driver side). */
  private final ReadDigests readDigests = new ReadDigests();

  private IdxSplit(String source, int imageRows, int imageCols, List<Part> parts, int count,
      Configuration conf) {
    this.source = source;
    this.imageRows = imageRows;
    this.imageCols = imageCols;
    this.parts = List.copyOf(parts);
    this.count = count;
    this.conf = conf;
  }

  /**
   * Reads the headers of {@code split}'s files in {@code folder} and checks them: magic numbers,
   * image and label counts per pair, one image size, raw file lengths.
   */
  public static IdxSplit open(DataSetFolder folder, Split split, Configuration conf)
      throws IOException {
    List<Path> images = folder.files(split.imagesFileName());
    List<Path> labels = folder.files(split.labelsFileName());
    if (images.size() != labels.size()) {
      throw DataFormatException.of(folder.folder(), split.label() + " part files",
          "as many labels parts as images parts", images.size() + " images parts and "
              + labels.size() + " labels parts");
    }
    List<Part> parts = new ArrayList<>();
    long first = 0;
    int rows = 0;
    int cols = 0;
    for (int i = 0; i < images.size(); i++) {
      Header image = Header.read(images.get(i), conf, IdxReader.IMAGES_MAGIC);
      Header label = Header.read(labels.get(i), conf, IdxReader.LABELS_MAGIC);
      if (image.count != label.count) {
        throw new DataFormatException(image.file + " and " + label.file
            + ": example count: expected the same number of images and labels; found "
            + image.count + " images and " + label.count + " labels");
      }
      if (i == 0) {
        rows = image.rows;
        cols = image.cols;
      } else if (image.rows != rows || image.cols != cols) {
        throw DataFormatException.of(image.file, "rows×cols", rows + "×" + cols
            + " (as in " + images.get(0).getName() + ")", image.rows + "×" + image.cols);
      }
      parts.add(new Part(image.file, label.file, image.gzip, label.gzip, first, image.count));
      first += image.count;
    }
    if (first == 0) {
      throw DataFormatException.of(
          images.get(0), "image count", "at least 1 " + split.label() + " example", 0);
    }
    if (first > Integer.MAX_VALUE) {
      throw DataFormatException.of(folder.folder(), split.label() + " example count",
          "at most " + Integer.MAX_VALUE, first);
    }
    String names = images.size() == 1
        ? images.get(0).getName() + ", " + labels.get(0).getName()
        : images.size() + " part pairs";
    String source = folder.folder() + " " + split.label() + " split (" + names + ")";
    return new IdxSplit(source, rows, cols, parts, (int) first, conf);
  }

  /**
   * A lone IDX images file without labels (what {@code predict} scores), read by the executors
   * like a split's images; its examples carry {@link Example#NO_LABEL}.
   */
  public static IdxSplit unlabeled(Path images, Configuration conf) throws IOException {
    Header image = Header.read(images, conf, IdxReader.IMAGES_MAGIC);
    if (image.count == 0) {
      throw DataFormatException.of(image.file, "image count", "at least 1 image", 0);
    }
    Part part = new Part(image.file, null, image.gzip, false, 0, image.count);
    return new IdxSplit(image.file, image.rows, image.cols, List.of(part), image.count, conf);
  }

  @Override
  public String source() {
    return source;
  }

  @Override
  public int count() {
    return count;
  }

  @Override
  public int imageRows() {
    return imageRows;
  }

  @Override
  public int imageCols() {
    return imageCols;
  }

  /** The files as stored, images then labels of each part: what provenance hashes. */
  public List<Path> files() {
    List<Path> files = new ArrayList<>();
    for (Part p : parts) {
      files.add(new Path(p.images()));
      if (p.labels() != null) {
        files.add(new Path(p.labels()));
      }
    }
    return files;
  }

  /** Whether any file is gzip-compressed (then it is read by one task per file). */
  public boolean anyGzip() {
    return parts.stream().anyMatch(Part::gzip);
  }

  /** A gzip part whole, a raw part in runs of {@link #SLICE_BYTES}. */
  List<Slice> slices() {
    return slices(SLICE_BYTES);
  }

  /** The slices the tasks read: a gzip part whole, a raw part in runs of {@code bytes}. */
  List<Slice> slices(long bytes) {
    int perSlice = (int) Math.max(1, bytes / features());
    List<Slice> slices = new ArrayList<>();
    for (Part p : parts) {
      if (p.gzip()) {
        slices.add(new Slice(p, 0, p.count()));
        continue;
      }
      for (int from = 0; from < p.count(); from += perSlice) {
        slices.add(new Slice(p, from, Math.min(perSlice, p.count() - from)));
      }
    }
    return slices;
  }

  @Override
  public Examples examples(JavaSparkContext jsc, ExampleSelection selection) {
    if (selection.splitCount() != count) {
      throw new IllegalArgumentException(source + ": selection of " + selection.splitCount()
          + " examples for " + count);
    }
    List<Slice> slices = slices(READ_SLICE_BYTES);
    HadoopConf hadoop = new HadoopConf(conf);
    int rows = imageRows;
    int cols = imageCols;
    // Only a split read in order defers fingerprints to its reads (filesHashedWhenRead).
    CollectionAccumulator<ReadDigests.Found> digests =
        anyGzip() ? readDigests.register(jsc) : null;
    JavaRDD<Example> rdd = jsc.parallelize(slices, slices.size())
        .flatMap(slice -> new SliceReader(hadoop.get(), slice, rows, cols, selection, digests));
    return new Examples(rdd, () -> { });
  }

  /**
   * Raw parts only: the blocks' tasks read their runs of records at their positions. A split
   * with any gzip part is read in order, a part per task, and shuffled.
   */
  @Override
  public PositionedRecords positioned() {
    return anyGzip() ? null : new RawRecords(parts, features(), new HadoopConf(conf));
  }

  /**
   * The files whose SHA-256 a read of this split's examples computes on the way ({@link
   * #readDigests}): those of a raw part read whole by one task, each file at most one {@link
   * FileDigests#CHUNK_BYTES} (its fingerprint is then the plain SHA-256 of its bytes). None for a
   * split read by positions ({@link #positioned}): its tasks read scattered runs, never a whole
   * file, so the fingerprint pass hashes it.
   */
  List<Path> filesHashedWhenRead() {
    List<Path> files = new ArrayList<>();
    if (!anyGzip()) {
      return files;
    }
    long perSlice = Math.max(1, READ_SLICE_BYTES / features());
    for (Part p : parts) {
      if (p.count() > perSlice) {
        continue;
      }
      if (!p.imagesGzip() && hashedWhole(IMAGES_HEADER, p.count(), features())) {
        files.add(new Path(p.images()));
      }
      if (p.labels() != null && !p.labelsGzip() && hashedWhole(LABELS_HEADER, p.count(), 1)) {
        files.add(new Path(p.labels()));
      }
    }
    return files;
  }

  /** What the reads of this split's examples have hashed so far (driver side). */
  ReadDigests readDigests() {
    return readDigests;
  }

  /** Whether a raw file of {@code count} records after its header is one fingerprint chunk. */
  private static boolean hashedWhole(int headerBytes, int count, long recordBytes) {
    return headerBytes + count * recordBytes <= FileDigests.CHUNK_BYTES;
  }

  /**
   * The slices of the labels files, for the label check ({@link IdxFolderPass}): a gzip labels
   * file whole, a raw one in runs of {@link #LABEL_SLICE} labels; none for an unlabeled file.
   */
  List<Slice> labelSlices() {
    List<Slice> slices = new ArrayList<>();
    for (Part p : parts) {
      if (p.labels() == null) {
        continue;
      }
      if (p.labelsGzip()) {
        slices.add(new Slice(p, 0, p.count()));
        continue;
      }
      for (int from = 0; from < p.count(); from += LABEL_SLICE) {
        slices.add(new Slice(p, from, (int) Math.min(LABEL_SLICE, p.count() - from)));
      }
    }
    return slices;
  }

  /** The largest label of {@code slice} of a labels file, each checked below {@code classes}. */
  static int maxLabel(Configuration conf, Slice slice, int classes) throws IOException {
    Part p = slice.part();
    try (InputStream in = open(conf, p.labels(), p.labelsGzip(), LABELS_HEADER, slice.from(),
        1)) {
      byte[] labels = new byte[slice.count()];
      readFully(in, labels, p.labels(), "labels", slice.from(), p.count());
      int max = 0;
      for (int i = 0; i < labels.length; i++) {
        int label = labels[i] & 0xFF;
        if (label >= classes) {
          throw DataFormatException.of(p.labels(), "label of example " + (slice.from() + i),
              "0.." + (classes - 1) + " (" + classes + " classes)", label);
        }
        max = Math.max(max, label);
      }
      if (p.labelsGzip()) {
        checkEnd(in, p.labels(), "labels", p.count(), LABELS_HEADER + (long) p.count());
      }
      return max;
    }
  }

  /**
   * A stream of a part file positioned at record {@code from} (records of {@code recordBytes}
   * after a header of {@code headerBytes}): a positioned read in a raw file; in a gzip file,
   * the decompressed stream after its header (a whole-part slice starts at 0).
   */
  private static InputStream open(Configuration conf, String file, boolean gzip, int headerBytes,
      long from, long recordBytes) throws IOException {
    return open(conf, file, gzip, headerBytes, from, recordBytes, null);
  }

  /**
   * As above; with {@code sha} (a raw file read from its first record), every byte of the file,
   * its header included, also goes through {@code sha} as it is read.
   */
  private static InputStream open(Configuration conf, String file, boolean gzip, int headerBytes,
      long from, long recordBytes, MessageDigest sha) throws IOException {
    Path path = new Path(file);
    FileSystem fs = path.getFileSystem(conf);
    FSDataInputStream stored = fs.open(path);
    if (sha != null) {
      // Beneath the buffer: the digest takes the file in the buffer's large reads.
      InputStream in = new BufferedInputStream(new DigestInputStream(stored, sha), 1 << 20);
      readFully(in, new byte[headerBytes], file, "header", 0, 0);
      return in;
    }
    if (!gzip) {
      stored.seek(headerBytes + from * recordBytes);
      return new BufferedInputStream(stored, 1 << 20);
    }
    InputStream in = new BufferedInputStream(new GZIPInputStream(stored, 1 << 16), 1 << 20);
    byte[] header = new byte[headerBytes];
    readFully(in, header, file, "header", 0, 0);
    return in;
  }

  private static void readFully(InputStream in, byte[] buffer, String file, String what,
      long example, int declared) throws IOException {
    try {
      int n = IdxReader.readUpTo(in, buffer, 0, buffer.length);
      if (n < buffer.length) {
        throw new DataFormatException(file + ": " + what + ": expected the " + declared
            + " examples the header declares; found the file ends within example " + example);
      }
    } catch (ZipException | EOFException e) {
      throw corrupt(file, e);
    }
  }

  private static DataFormatException corrupt(String file, IOException e) {
    return new DataFormatException(file + ": gzip stream: expected a valid gzip stream; found "
        + "corrupt or truncated compressed data (" + e.getClass().getSimpleName() + ": "
        + e.getMessage() + ")", e);
  }

  /** A gzip part read to its declared end must end there. */
  private static void checkEnd(InputStream in, String file, String field, int declared,
      long expectedBytes) throws IOException {
    if (in.read() >= 0) {
      throw DataFormatException.of(file, "decompressed length", expectedBytes + " bytes ("
          + declared + " " + field + ", as the header declares)", "trailing data after the last");
    }
  }

  /** The examples of {@code slice} selected by {@code selection}, read lazily (on an executor). */
  static Iterator<Example> read(Configuration conf, Slice slice, int rows, int cols,
      ExampleSelection selection) {
    return new SliceReader(conf, slice, rows, cols, selection, null);
  }

  /** Reads one slice's examples one at a time, keeping only the selected ones. */
  private static final class SliceReader implements Iterator<Example> {
    private final Configuration conf;
    private final Slice slice;
    private final int features;
    private final ExampleSelection selection;
    /** Where the fingerprints of the files read whole go (null: none are taken). */
    private final CollectionAccumulator<ReadDigests.Found> digests;
    private InputStream images;
    private InputStream labels;
    private MessageDigest imagesSha;
    private MessageDigest labelsSha;
    private int next;
    private Example pending;
    private boolean closed;

    SliceReader(Configuration conf, Slice slice, int rows, int cols, ExampleSelection selection,
        CollectionAccumulator<ReadDigests.Found> digests) {
      this.conf = conf;
      this.slice = slice;
      this.features = rows * cols;
      this.selection = selection;
      this.digests = digests;
    }

    @Override
    public boolean hasNext() {
      try {
        while (pending == null && !closed) {
          if (images == null) {
            Part p = slice.part();
            // A raw file this task reads whole is hashed on the way: the fingerprint pass
            // need not read it again (filesHashedWhenRead, LabeledData.idx).
            boolean whole = digests != null && slice.from() == 0 && slice.count() == p.count();
            imagesSha = whole && !p.imagesGzip() && hashedWhole(IMAGES_HEADER, p.count(),
                features) ? Sha256.digest() : null;
            labelsSha = whole && p.labels() != null && !p.labelsGzip()
                && hashedWhole(LABELS_HEADER, p.count(), 1) ? Sha256.digest() : null;
            images = open(conf, p.images(), p.imagesGzip(), IMAGES_HEADER, slice.from(),
                features, imagesSha);
            labels = p.labels() == null ? null : open(conf, p.labels(), p.labelsGzip(),
                LABELS_HEADER, slice.from(), 1, labelsSha);
            TaskContext task = TaskContext.get();
            if (task != null) {
              task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) context -> close());
            }
          }
          if (next == slice.count()) {
            finish();
            break;
          }
          Part p = slice.part();
          int local = slice.from() + next++;
          byte[] pixels = new byte[features];
          readFully(images, pixels, p.images(), "images", local, p.count());
          int label = labels == null ? Example.NO_LABEL : labels.read();
          if (label < 0 && labels != null) {
            throw new DataFormatException(p.labels() + ": labels: expected the " + p.count()
                + " examples the header declares; found the file ends at example " + local);
          }
          long global = p.first() + local;
          int index = selection.indexOf((int) global);
          if (index >= 0) {
            pending = new Example(index, label, pixels);
          }
        }
        return pending != null;
      } catch (IOException e) {
        close();
        throw new UncheckedIOException(slice.part().images() + ": " + e.getMessage(), e);
      }
    }

    @Override
    public Example next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Example e = pending;
      pending = null;
      return e;
    }

    private void finish() throws IOException {
      Part p = slice.part();
      // A fingerprint is of the whole file: one that has grown since its header was checked
      // is left to the fingerprint pass.
      if (imagesSha != null && images.read() < 0) {
        digests.add(new ReadDigests.Found(p.images(), imagesSha.digest()));
      }
      if (labelsSha != null && labels.read() < 0) {
        digests.add(new ReadDigests.Found(p.labels(), labelsSha.digest()));
      }
      if (p.gzip()) {
        if (p.imagesGzip()) {
          checkEnd(images, p.images(), "images", p.count(),
              IMAGES_HEADER + (long) p.count() * features);
        }
        if (p.labelsGzip()) {
          checkEnd(labels, p.labels(), "labels", p.count(), LABELS_HEADER + (long) p.count());
        }
      }
      close();
    }

    private void close() {
      if (closed) {
        return;
      }
      closed = true;
      for (InputStream in : new InputStream[] {images, labels}) {
        if (in != null) {
          try {
            in.close();
          } catch (IOException ignored) {
            // Read-only: nothing is lost by a failed close.
          }
        }
      }
    }
  }

  /** The records of raw parts, read at their positions (one read a run; {@link PositionedFile}). */
  private record RawRecords(List<Part> parts, int features, HadoopConf hadoop)
      implements PositionedRecords {
    @Override
    public Reader open() {
      return new RawReader(this, hadoop.get());
    }
  }

  /** One task's open files: a part's pair is opened when first read and kept to the end. */
  private static final class RawReader implements PositionedRecords.Reader {
    private final List<Part> parts;
    private final long[] firsts;
    private final int features;
    private final Configuration conf;
    private final PositionedFile[] images;
    private final PositionedFile[] labels;
    private byte[] labelBytes = new byte[0];

    RawReader(RawRecords records, Configuration conf) {
      this.parts = records.parts();
      this.features = records.features();
      this.conf = conf;
      this.firsts = new long[parts.size()];
      for (int i = 0; i < firsts.length; i++) {
        firsts[i] = parts.get(i).first();
      }
      this.images = new PositionedFile[parts.size()];
      this.labels = new PositionedFile[parts.size()];
    }

    @Override
    public void read(int first, int count, byte[] pixels, int pixelOffset, int[] labelsOut,
        int labelOffset) throws IOException {
      int found = Arrays.binarySearch(firsts, first);
      int part = found >= 0 ? found : -found - 2;
      long example = first;
      int done = 0;
      while (done < count) {
        while (part + 1 < firsts.length && firsts[part + 1] <= example) {
          part++;
        }
        Part p = parts.get(part);
        int local = (int) (example - p.first());
        int n = Math.min(count - done, p.count() - local);
        if (n <= 0) {
          throw new IllegalArgumentException(
              "records " + first + ".." + (first + count - 1) + ": past the split's end");
        }
        readFully(stream(images, part, p.images()), IMAGES_HEADER + (long) local * features,
            pixels, pixelOffset + done * features, n * features, p.images(), "images", local,
            p.count());
        if (p.labels() == null) {
          Arrays.fill(labelsOut, labelOffset + done, labelOffset + done + n,
              Example.NO_LABEL & 0xFF);
        } else {
          if (labelBytes.length < n) {
            labelBytes = new byte[n];
          }
          readFully(stream(labels, part, p.labels()), LABELS_HEADER + (long) local, labelBytes,
              0, n, p.labels(), "labels", local, p.count());
          for (int i = 0; i < n; i++) {
            labelsOut[labelOffset + done + i] = labelBytes[i] & 0xFF;
          }
        }
        done += n;
        example += n;
      }
    }

    private PositionedFile stream(PositionedFile[] open, int part, String file)
        throws IOException {
      if (open[part] == null) {
        open[part] = PositionedFile.open(conf, file);
      }
      return open[part];
    }

    /** A file shorter than its header said (changed since it was checked) is named. */
    private static void readFully(PositionedFile in, long position, byte[] buffer, int offset,
        int length, String file, String what, int example, int declared) throws IOException {
      try {
        in.read(position, buffer, offset, length);
      } catch (EOFException e) {
        throw new DataFormatException(file + ": " + what + ": expected the " + declared
            + " examples the header declares; found the file ends within example " + example, e);
      }
    }

    @Override
    public void close() {
      for (PositionedFile[] open : List.of(images, labels)) {
        for (PositionedFile in : open) {
          if (in != null) {
            try {
              in.close();
            } catch (IOException ignored) {
              // Read-only: nothing is lost by a failed close.
            }
          }
        }
      }
    }
  }

  /** An IDX header as the driver reads it. */
  private record Header(String file, boolean gzip, int count, int rows, int cols) {
    static Header read(Path path, Configuration conf, int magic) throws IOException {
      FileSystem fs = IdxReader.fileSystem(path, conf);
      FileStatus status = fs.getFileStatus(path);
      String file = status.getPath().toString();
      boolean images = magic == IdxReader.IMAGES_MAGIC;
      int headerBytes = images ? IMAGES_HEADER : LABELS_HEADER;
      String kind = images ? "IDX images file" : "IDX labels file";
      String special = io.sparkgrad.io.RegularFiles.whatIfNotRegular(fs, path);
      if (special != null) {
        // A FIFO or a device would block the read forever or never end.
        throw DataFormatException.of(file, "file type", "an " + kind + " (a regular file)",
            special);
      }
      if (status.getLen() == 0) {
        throw DataFormatException.of(file, "file length", "an " + kind + " (a " + headerBytes
            + "-byte header, then data)", "an empty file (0 bytes)");
      }
      byte[] header = new byte[headerBytes];
      boolean gzip;
      try (FSDataInputStream stored = fs.open(path)) {
        byte[] first = new byte[2];
        gzip = stored.read(0, first, 0, 2) == 2 && (first[0] & 0xFF) == 0x1f
            && (first[1] & 0xFF) == 0x8b;
        InputStream in = gzip ? new GZIPInputStream(stored) : stored;
        int n = IdxReader.readUpTo(in, header, 0, headerBytes);
        if (n < 4) {
          throw DataFormatException.of(file, "header", "at least 4 bytes (the magic number)",
              n + " bytes");
        }
        int found = intAt(header, 0);
        if (found != magic) {
          String described = IdxReader.describeMagic(found);
          if (found == IdxReader.IMAGES_MAGIC || found == IdxReader.LABELS_MAGIC) {
            described += ": an " + (images ? "IDX labels file" : "IDX images file")
                + " where an " + kind + " was expected (images and labels swapped?)";
          }
          throw DataFormatException.of(file, "magic number", IdxReader.describeMagic(magic),
              described);
        }
        if (n < headerBytes) {
          throw DataFormatException.of(file, "header", headerBytes + " bytes", n + " bytes");
        }
      } catch (ZipException | EOFException e) {
        throw corrupt(file, e);
      }
      long count = Integer.toUnsignedLong(intAt(header, 4));
      if (count > Integer.MAX_VALUE) {
        throw DataFormatException.of(file, (images ? "image" : "label") + " count",
            "0.." + Integer.MAX_VALUE, count);
      }
      int rows = 1;
      int cols = 1;
      if (images) {
        long r = Integer.toUnsignedLong(intAt(header, 8));
        long c = Integer.toUnsignedLong(intAt(header, 12));
        if (r < 1 || c < 1 || r * c > IdxReader.MAX_ARRAY_BYTES) {
          throw DataFormatException.of(file, "rows×cols", "positive sizes of at most "
              + IdxReader.MAX_ARRAY_BYTES + " pixels", r + "×" + c);
        }
        rows = (int) r;
        cols = (int) c;
      }
      long record = (long) rows * cols;
      long expected = headerBytes + count * record;
      long length = status.getLen();
      if (!gzip && length != expected) {
        String found;
        if (length < expected) {
          found = length + " bytes (truncated: room for only "
              + Math.max(0, length - headerBytes) / record + " complete "
              + (images ? "images" : "labels") + ")";
        } else {
          long trailing = length - expected;
          found = length + " bytes (" + trailing + (trailing == 1 ? " byte" : " bytes")
              + " of trailing data after the last " + (images ? "image" : "label") + ")";
        }
        throw DataFormatException.of(file, "file length", headerBytes + "-byte header + "
            + (images ? count + " images × " + rows + "×" + cols : count + " labels") + " = "
            + expected + " bytes, as the header declares", found);
      }
      return new Header(file, gzip, (int) count, rows, cols);
    }

    private static int intAt(byte[] b, int off) {
      return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8)
          | (b[off + 3] & 0xFF);
    }
  }
}
