package io.sparkgrad.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Whether a path is a regular file, asked before it is opened: a FIFO or a device opens as if it
 * were a file on the local file system (Hadoop's FileStatus calls it a file) and then blocks or
 * never ends. Callers turn a refusal into their own exception (data, model, configuration), so
 * the exit code follows what the file was meant to be.
 */
public final class RegularFiles {
  // st_mode file-type bits (S_IFMT) of the "unix:mode" attribute.
  private static final int TYPE_MASK = 0170000;
  private static final int FIFO = 0010000;
  private static final int CHARACTER_DEVICE = 0020000;
  private static final int BLOCK_DEVICE = 0060000;
  private static final int SOCKET = 0140000;

  private RegularFiles() {}

  /**
   * Null when {@code path} is a regular file (following symbolic links); otherwise what it is
   * ("a FIFO (named pipe)", "a directory", …). A missing path is "nothing (no such file)".
   */
  public static String whatIfNotRegular(FileSystem fs, Path path) throws IOException {
    Path qualified = fs.makeQualified(path);
    if ("file".equals(qualified.toUri().getScheme())) {
      return whatIfNotRegular(Paths.get(qualified.toUri()));
    }
    FileStatus status;
    try {
      status = fs.getFileStatus(qualified);
    } catch (java.io.FileNotFoundException e) {
      return "nothing (no such file)";
    }
    return status.isFile() ? null : status.isDirectory() ? "a directory" : "not a regular file";
  }

  /** The same for a local path. */
  public static String whatIfNotRegular(java.nio.file.Path file) {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (IOException e) {
      return "nothing (no such file)";
    }
    if (attributes.isRegularFile()) {
      return null;
    }
    if (attributes.isDirectory()) {
      return "a directory";
    }
    try {
      int type = ((Integer) Files.getAttribute(file, "unix:mode")) & TYPE_MASK;
      switch (type) {
        case FIFO:
          return "a FIFO (named pipe)";
        case CHARACTER_DEVICE:
          return "a character device";
        case BLOCK_DEVICE:
          return "a block device";
        case SOCKET:
          return "a socket";
        default:
          break;
      }
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      // no unix view: the generic description below
    }
    return Files.isSymbolicLink(file) && !Files.exists(file, LinkOption.values())
        ? "a dangling symbolic link" : "not a regular file (a device, FIFO or socket)";
  }
}
