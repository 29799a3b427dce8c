package io.sparkgrad.math;

import dev.ludovic.netlib.blas.NativeBLAS;
import io.sparkgrad.nativeblas.BundledBlasException;
import io.sparkgrad.nativeblas.BundledOpenBlas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

/**
 * The one native library netlib's JNI binds to in this JVM, chosen on the first native request.
 *
 * <p>netlib reads {@code dev.ludovic.netlib.blas.nativeLibPath} (else {@code .nativeLib},
 * default {@code libblas.so.3}) once, when its JNI class initialises, and keeps that library, or
 * that failure, for the life of the JVM. So the bundled OpenBLAS is loaded and the property set
 * before netlib's first use, here, and a later request for the other library is refused.
 * Executors reach this through the facade's first use in a task, like the driver.
 */
final class NativeBinding {
  /** Which native library: the jar's OpenBLAS, or the one the system's loader finds. */
  enum Library { BUNDLED, SYSTEM }

  static final String NETLIB_PATH_PROPERTY = "dev.ludovic.netlib.blas.nativeLibPath";
  static final String NETLIB_NAME_PROPERTY = "dev.ludovic.netlib.blas.nativeLib";

  /** A bound library: netlib's instance, which library, and how to name it in logs and metadata. */
  record Bound(NativeBLAS blas, Library library, String description) {}

  /**
   * netlib logs its own failure through java.util.logging; the facade's one warning already says
   * it with the reason and the fix, so netlib's is kept quiet. A strong reference keeps the level.
   */
  private static final java.util.logging.Logger NETLIB_LOG = quietNetlibLog();

  private static boolean netlibTried;
  private static Bound bound;
  private static BundledBlasException bundledProblem;
  private static String netlibProblem;

  private NativeBinding() {}

  /**
   * The native BLAS of {@code wanted} (null: either, the bundled one first), binding netlib on the
   * first call; null when it cannot be had in this JVM ({@link #problem} says why).
   */
  static synchronized Bound bind(Library wanted) {
    if (!netlibTried) {
      if (wanted != Library.SYSTEM && bundledProblem == null && !netlibPinnedByUser()) {
        tryBundled();
      }
      if (!netlibTried && wanted != Library.BUNDLED) {
        trySystem();
      }
    }
    if (bound != null && (wanted == null || wanted == bound.library())) {
      return bound;
    }
    return null;
  }

  /** Why {@link #bind} returned null for {@code wanted}: one sentence per library tried. */
  static synchronized String problem(Library wanted) {
    StringBuilder why = new StringBuilder();
    if (bound != null) {
      return "this JVM already uses the " + bound.description() + " (netlib binds one native"
          + " library per JVM, at its first use), so the " + wanted.name().toLowerCase(java.util.Locale.ROOT)
          + " one cannot be loaded as well";
    }
    if (wanted != Library.SYSTEM) {
      why.append("bundled OpenBLAS: ").append(bundledProblem != null
          ? bundledProblem.getMessage()
          : netlibPinnedByUser() ? "not tried, -D" + NETLIB_PATH_PROPERTY + " or -D"
              + NETLIB_NAME_PROPERTY + " chooses the library" : "not loaded");
    }
    if (netlibProblem != null) {
      why.append(why.length() > 0 ? "; " : "").append(netlibProblem);
    }
    return why.toString();
  }

  private static java.util.logging.Logger quietNetlibLog() {
    java.util.logging.Logger log = java.util.logging.Logger.getLogger("dev.ludovic.netlib");
    log.setLevel(java.util.logging.Level.SEVERE);
    return log;
  }

  private static boolean netlibPinnedByUser() {
    return System.getProperty(NETLIB_PATH_PROPERTY) != null
        || System.getProperty(NETLIB_NAME_PROPERTY) != null;
  }

  private static void tryBundled() {
    BundledOpenBlas.Extracted extracted;
    try {
      extracted = BundledOpenBlas.extractAndLoad(classLoader());
    } catch (BundledBlasException e) {
      bundledProblem = e;
      return;
    }
    try {
      System.setProperty(NETLIB_PATH_PROPERTY, extracted.openblas().toString());
      netlibTried = true;
      NativeBLAS blas = NativeBLAS.getInstance();
      bound = new Bound(blas, Library.BUNDLED, "bundled " + extracted.version());
    } catch (RuntimeException | LinkageError e) {
      netlibProblem = "netlib's JNI could not bind to the bundled OpenBLAS (" + e + ")";
    } finally {
      // Loaded (or refused) for good: the copies are no longer needed; their mappings stay.
      extracted.delete();
    }
  }

  private static void trySystem() {
    netlibTried = true;
    try {
      NativeBLAS blas = NativeBLAS.getInstance();
      bound = new Bound(blas, Library.SYSTEM, "system " + systemLibraryName());
    } catch (RuntimeException | LinkageError e) {
      String name = System.getProperty(NETLIB_PATH_PROPERTY,
          System.getProperty(NETLIB_NAME_PROPERTY, "libblas.so.3"));
      netlibProblem = "system " + name + ": not loaded (" + rootMessage(e) + ")";
    }
  }

  /** The Spark task's loader holds --jars; the facade's own loader holds the launcher classpath. */
  private static ClassLoader classLoader() {
    ClassLoader own = NativeBinding.class.getClassLoader();
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    if (context != null && own.getResource("org/bytedeco/openblas") == null
        && context.getResource("org/bytedeco/openblas") != null) {
      return context;
    }
    return own;
  }

  /** The BLAS file the process has mapped, e.g. ".../openblas-pthread/libopenblasp-r0.3.21.so". */
  private static String systemLibraryName() {
    String requested = System.getProperty(NETLIB_PATH_PROPERTY,
        System.getProperty(NETLIB_NAME_PROPERTY, "libblas.so.3"));
    try {
      List<String> maps = Files.readAllLines(Paths.get("/proc/self/maps"));
      String blas = null;
      for (String line : maps) {
        int slash = line.indexOf('/');
        if (slash < 0) {
          continue;
        }
        String path = line.substring(slash);
        String file = path.substring(path.lastIndexOf('/') + 1);
        if (file.contains("netlib")) {
          continue;
        }
        if (file.contains("openblas")) {
          return requested + " (" + path + ")";
        }
        if (blas == null && file.contains("blas")) {
          blas = path;
        }
      }
      return blas != null ? requested + " (" + blas + ")" : requested;
    } catch (IOException | RuntimeException e) {
      return requested; // no /proc (not Linux): the name is all we know
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
  }
}
