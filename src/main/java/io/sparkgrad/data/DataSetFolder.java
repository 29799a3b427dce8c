package io.sparkgrad.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A folder (any Hadoop file system) holding a data set as IDX files under the canonical MNIST
 * names:
 *
 * <pre>
 *   train-images-idx3-ubyte   train-labels-idx1-ubyte
 *   t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte
 * </pre>
 *
 * each raw or gzip-compressed, optionally named with {@code .gz} (the content, not the name,
 * decides whether it is decompressed). When both {@code NAME} and {@code NAME.gz} exist the folder
 * is refused as ambiguous: they may differ, and silently preferring one would make the provenance
 * lie. Other files in the folder are ignored.
 *
 * <p>Nothing assumes digits or 28×28: any image size, 1 to 255 classes. Within a split the image
 * and label counts must agree; train and test images must have the same size.
 */
public final class DataSetFolder {
  private final Path folder;
  private final Configuration conf;
  /** Children by name, sorted (for messages). */
  private final Map<String, FileStatus> children;

  private DataSetFolder(Path folder, Configuration conf, Map<String, FileStatus> children) {
    this.folder = folder;
    this.conf = conf;
    this.children = children;
  }

  /**
   * A data set split: its examples and the SHA-256 of its two files keyed by file name.
   */
  public record SplitData(LabeledImages images, Map<String, String> sha256) {}

  /** Lists {@code folder}; refuses a missing folder or a plain file. */
  public static DataSetFolder at(Path folder, Configuration conf) throws IOException {
    Objects.requireNonNull(folder, "folder");
    Objects.requireNonNull(conf, "conf");
    FileSystem fs = IdxReader.fileSystem(folder, conf);
    FileStatus status;
    try {
      status = fs.getFileStatus(folder);
    } catch (FileNotFoundException e) {
      throw new DataFormatException(
          folder + ": data folder not found (expected a folder holding "
              + Split.TRAIN.imagesFileName() + "[.gz] and the other IDX files)",
          e);
    }
    Path qualified = status.getPath();
    if (!status.isDirectory()) {
      throw DataFormatException.of(
          qualified, "file type", "a folder holding the IDX files", "a file");
    }
    Map<String, FileStatus> children = new TreeMap<>();
    for (FileStatus child : fs.listStatus(qualified)) {
      children.put(child.getPath().getName(), child);
    }
    return new DataSetFolder(qualified, conf, children);
  }

  /** Shorthand for {@link #at(Path, Configuration)} with a path string. */
  public static DataSetFolder at(String folder, Configuration conf) throws IOException {
    return at(new Path(folder), conf);
  }

  /** The fully qualified folder path. */
  public Path folder() {
    return folder;
  }

  /** Part files of a large split: {@code <canonical name>.part-<digits>[.gz]}. */
  private static final java.util.regex.Pattern PART =
      java.util.regex.Pattern.compile("(.+)\\.part-(\\d+)(\\.gz)?");

