package io.sparkgrad.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * The right to write one output, held from the checks before a run until its output is in
 * place. Taking it checks, in order: the output is apart from every input of the command (it is
 * not an input, does not contain one and does not lie inside one); an existing output is
 * refused without --overwrite, and with it replaced only when it is this {@link OutputKind}
 * written by sparkgrad; and no other run holds the claim, an exclusive file
 * {@code .<name>.claim} beside the output, created atomically (O_EXCL locally, create without
 * overwrite on HDFS). A claim left by a dead process on this host is taken over; the temporary
 * outputs such a process left ({@code .<name>.tmp-…}) are then removed and reported.
 *
 * <p>The output is written to a temporary sibling and renamed into place, so a reader never
 * sees half of it. On SIGINT or SIGTERM a shutdown hook removes the temporary and the claim.
 */
public final class OutputClaim implements AutoCloseable {
  /** An input of the command that the output must keep apart from. */
  public record Input(String option, String path) {}

  // Runs before Hadoop closes its file systems (priority 10).
  private static final int SHUTDOWN_PRIORITY = 20;

  private final OutputKind kind;
  private final String target;
  private final String option;
  private final boolean overwrite;
  private final FileSystem fs;
  private final Path path;
  private final Path claimFile;
  private final List<String> cleaned = new ArrayList<>();
  private final Runnable hook = this::releaseOnShutdown;
  private volatile Path temporary;
  private boolean closed;

  private OutputClaim(OutputKind kind, String target, String option, boolean overwrite,
      FileSystem fs, Path path) {
    this.kind = kind;
    this.target = target;
    this.option = option;
    this.overwrite = overwrite;
    this.fs = fs;
    this.path = path;
    this.claimFile = new Path(path.getParent(), "." + path.getName() + ".claim");
  }

  /**
   * Checks the output and claims it.
   *
   * @param option the command-line option naming the output, for messages ("--model")
   * @throws OutputException with the reason of the refusal
   */
  public static OutputClaim take(OutputKind kind, String target, String option,
      boolean overwrite, List<Input> inputs, Configuration conf) {
    Path path = new Path(target);
    FileSystem fs;
    try {
      fs = path.getFileSystem(conf);
      path = fs.makeQualified(path);
    } catch (IOException e) {
      throw new OutputException(OutputException.Reason.CANNOT_WRITE,
          target + ": cannot open its file system: " + e.getMessage(), e);
    }
    OutputClaim claim = new OutputClaim(kind, target, option, overwrite, fs, path);
    try {
      checkApart(target, option, inputs, conf);
      claim.checkExisting();
      claim.prepareParent();
      claim.acquire();
    } catch (IOException e) {
      throw new OutputException(OutputException.Reason.CANNOT_WRITE,
          target + ": cannot write: " + e.getMessage(), e);
    }
    ShutdownHookManager.get().addShutdownHook(claim.hook, SHUTDOWN_PRIORITY);
    try {
      claim.cleanLeftovers();
    } catch (IOException | RuntimeException e) {
      claim.close();
      throw new OutputException(OutputException.Reason.CANNOT_WRITE,
          target + ": cannot remove the leftovers of an interrupted run: " + e.getMessage(), e);
    }
    return claim;
  }

  /**
   * Refuses an output that is an input, holds one, or lies inside one (an output written into a
   * data folder or a model folder changes that input).
   */
  public static void checkApart(String target, String option, List<Input> inputs,
      Configuration conf) throws IOException {
    String out = comparable(new Path(target), conf);
    for (Input input : inputs) {
      if (input.path() == null) {
        continue;
      }
      String in = comparable(new Path(input.path()), conf);
      String relation = out.equals(in) ? "the " + input.option() + " input itself"
          : in.startsWith(out + "/") ? "a folder holding the " + input.option() + " input "
              + input.path()
          : out.startsWith(in + "/") ? "a path inside the " + input.option() + " input "
              + input.path()
          : null;
      if (relation != null) {
        throw new OutputException(OutputException.Reason.OVERLAPS_INPUT, target + ": " + option
            + ": expected a path apart from the command's inputs; found " + relation
            + " (nothing was changed)");
      }
    }
  }

