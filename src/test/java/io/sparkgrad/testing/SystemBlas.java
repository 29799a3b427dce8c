package io.sparkgrad.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The machine's system BLAS, and command prefixes that run a process tree without it or with a
 * temporary folder mounted as asked. They need root and util-linux's unshare (CI has both): a
 * private mount namespace gets an empty tmpfs over the folder of {@code libblas.so.3}, so the
 * process and its children (a Worker's executors too) find no system BLAS, while the rest of the
 * machine is untouched.
 */
public final class SystemBlas {
  private static final List<Path> CANDIDATES = List.of(
      Paths.get("/lib/x86_64-linux-gnu/libblas.so.3"),
      Paths.get("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
      Paths.get("/lib/aarch64-linux-gnu/libblas.so.3"),
      Paths.get("/usr/lib/aarch64-linux-gnu/libblas.so.3"),
      Paths.get("/usr/lib64/libblas.so.3"));

  private SystemBlas() {}

  /** The folder the system's libblas.so.3 really lives in (symlinks and alternatives resolved). */
  public static Optional<Path> folder() {
    for (Path candidate : CANDIDATES) {
      if (Files.exists(candidate)) {
        try {
          return Optional.of(candidate.toRealPath().getParent());
        } catch (IOException e) {
          // A dangling alternative: try the next.
        }
      }
    }
    return Optional.empty();
  }

  /** True when this process may make private mount namespaces (root with unshare). */
  public static boolean canMount() {
    return "root".equals(System.getProperty("user.name"))
        && Files.isExecutable(Paths.get("/usr/bin/unshare"));
  }

  /**
   * A prefix that runs a command with every folder in {@code mounts} covered by a fresh tmpfs
   * (options such as "noexec" or "ro", or "" for none); the caller checks {@link #canMount()}.
   */
  public static List<String> withMounts(List<String[]> mounts) {
    StringBuilder script = new StringBuilder("set -e; ");
    for (String[] mount : mounts) {
      script.append("mount -t tmpfs ")
          .append(mount[1].isEmpty() ? "" : "-o " + mount[1] + " ")
          .append("none '").append(mount[0]).append("'; ");
    }
    script.append("exec \"$@\"");
    List<String> prefix = new ArrayList<>(List.of(
        "unshare", "-m", "--propagation", "private", "bash", "-c", script.toString(), "_"));
    return prefix;
  }

  /** A prefix that hides the system BLAS (see the class comment); needs a system BLAS to hide. */
  public static List<String> hidden() {
    Path folder = folder().orElseThrow(() -> new IllegalStateException(
        "no system libblas.so.3 to hide among " + CANDIDATES));
    return withMounts(List.<String[]>of(new String[] {folder.toString(), ""}));
  }
}
