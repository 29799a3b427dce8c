package io.sparkgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.testing.MnistFixture;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real submission path end to end: {@code scripts/standalone-cluster.sh start} runs a Spark
 * standalone Master and two Workers (separate JVMs, loopback only, from the Maven-resolved Spark
 * jars), {@code jobs/train-mnist.sh} submits the thin application jar to it with
 * {@code conf/spark-defaults.conf}, the job trains on MNIST and writes a model folder, and
 * {@code scripts/standalone-cluster.sh stop} ends every process the test started.
 *
 * <p>The jar is packed from {@code target/classes} (what {@code mvn package} would put in
 * target/sparkgrad.jar), since the test phase runs before packaging. SPARK_HOME is removed from
 * the scripts' environment, so the no-Spark-install path (Spark's launcher on the Maven jars) is
 * the one tested. Everything (logs, the cluster's folder, the model) stays under
 * target/cluster-tests/ for inspection.
 */
@Tag("cluster")
class StandaloneSubmitTest {
  private static final int WORKERS = 2;
  private static final long START_MINUTES = 4;
  private static final long SUBMIT_MINUTES = 5;
  private static final long STOP_MINUTES = 2;
  private static final String MODULE_OPTION = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

  private static final Path PROJECT =
      Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath().normalize();
  private static Path work;
  private static Path cluster;
  private static Path model;
  private static String masterUrl;
  /** Every daemon the start script recorded, by name (master, worker-1, ...). */
  private static final Map<String, Long> daemons = new LinkedHashMap<>();
  private static int submitExitCode = -1;

  @BeforeAll
  static void startClusterAndSubmitTheJob() throws IOException {
    Path parent = Files.createDirectories(PROJECT.resolve("target/cluster-tests"));
    work = Files.createTempDirectory(parent, "standalone-submit-");
    cluster = work.resolve("cluster");
    model = work.resolve("model");
    System.out.println("standalone submission test: logs, cluster folder and model under " + work);

    int started = run("start", work.resolve("start.log"), START_MINUTES, Map.of(),
        PROJECT.resolve("scripts/standalone-cluster.sh").toString(), "start",
        "--workers", Integer.toString(WORKERS), "--dir", cluster.toString());
    // Record whatever was started before judging the start, so that @AfterAll can stop it.
    for (String name : daemonNames()) {
      Path pidFile = cluster.resolve(name + ".pid");
      if (Files.isRegularFile(pidFile)) {
        daemons.put(name, Long.parseLong(Files.readString(pidFile).trim()));
      }
    }
    assertEquals(0, started, "scripts/standalone-cluster.sh start: exit code; "
        + tail(work.resolve("start.log")));
    masterUrl = Files.readString(cluster.resolve("master-url")).trim();
    assertTrue(masterUrl.matches("spark://127\\.0\\.0\\.1:[1-9][0-9]*"),
        "master-url: expected spark://127.0.0.1:PORT; found '" + masterUrl + "'");

    Path jar = packApplicationJar(work.resolve("sparkgrad.jar"));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DATA", MnistFixture.folder().toString());
    env.put("MODEL", model.toString());
    env.put("SPARK_MASTER", masterUrl);
    env.put("SPARKGRAD_JAR", jar.toString());
    submitExitCode = run("submit", work.resolve("submit.log"), SUBMIT_MINUTES, env,
        PROJECT.resolve("jobs/train-mnist.sh").toString(),
        "--epochs", "2", "--hidden", "32", "--partitions", Integer.toString(WORKERS));
  }

  @AfterAll
  static void stopTheCluster() throws IOException {
    if (cluster == null) {
      return;
    }
    int stopped = run("stop", work.resolve("stop.log"), STOP_MINUTES, Map.of(),
        PROJECT.resolve("scripts/standalone-cluster.sh").toString(), "stop",
        "--dir", cluster.toString());
    List<String> alive = new ArrayList<>();
    daemons.forEach((name, pid) -> {
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        alive.add(name + " (pid " + pid + ")");
      }
    });
    if (!alive.isEmpty()) {
      // Leave nothing behind, then fail.
      daemons.values().forEach(pid -> ProcessHandle.of(pid).ifPresent(handle -> {
        handle.descendants().forEach(ProcessHandle::destroyForcibly);
        handle.destroyForcibly();
      }));
    }
    assertEquals(0, stopped, "scripts/standalone-cluster.sh stop: exit code; "
        + tail(work.resolve("stop.log")));
    assertTrue(alive.isEmpty(), "still running after stop: " + alive);
  }

  @Test
  void theDaemonsAreSeparateJvmsOnLoopbackWithSparksModuleOptions() throws IOException {
    assertEquals(daemonNames(), List.copyOf(daemons.keySet()), "recorded daemons");
    long self = ProcessHandle.current().pid();
    for (Map.Entry<String, Long> daemon : daemons.entrySet()) {
      String name = daemon.getKey();
      long pid = daemon.getValue();
      assertTrue(pid != self && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
          name + " (pid " + pid + ") is not a running process");
      List<String> command = commandLine(pid);
      String mainClass = name.equals("master")
          ? "org.apache.spark.deploy.master.Master" : "org.apache.spark.deploy.worker.Worker";
      assertTrue(command.contains(mainClass), name + ": expected " + mainClass + " in " + command);
      assertTrue(command.contains(MODULE_OPTION), name + ": expected " + MODULE_OPTION
          + " (Spark's module options) in " + command);
      int host = command.indexOf("--host");
      assertTrue(host > 0 && "127.0.0.1".equals(command.get(host + 1)),
          name + ": expected --host 127.0.0.1 in " + command);
    }
  }

  @Test
  void theSubmittedJobTrainsOnTheClusterAndWritesTheModel() throws IOException {
    assertEquals(0, submitExitCode, "jobs/train-mnist.sh: exit code; "
        + tail(work.resolve("submit.log")));
    ModelStore.LoadedModel loaded = ModelStore.read(model.toString(), new Configuration());
    assertEquals(784, loaded.spec().inputs(), "inputs");
    assertEquals(32, loaded.spec().hidden(), "hidden");
    assertEquals(10, loaded.spec().outputs(), "outputs");
    for (double p : loaded.params()) {
      assertTrue(Double.isFinite(p), "a weight is " + p);
    }
    assertEquals(masterUrl, loaded.metadata().path("spark_master").asText(),
        "metadata.json spark_master: the job ran on the standalone cluster");
    assertEquals(WORKERS, loaded.metadata().path("partitions").asInt(), "metadata.json partitions");

    JsonNode metrics = ModelStore.json().readTree(model.resolve(ModelStore.METRICS).toFile());
    assertEquals(2, metrics.path("epochs").size(), "metrics.json epochs: " + metrics.path("epochs"));
    double accuracy = metrics.path("test_accuracy").asDouble(Double.NaN);
    System.out.println("standalone cluster " + masterUrl + ": test accuracy " + accuracy);
    assertTrue(accuracy > 0.9, "metrics.json test_accuracy after 2 epochs: " + accuracy);
  }

  @Test
  void everyWorkerRanAnExecutorOfTheJob() throws IOException {
    assertEquals(0, submitExitCode, "jobs/train-mnist.sh: exit code; "
        + tail(work.resolve("submit.log")));
    for (int i = 1; i <= WORKERS; i++) {
      // A Worker makes work-dir/app-ID/EXECUTOR-ID/ for each executor it launches.
      Path workDir = cluster.resolve("worker-" + i);
      List<Path> executorDirs;
      try (Stream<Path> apps = Files.list(workDir)) {
        executorDirs = apps.filter(app -> app.getFileName().toString().startsWith("app-"))
            .flatMap(StandaloneSubmitTest::list)
            .collect(Collectors.toList());
      }
      assertEquals(1, executorDirs.size(),
          "worker-" + i + ": expected one executor folder under " + workDir + "; found "
              + executorDirs);
    }
  }

  private static List<String> daemonNames() {
    List<String> names = new ArrayList<>(List.of("master"));
    for (int i = 1; i <= WORKERS; i++) {
      names.add("worker-" + i);
    }
    return names;
  }

  /** Runs a script with output to {@code log}; its exit code, or fails after {@code minutes}. */
  private static int run(String what, Path log, long minutes, Map<String, String> extraEnv,
      String... command) throws IOException {
    List<String> bash = new ArrayList<>(List.of("bash"));
    bash.addAll(List.of(command));
    ProcessBuilder builder = new ProcessBuilder(bash)
        .directory(PROJECT.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile()));
    // The no-install path is the one under test: no Spark install's bin/spark-submit.
    builder.environment().remove("SPARK_HOME");
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    builder.environment().putAll(extraEnv);
    Process process = builder.start();
    try {
      if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        fail(what + ": still running after " + minutes + " min; " + tail(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException(what + ": interrupted", e);
    }
    return process.exitValue();
  }

  /** The jar mvn package makes (target/sparkgrad.jar), packed from target/classes. */
  private static Path packApplicationJar(Path jar) throws IOException {
    Path classes = PROJECT.resolve("target/classes");
    assertTrue(Files.isRegularFile(classes.resolve("io/sparkgrad/cli/Main.class")),
        "compiled classes in " + classes);
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.sparkgrad.cli.Main");
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    }
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest)) {
      for (Path path : files) {
        String name = classes.relativize(path).toString().replace('\\', '/');
        out.putNextEntry(new JarEntry(name));
        Files.copy(path, out);
        out.closeEntry();
      }
    }
    return jar;
  }

  /** The command line of a process, from /proc (Linux, like the scripts' environment). */
  private static List<String> commandLine(long pid) throws IOException {
    byte[] raw = Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "cmdline"));
    return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
  }

  private static Stream<Path> list(Path folder) {
    try {
      return Files.list(folder).collect(Collectors.toList()).stream();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + folder, e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "the end of " + log + ":\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }
}
