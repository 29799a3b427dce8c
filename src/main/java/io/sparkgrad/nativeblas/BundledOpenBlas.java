package io.sparkgrad.nativeblas;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * OpenBLAS from the Maven jar {@code org.bytedeco:openblas:<version>:<platform>}, which carries
 * the shared libraries under {@code org/bytedeco/openblas/<platform>/}: copied to a fresh private
 * folder of the JVM's temporary folder and loaded, so that netlib's JNI can bind to it by path.
 *
 * <p>Safe with several JVMs on one machine: each JVM gets its own folder (created with a random
 * name, mode 700), and files are created new, never overwritten, so no process ever replaces a
 * library another one has mapped. The caller deletes the folder once the libraries are loaded
 * ({@link Extracted#delete()}): Linux keeps a loaded library's mapping after its file is removed.
 *
 * <p>Plain Java: no Spark, no netlib. The math package's BLAS facade decides when to call it.
 */
public final class BundledOpenBlas {
  /** The Maven coordinates of the jar that carries the libraries, without version. */
  public static final String ARTIFACT = "org.bytedeco:openblas";

  /** The setting that chooses where the libraries are copied: the JVM's temporary folder. */
  public static final String TEMP_FOLDER_PROPERTY = "java.io.tmpdir";

  /**
   * The libraries in load order. libgfortran has no RUNPATH, so libquadmath must already be
   * loaded when it is; libopenblas needs libgfortran. Platforms without libquadmath (arm64) skip it.
   */
  private static final List<String> LOAD_ORDER =
      List.of("libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0");

  private static final String OPENBLAS = "libopenblas.so.0";
  private static final Pattern HEADER_VERSION =
      Pattern.compile("#define\\s+OPENBLAS_VERSION\\s+\"\\s*OpenBLAS\\s+([^\"\\s]+)\\s*\"");

  private BundledOpenBlas() {}

  /**
   * The jar's platform folder for this JVM ({@code linux-x86_64} or {@code linux-arm64}), or
   * empty where netlib 3.0.3 has no JNI library (it ships Linux amd64 and aarch64 only).
   */
  public static Optional<String> platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (!os.equals("linux")) {
      return Optional.empty();
    }
    switch (arch) {
      case "amd64":
      case "x86_64":
        return Optional.of("linux-x86_64");
      case "aarch64":
      case "arm64":
        return Optional.of("linux-arm64");
      default:
        return Optional.empty();
    }
  }

  /**
   * Copies the libraries into a new folder of {@code java.io.tmpdir} and loads them into this JVM.
   *
   * @throws BundledBlasException NOT_AVAILABLE when this platform has no bundled library or the
   *     jar is not on the classpath; TEMP_FOLDER when the libraries cannot be written to or loaded
   *     from the temporary folder (read-only, full, mounted {@code noexec}); nothing is left behind
   */
  public static Extracted extractAndLoad(ClassLoader loader) throws BundledBlasException {
    String platform = platform().orElseThrow(() -> new BundledBlasException(
        BundledBlasException.Kind.NOT_AVAILABLE,
        "no bundled OpenBLAS for " + System.getProperty("os.name") + " "
            + System.getProperty("os.arch") + " (netlib's JNI supports Linux x86-64 and aarch64)"));
    String folder = "org/bytedeco/openblas/" + platform + "/";
    if (loader.getResource(folder + OPENBLAS) == null) {
      throw new BundledBlasException(BundledBlasException.Kind.NOT_AVAILABLE,
          "the jar " + ARTIFACT + ":<version>:" + platform + " is not on the classpath"
              + " (spark-submit: pass it with --jars; README: Native BLAS)");
    }
    String version = version(loader, folder, platform);

    Path tmp = Paths.get(System.getProperty(TEMP_FOLDER_PROPERTY, "/tmp"));
    Path directory;
    try {
      directory = Files.createTempDirectory(tmp, "sparkgrad-openblas-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException | RuntimeException e) {
      throw tempFolderProblem(tmp, "cannot create a folder in it: " + describe(e), e);
    }
    Extracted extracted = new Extracted(directory, directory.resolve(OPENBLAS), version);
    try {
      List<Path> libraries = new ArrayList<>();
      for (String name : LOAD_ORDER) {
        URL resource = loader.getResource(folder + name);
        if (resource == null) {
          continue;
        }
        Path target = directory.resolve(name);
        try (InputStream in = resource.openStream()) {
          Files.copy(in, target); // fails rather than replace: the folder is new and ours
        } catch (IOException e) {
          throw tempFolderProblem(tmp, "cannot write " + target + ": " + describe(e), e);
        }
        libraries.add(target);
      }
      for (Path library : libraries) {
        try {
          System.load(library.toString());
        } catch (UnsatisfiedLinkError e) {
          throw tempFolderProblem(tmp, "cannot load " + library + " from it (mounted noexec?): "
              + e.getMessage(), e);
        }
      }
      return extracted;
    } catch (BundledBlasException e) {
      extracted.delete();
      throw e;
    }
  }

  private static BundledBlasException tempFolderProblem(Path tmp, String what, Throwable cause) {
    return new BundledBlasException(BundledBlasException.Kind.TEMP_FOLDER,
        "the temporary folder " + tmp + " (" + TEMP_FOLDER_PROPERTY + ") " + what
            + ". Native libraries are copied there and loaded from there, so it must be writable"
            + " and allow executing files: point -D" + TEMP_FOLDER_PROPERTY + " at such a folder"
            + " (scripts/sparkgrad: SPARKGRAD_JAVA_OPTS; spark-submit: spark.driver.extraJavaOptions"
            + " and spark.executor.extraJavaOptions)",
        cause);
  }

  private static String describe(Throwable e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  /** "OpenBLAS 0.3.31 (org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64)", from the jar itself. */
  private static String version(ClassLoader loader, String folder, String platform) {
    String openblas = "OpenBLAS";
    URL header = loader.getResource(folder + "include/openblas_config.h");
    if (header != null) {
      try (InputStream in = header.openStream()) {
        Matcher m = HEADER_VERSION.matcher(new String(in.readAllBytes(), "UTF-8"));
        if (m.find()) {
          openblas = "OpenBLAS " + m.group(1);
        }
      } catch (IOException e) {
        // The version is for the record only; the library itself was found.
      }
    }
    String artifactVersion = "<version>";
    URL pom = loader.getResource("META-INF/maven/org.bytedeco/openblas/pom.properties");
    if (pom != null) {
      try (InputStream in = pom.openStream()) {
        Properties p = new Properties();
        p.load(in);
        artifactVersion = p.getProperty("version", artifactVersion);
      } catch (IOException e) {
        // As above.
      }
    }
    return openblas + " (" + ARTIFACT + ":" + artifactVersion + ":" + platform + ")";
  }

  /** The loaded copies: their private folder, the OpenBLAS library in it, and its version. */
  public record Extracted(Path directory, Path openblas, String version) {
    /** Removes the folder and its files (the loaded libraries stay mapped); true if all went. */
    public boolean delete() {
      if (!Files.exists(directory)) {
        return true;
      }
      try (Stream<Path> walk = Files.walk(directory)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
        return true;
      } catch (IOException e) {
        directory.toFile().deleteOnExit();
        return false;
      }
    }
  }
}