  /** A fully qualified path, through symbolic links where it is local, without a trailing '/'. */
  private static String comparable(Path path, Configuration conf) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    Path qualified = fs.makeQualified(path);
    if ("file".equals(qualified.toUri().getScheme())) {
      java.nio.file.Path local = Paths.get(qualified.toUri()).normalize();
      java.nio.file.Path existing = local;
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing != null) {
        local = existing.toRealPath().resolve(existing.relativize(local));
      }
      return "file:" + local.normalize().toString().replaceAll("/+$", "");
    }
    return qualified.toString().replaceAll("/+$", "");
  }

  private void checkExisting() throws IOException {
    if (!fs.exists(path)) {
      return;
    }
    if (!overwrite) {
      throw new OutputException(OutputException.Reason.EXISTS,
          target + ": already exists; choose another " + option + " or pass --overwrite");
    }
    FileStatus status = fs.getFileStatus(path);
    if (!kind.recognizes(fs, status.getPath())) {
      String found = status.isDirectory() ? "a folder" : RegularFiles.whatIfNotRegular(fs, path);
      throw new OutputException(OutputException.Reason.NOT_OURS, target + ": " + option
          + " --overwrite: expected a " + kind.description() + " written by sparkgrad; found "
          + (found == null ? "a file" : found) + " that is not one, so it is left as it is"
          + " (choose another " + option + ", or remove it yourself)");
    }
  }

  private void prepareParent() throws IOException {
    Path parent = path.getParent();
    if (parent == null) {
      throw new OutputException(OutputException.Reason.CANNOT_WRITE,
          target + ": cannot write the root of a file system");
    }
    if (fs.exists(parent) && !fs.getFileStatus(parent).isDirectory()) {
      throw new OutputException(OutputException.Reason.CANNOT_WRITE, target
          + ": cannot write in " + parent.toUri().getPath() + ": it is a file, not a folder");
    }
    try {
      if (!fs.exists(parent) && !fs.mkdirs(parent)) {
        throw new IOException("mkdirs returned false");
      }
    } catch (IOException e) {
      throw new OutputException(OutputException.Reason.CANNOT_WRITE, target
          + ": cannot create the folder " + parent.toUri().getPath() + ": " + e.getMessage(), e);
    }
  }

  private void acquire() throws IOException {
    String owner = ProcessHandle.current().pid() + " " + hostName() + " " + Instant.now() + " "
        + target + "\n";
    for (int attempt = 0; attempt < 2; attempt++) {
      if (createExclusively(owner)) {
        return;
      }
      String holder = readClaim();
      if (holder == null) {
        continue; // released between the two calls
      }
      String[] fields = holder.trim().split(" ", 4);
      boolean deadHere = fields.length >= 2 && fields[1].equals(hostName())
          && isLong(fields[0]) && ProcessHandle.of(Long.parseLong(fields[0]))
              .map(p -> !p.isAlive()).orElse(true);
      if (attempt == 0 && deadHere) {
        fs.delete(claimFile, false);
        cleaned.add("took over the claim " + claimFile.toUri().getPath() + " of process "
            + fields[0] + ", which is no longer running");
        continue;
      }
      String who = fields.length >= 3
          ? "process " + fields[0] + " on " + fields[1] + " since " + fields[2] : holder.trim();
      throw new OutputException(OutputException.Reason.BUSY, target + ": another sparkgrad run"
          + " is writing this " + option + " (" + who + ", claim "
          + claimFile.toUri().getPath() + "); wait for it to finish, or delete the claim file"
          + " if that run is gone");
    }
    throw new OutputException(OutputException.Reason.BUSY,
        target + ": the claim " + claimFile.toUri().getPath() + " keeps changing hands");
  }

  private boolean createExclusively(String owner) throws IOException {
    byte[] bytes = owner.getBytes(StandardCharsets.UTF_8);
    if (isLocal()) {
      try {
        Files.write(local(claimFile), bytes, java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(claimFile, false)) {
      out.write(bytes);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(claimFile)) {
        return false;
      }
      throw e;
    }
  }

  private String readClaim() throws IOException {
    try {
      if (isLocal()) {
        return Files.readString(local(claimFile), StandardCharsets.UTF_8);
      }
      try (InputStream in = fs.open(claimFile)) {
        return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
      }
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      return null;
    }
  }

  /** Removes what a dead writer left: its temporaries, and restores a replaced output. */
  private void cleanLeftovers() throws IOException {
    FileStatus[] siblings = fs.listStatus(path.getParent());
    String temporaryPrefix = "." + path.getName() + ".tmp-";
    String oldPrefix = "." + path.getName() + ".old-";
    for (FileStatus sibling : siblings) {
      String name = sibling.getPath().getName();
      if (name.startsWith(oldPrefix) && !fs.exists(path)) {
        // Killed between moving the previous output aside and moving the new one in.
        fs.rename(sibling.getPath(), path);
        cleaned.add("restored " + target + " from " + sibling.getPath().toUri().getPath()
            + ", left by an interrupted run");
      }
    }
    for (FileStatus sibling : fs.listStatus(path.getParent())) {
      String name = sibling.getPath().getName();
      if (name.startsWith(temporaryPrefix) || name.startsWith(oldPrefix)) {
        fs.delete(sibling.getPath(), true);
        cleaned.add("removed " + sibling.getPath().toUri().getPath()
            + ", the temporary output of an interrupted run");
      }
    }
  }

  /** What taking the claim cleaned up, one sentence each (empty when nothing). */
  public List<String> cleaned() {
    return List.copyOf(cleaned);
  }

  public Path path() {
    return path;
  }

  public Path claimFile() {
    return claimFile;
  }

  /**
   * Writes the output to a temporary sibling and renames it into place, after checking the
   * path again (something may have appeared there while the run worked).
   */
  public void write(AtomicOutput.Writer writer) {
    try {
      checkExisting();
      Path staged = new Path(path.getParent(), "." + path.getName() + ".tmp-" + UUID.randomUUID());
      temporary = staged;
      try {
        writer.write(fs, staged);
        pauseForFaultTests();
        if (fs.exists(path)) {
          Path old = new Path(path.getParent(), "." + path.getName() + ".old-" + UUID.randomUUID());
          rename(fs, path, old);
          rename(fs, staged, path);
          fs.delete(old, true);
        } else {
          rename(fs, staged, path);
        }
      } finally {
        if (fs.exists(staged)) {
          fs.delete(staged, true);
        }
        temporary = null;
      }
    } catch (IOException e) {
      throw new OutputException(OutputException.Reason.CANNOT_WRITE,
          target + ": cannot write: " + e.getMessage(), e);
    }
  }

  /**
   * For the signal tests only: {@code -Dsparkgrad.fault.pauseBeforeRenameMillis=N} holds a
   * complete temporary output for N ms before it is renamed into place, so a test can stop the
   * process while an output is being written. Unset (the default), nothing happens.
   */
  private static void pauseForFaultTests() {
    long pause = Long.getLong("sparkgrad.fault.pauseBeforeRenameMillis", 0);
    if (pause > 0) {
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Releases the claim (the output, if written, stays). */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      ShutdownHookManager.get().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down: the hook runs or ran
    }
    try {
      if (isLocal()) {
        Files.deleteIfExists(local(claimFile));
      } else {
        fs.delete(claimFile, false);
      }
    } catch (IOException e) {
      // a claim left behind is taken over by the next run on this host
    }
  }

  private void releaseOnShutdown() {
    Path staged = temporary;
    try {
      if (staged != null) {
        fs.delete(staged, true);
      }
    } catch (IOException | RuntimeException e) {
      // the next run removes it
    }
    close();
  }

  private boolean isLocal() {
    return "file".equals(path.toUri().getScheme());
  }

  private static java.nio.file.Path local(Path path) {
    return Paths.get(path.toUri());
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("rename of " + from + " to " + to + " failed");
    }
  }

  private static boolean isLong(String text) {
    try {
      Long.parseLong(text);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