  /** Whether {@code name} is one of the eight file names this class reads, or a part of one. */
  public static boolean isIdxFileName(String name) {
    java.util.regex.Matcher part = PART.matcher(name);
    if (part.matches()) {
      name = part.group(1);
    }
    String base = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    for (Split s : Split.values()) {
      if (base.equals(s.imagesFileName()) || base.equals(s.labelsFileName())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The files holding {@code base} (a canonical name): the one file {@code base} or
   * {@code base.gz}, or else its parts {@code base.part-NNNNN[.gz]} in the order of their
   * numbers. The one file and parts together are refused as ambiguous.
   */
  public List<Path> files(String base) {
    java.util.TreeMap<Long, Path> parts = new java.util.TreeMap<>();
    for (Map.Entry<String, FileStatus> child : children.entrySet()) {
      java.util.regex.Matcher part = PART.matcher(child.getKey());
      if (part.matches() && part.group(1).equals(base)) {
        Path previous = parts.put(Long.parseLong(part.group(2)), child.getValue().getPath());
        if (previous != null) {
          throw DataFormatException.of(folder, base + " parts", "one file per part number",
              previous.getName() + " and " + child.getKey());
        }
      }
    }
    if (parts.isEmpty()) {
      return List.of(resolve(base));
    }
    if (children.containsKey(base) || children.containsKey(base + ".gz")) {
      throw DataFormatException.of(folder, base, "either one file or its parts",
          "both (remove one: they may differ, and the loader does not guess which to trust)");
    }
    return new ArrayList<>(parts.values());
  }

  /** The images file of {@code split}; refused when missing or present both raw and gzipped. */
  public Path imagesFile(Split split) {
    return resolve(split.imagesFileName());
  }

  /** The labels file of {@code split}; refused when missing or present both raw and gzipped. */
  public Path labelsFile(Split split) {
    return resolve(split.labelsFileName());
  }

  /**
   * Both splits, with the class count the labels imply: the largest label of either split + 1
   * (labels up to 254 accepted).
   */
  public DataSet load() throws IOException {
    return loadBoth(0);
  }

  /**
   * Both splits, every label checked to be below {@code classes}.
   *
   * @param classes 1..255, or 0 to take the largest label of either split + 1
   */
  public DataSet load(int classes) throws IOException {
    if (classes != 0) {
      IdxReader.checkClasses(classes);
    }
    return loadBoth(classes);
  }

  /** {@code classes} 0: decided from the labels. */
  DataSet loadBoth(int classes) throws IOException {
    int bound = classes == 0 ? IdxReader.MAX_CLASSES : classes;
    // Resolve all four names first: a missing test file is reported before reading 47 MB.
    for (Split s : Split.values()) {
      imagesFile(s);
      labelsFile(s);
    }
    SplitData train = loadSplit(Split.TRAIN, bound);
    SplitData test = loadSplit(Split.TEST, bound);
    Map<String, String> sha256 = new LinkedHashMap<>(train.sha256());
    sha256.putAll(test.sha256());
    int decided = classes == 0 ? DataSet.impliedClasses(train.images(), test.images()) : classes;
    return new DataSet(folder.toString(), train.images(), test.images(), decided, sha256);
  }

  /**
   * One split, every label checked to be below {@code classes}.
   *
   * @param classes 1..255 ({@link IdxReader#MAX_CLASSES} accepts any label the format allows)
   */
  public SplitData loadSplit(Split split, int classes) throws IOException {
    IdxReader.checkClasses(classes);
    Path imagesPath = imagesFile(split);
    Path labelsPath = labelsFile(split);
    IdxReader.Images images = IdxReader.readImages(imagesPath, conf);
    IdxReader.Labels labels = IdxReader.readLabels(labelsPath, conf, classes);
    if (images.count() != labels.count()) {
      throw new DataFormatException(
          images.source() + " and " + labels.source() + ": example count: expected the same"
              + " number of images and labels; found " + images.count() + " images and "
              + labels.count() + " labels");
    }
    if (images.count() == 0) {
      throw DataFormatException.of(
          images.source(), "image count", "at least 1 " + split.label() + " example", 0);
    }
    Map<String, String> sha256 = new LinkedHashMap<>();
    sha256.put(imagesPath.getName(), images.sha256());
    sha256.put(labelsPath.getName(), labels.sha256());
    String source =
        folder + " " + split.label() + " split (" + imagesPath.getName() + ", "
            + labelsPath.getName() + ")";
    return new SplitData(
        new LabeledImages(source, images.rows(), images.cols(), images.pixels(), labels.labels()),
        sha256);
  }

  private Path resolve(String base) {
    FileStatus raw = children.get(base);
    FileStatus gz = children.get(base + ".gz");
    if (raw != null && gz != null) {
      throw DataFormatException.of(
          folder, base,
          "exactly one of " + base + " and " + base + ".gz",
          "both (remove one: they may differ, and the loader does not guess which to trust)");
    }
    if (raw == null && gz == null) {
      List<String> present = new ArrayList<>(children.keySet());
      String listing =
          present.isEmpty()
              ? "an empty folder"
              : "neither; the folder holds " + (present.size() <= 12
                  ? String.join(", ", present)
                  : String.join(", ", present.subList(0, 12)) + ", … (" + present.size()
                      + " entries)");
      throw DataFormatException.of(folder, base, base + " or " + base + ".gz", listing);
    }
    return (raw != null ? raw : gz).getPath();
  }
}
