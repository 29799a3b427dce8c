package io.sparkgrad.io;

import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes an output folder or file to a temporary sibling and renames it into place only when
 * complete, so a reader never sees half of it (on HDFS and local disks the rename is atomic; on
 * object stores such as S3 it is a copy, and the temporary name still keeps partial output out
 * of the final path). A user-named output goes through an {@link OutputClaim}, which decides
 * whether it may be written at all.
 */
public final class AtomicOutput {
  /** Writes the content of a temporary path (a folder or a file, as the writer chooses). */
  @FunctionalInterface
  public interface Writer {
    void write(FileSystem fs, Path temporary) throws IOException;
  }

  private AtomicOutput() {}

  /**
   * Claims, checks and writes a user-named output in one go ({@link OutputClaim}); returns what
   * was cleaned up from an interrupted earlier run.
   */
  public static List<String> write(OutputKind kind, String target, String option,
      boolean overwrite, List<OutputClaim.Input> inputs, Configuration conf, Writer writer) {
    try (OutputClaim claim = OutputClaim.take(kind, target, option, overwrite, inputs, conf)) {
      claim.write(writer);
      return claim.cleaned();
    }
  }

  /**
   * Writes or replaces {@code target} inside a folder the caller already holds a claim on (a
   * checkpoint inside the claimed model's checkpoint folder): no existence or ownership checks.
   */
  public static void replaceInClaimedFolder(String target, Configuration conf, Writer writer) {
    Path path = new Path(target);
    try {
      FileSystem fs = path.getFileSystem(conf);
      Path parent = path.getParent();
      if (parent != null && !fs.exists(parent) && !fs.mkdirs(parent)) {
        throw new IOException("cannot create the parent folder " + parent);
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
      throw new OutputException(OutputException.Reason.CANNOT_WRITE,
          target + ": cannot write: " + e.getMessage(), e);
    }
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("rename of " + from + " to " + to + " failed");
    }
  }
}
