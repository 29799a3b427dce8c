package io.sparkgrad.io;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes an output folder or file to a temporary sibling and renames it into place only when
 * complete, so a reader never sees half of it (on HDFS and local disks the rename is atomic; on
 * object stores such as S3 it is a copy, and the temporary name still keeps partial output out
 * of the final path).
 */
public final class AtomicOutput {
  /** Writes the content of a temporary path (a folder or a file, as the writer chooses). */
  @FunctionalInterface
  public interface Writer {
    void write(FileSystem fs, Path temporary) throws IOException;
  }

  private AtomicOutput() {}

  public static void write(String target, boolean overwrite, Configuration conf, Writer writer) {
    Path path = new Path(target);
    FileSystem fs;
    try {
      fs = path.getFileSystem(conf);
    } catch (IOException e) {
      throw new OutputExistsException(target + ": cannot open its file system: " + e.getMessage(), e);
    }
    try {
      if (fs.exists(path) && !overwrite) {
        throw new OutputExistsException(
            target + ": already exists; choose another path or pass --overwrite");
      }
      Path parent = path.getParent();
      if (parent != null && !fs.exists(parent) && !fs.mkdirs(parent)) {
        throw new OutputExistsException(target + ": cannot create the parent folder " + parent);
      }
      Path temporary = new Path(parent, "." + path.getName() + ".tmp-" + UUID.randomUUID());
      try {
        writer.write(fs, temporary);
        if (fs.exists(path)) {
          Path old = new Path(parent, "." + path.getName() + ".old-" + UUID.randomUUID());
          rename(fs, path, old);
          rename(fs, temporary, path);
          fs.delete(old, true);
        } else {
          rename(fs, temporary, path);
        }
      } finally {
        if (fs.exists(temporary)) {
          fs.delete(temporary, true);
        }
      }
    } catch (IOException e) {
      throw new OutputExistsException(target + ": cannot write: " + e.getMessage(), e);
    }
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("rename of " + from + " to " + to + " failed");
    }
  }
}
