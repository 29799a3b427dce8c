package io.sparkgrad.cluster;

import io.sparkgrad.io.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.MnistFixture;
import io.sparkgrad.testing.SystemBlas;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
 * <p>The cluster authenticates (spark.authenticate with the secret the start script generates):
 * the job is submitted with {@code SPARKGRAD_SECRET_FILE}, and two more submissions of the same
 * job, one without a secret and one with a wrong one, run beside it and must be refused. They
 * cannot register, so they hold no cores; the refusal takes Spark's three 20 s registration
 * attempts (StandaloneAppClient), which is why they run beside the real job rather than after.
 *
 * <p>No system BLAS: where the test may mount (root with unshare, as in CI), the cluster and
 * the job run in a mount namespace where the system's libblas.so.3 is hidden, and the cluster's
 * jars/ (like a Spark install's) lack the native OpenBLAS jar, so the executors can run native
 * only with the jar the job sends (--jars): each executor's log must name the bundled library.
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
  private static final long REFUSED_MINUTES = 4;
  private static final String MODULE_OPTION = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
  /** The server's reason for refusing a client that does not authenticate at all. */
  private static final String NO_SASL =
      "Expected SaslMessage, received something else (maybe your client does not have SASL"
          + " enabled?)";
  /** The server's reason for refusing a client whose secret differs. */
  private static final String WRONG_SECRET =
      "DIGEST-MD5: digest response format violation. Mismatched response.";
  private static final String GIVING_UP = "All masters are unresponsive! Giving up.";

  private static final Path PROJECT =
      Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath().normalize();
  private static Path work;
  private static Path cluster;
  private static Path model;
  private static String masterUrl;
  /** Every daemon the start script recorded, by name (master, worker-1, ...). */
  private static final Map<String, Long> daemons = new LinkedHashMap<>();
  private static int submitExitCode = -1;
  /** Exit codes of the submissions without a secret and with a wrong one. */
  private static int unauthenticatedExitCode = -1;
  private static int wrongSecretExitCode = -1;
  private static Path secret;
  /** TMPDIR of the authenticated submission: its private properties copy goes there. */
  private static Path submitTemp;
  private static final List<Process> refusedClients = new ArrayList<>();
  /** Whether the cluster and the job run with the system BLAS hidden (root with unshare). */
  private static final boolean HIDE_SYSTEM_BLAS =
      SystemBlas.canMount() && SystemBlas.folder().isPresent();
  /** What each JVM's BLAS facade logs on its first use when it loaded the bundled library. */
  private static final String BUNDLED_LOG =
      "BLAS (auto): JNIBLAS, bundled OpenBLAS 0.3.31 (org.bytedeco:openblas:0.3.31-1.5.13:";

  @BeforeAll
  static void startClusterAndSubmitTheJob() throws IOException {
    Path parent = Files.createDirectories(PROJECT.resolve("target/cluster-tests"));
    work = Files.createTempDirectory(parent, "standalone-submit-");
    cluster = work.resolve("cluster");
    model = work.resolve("model");
    System.out.println("standalone submission test: logs, cluster folder and model under " + work);

    int started = run("start", work.resolve("start.log"), START_MINUTES, Map.of(), HIDE_SYSTEM_BLAS,
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

    secret = cluster.resolve("secret");

    Path jar = packApplicationJar(work.resolve("sparkgrad.jar"));
    // The refused clients train on a slice (it loads in a moment); they start first, since
    // Spark gives up on an unreachable master only after about a minute.
    Path small = IdxFolders.mnistSubset(work.resolve("mnist-small"), 500, 100);
    Map<String, String> unauthenticated = new LinkedHashMap<>();
    unauthenticated.put("DATA", small.toString());
    unauthenticated.put("MODEL", work.resolve("model-unauthenticated").toString());
    unauthenticated.put("SPARK_MASTER", masterUrl);
    unauthenticated.put("SPARKGRAD_JAR", jar.toString());
    Process noSecret = start(work.resolve("unauthenticated.log"), unauthenticated, false,
        PROJECT.resolve("jobs/train-mnist.sh").toString(), "--epochs", "1", "--hidden", "8");
    refusedClients.add(noSecret);

    Path wrongSecretFile = work.resolve("wrong-secret");
    Files.createFile(wrongSecretFile,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(wrongSecretFile, "0123456789abcdef".repeat(4) + "\n");
    Map<String, String> wrong = new LinkedHashMap<>(unauthenticated);
    wrong.put("MODEL", work.resolve("model-wrong-secret").toString());
    wrong.put("SPARKGRAD_SECRET_FILE", wrongSecretFile.toString());
    Process wrongSecret = start(work.resolve("wrong-secret.log"), wrong, false,
        PROJECT.resolve("jobs/train-mnist.sh").toString(), "--epochs", "1", "--hidden", "8");
    refusedClients.add(wrongSecret);

    submitTemp = Files.createDirectories(work.resolve("submit-tmp"));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DATA", MnistFixture.folder().toString());
    env.put("MODEL", model.toString());
    env.put("SPARK_MASTER", masterUrl);
    env.put("SPARKGRAD_JAR", jar.toString());
    env.put("SPARKGRAD_SECRET_FILE", secret.toString());
    env.put("TMPDIR", submitTemp.toString());
    submitExitCode = run("submit", work.resolve("submit.log"), SUBMIT_MINUTES, env, HIDE_SYSTEM_BLAS,
        PROJECT.resolve("jobs/train-mnist.sh").toString(),
        "--epochs", "2", "--hidden", "32", "--partitions", Integer.toString(WORKERS));

    unauthenticatedExitCode = await("submission without a secret", noSecret,
        work.resolve("unauthenticated.log"), REFUSED_MINUTES);
    wrongSecretExitCode = await("submission with a wrong secret", wrongSecret,
        work.resolve("wrong-secret.log"), REFUSED_MINUTES);
  }

  @AfterAll
  static void stopTheCluster() throws IOException {
    for (Process client : refusedClients) {
      if (client.isAlive()) {
        client.descendants().forEach(ProcessHandle::destroyForcibly);
        client.destroyForcibly();
      }
    }
    if (cluster == null) {
      return;
    }
    int stopped = run("stop", work.resolve("stop.log"), STOP_MINUTES, Map.of(), false,
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
    assertFalse(Files.exists(secret), "stop leaves no copy of the secret: " + secret);
    assertFalse(Files.exists(cluster.resolve("daemon.conf")),
        "stop leaves no copy of the secret: daemon.conf");
  }

  @Test
  void theClusterSecretIsRandomPrivateAndOnNoCommandLine() throws IOException {
    String value = Files.readString(secret).trim();
    assertTrue(value.matches("[0-9a-f]{64}"), "secret: expected 64 hex digits; found "
        + value.length() + " characters");
    assertEquals("rw-------", mode(secret), "mode of " + secret);
    Path daemonConf = cluster.resolve("daemon.conf");
    assertEquals("rw-------", mode(daemonConf), "mode of " + daemonConf);
    List<String> properties = Files.readAllLines(daemonConf);
    assertTrue(properties.contains("spark.authenticate true"), "daemon.conf: " + properties);
    assertTrue(properties.contains("spark.authenticate.secret " + value),
        "daemon.conf holds the secret for the daemons");
    for (Map.Entry<String, Long> daemon : daemons.entrySet()) {
      String command = String.join(" ", commandLine(daemon.getValue()));
      assertFalse(command.contains(value), daemon.getKey() + ": the secret is on its command line");
      assertTrue(command.contains("--properties-file " + daemonConf), daemon.getKey()
          + ": expected --properties-file " + daemonConf + " in " + command);
    }
    // Every log (daemons, submissions, and each executor's stderr, which starts with the
    // executor's full command line) is free of it; only the two private files hold it.
    List<Path> files;
    try (Stream<Path> walk = Files.walk(work)) {
      files = walk.filter(Files::isRegularFile)
          .filter(file -> !file.equals(secret) && !file.equals(daemonConf))
          .filter(file -> !file.startsWith(cluster.resolve("spark-home")))
          .filter(file -> !file.startsWith(model) && !file.toString().endsWith(".jar")
              && !file.toString().endsWith(".gz"))
          .collect(Collectors.toList());
    }
    int executorCommands = 0;
    for (Path file : files) {
      String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      assertFalse(text.contains(value), file + " holds the secret");
      if (text.contains("Spark Executor Command:")) {
        executorCommands++;
        assertTrue(text.contains("-Dspark.authenticate=true"),
            file + ": the executor is started with spark.authenticate=true");
      }
    }
    assertEquals(WORKERS, executorCommands, "executor logs with their command line");
    try (Stream<Path> left = Files.list(submitTemp)) {
      assertEquals(List.of(), left.collect(Collectors.toList()),
          "jobs/train-mnist.sh removes its private properties copy when the job ends");
    }
  }

  @Test
  void everyDaemonSocketListensOnLoopbackOnly() throws IOException {
    Map<Long, String> listening = listeningSockets();
    for (Map.Entry<String, Long> daemon : daemons.entrySet()) {
      Set<String> addresses = new TreeSet<>();
      for (long inode : socketInodes(daemon.getValue())) {
        if (listening.containsKey(inode)) {
          addresses.add(listening.get(inode));
        }
      }
      // RPC and web UI at least (a Worker also serves its executors' logs on the UI port).
      assertTrue(addresses.size() >= 2, daemon.getKey() + ": listening on " + addresses);
      for (String address : addresses) {
        assertTrue(address.startsWith("127.0.0.1:"),
            daemon.getKey() + ": listens on " + address + "; expected 127.0.0.1 only, among "
                + addresses);
      }
    }
  }

  @Test
  void aClientWithoutTheSecretIsRefused() throws IOException {
    assertRefused("without a secret", unauthenticatedExitCode, work.resolve("unauthenticated.log"),
        work.resolve("model-unauthenticated"), NO_SASL);
  }

  @Test
  void aClientWithAWrongSecretIsRefused() throws IOException {
    assertRefused("with a wrong secret", wrongSecretExitCode, work.resolve("wrong-secret.log"),
        work.resolve("model-wrong-secret"), WRONG_SECRET);
  }

  /**
   * The client never registered: it names the refusal and gives up, exits non-zero, writes no
   * model, and the Master logged the same reason and registered only the authenticated job.
   */
  private static void assertRefused(String what, int exitCode, Path log, Path model, String reason)
      throws IOException {
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertNotEquals(0, exitCode, "submission " + what + ": exit code; " + tail(log));
    String hostPort = masterUrl.substring("spark://".length());
    assertTrue(output.contains("Failed to connect to master " + hostPort),
        "submission " + what + ": expected 'Failed to connect to master " + hostPort + "'; "
            + tail(log));
    assertTrue(output.contains(reason),
        "submission " + what + ": expected the reason '" + reason + "'; " + tail(log));
    assertTrue(output.contains(GIVING_UP),
        "submission " + what + ": expected '" + GIVING_UP + "'; " + tail(log));
    assertFalse(Files.exists(model), "submission " + what + " wrote " + model);
    String masterLog = Files.readString(cluster.resolve("master.log"), StandardCharsets.UTF_8);
    assertTrue(masterLog.contains(reason), "master.log: expected the reason '" + reason + "'");
    assertEquals(1, masterLog.split("Registered app ", -1).length - 1,
        "master.log: applications registered (only the authenticated job)");
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
    // replicas auto on a cluster: one per executor.
    assertEquals(WORKERS, loaded.metadata().path("replicas").asInt(), "metadata.json replicas");

    JsonNode metrics = Json.mapper().readTree(model.resolve(ModelStore.METRICS).toFile());
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

  @Test
  void executorsWithoutASystemBlasUseTheBundledOneTheJobSent() throws IOException {
    assertEquals(0, submitExitCode, "jobs/train-mnist.sh: exit code; "
        + tail(work.resolve("submit.log")));
    if (HIDE_SYSTEM_BLAS) {
      // Seen through each Worker's own mount namespace: no system libblas.so.3 there.
      Path blas = SystemBlas.folder().orElseThrow().resolve("libblas.so.3");
      for (int i = 1; i <= WORKERS; i++) {
        long pid = daemons.get("worker-" + i);
        Path seen = Paths.get("/proc/" + pid + "/root").resolve(blas.toString().substring(1));
        assertFalse(Files.exists(seen), "worker-" + i + " sees the system BLAS at " + blas);
      }
    } else {
      System.out.println("standalone submission test: not root with unshare, so the system BLAS"
          + " stays visible; the executors' jars/ still lack the bundled one");
    }
    try (Stream<Path> jars = Files.list(cluster.resolve("spark-home/jars"))) {
      assertTrue(jars.noneMatch(jar -> jar.toString().contains("openblas")),
          "the cluster's jars/ must not hold the native OpenBLAS jar (it travels with the job)");
    }
    List<Path> executorLogs;
    try (Stream<Path> walk = Files.walk(cluster)) {
      executorLogs = walk.filter(p -> p.getFileName().toString().equals("stderr"))
          .filter(p -> p.toString().contains("/worker-") && p.toString().contains("/app-"))
          .sorted().collect(Collectors.toList());
    }
    assertEquals(WORKERS, executorLogs.size(), "executor logs: " + executorLogs);
    for (Path executorLog : executorLogs) {
      String text = Files.readString(executorLog, StandardCharsets.UTF_8);
      // Logged by the BLAS facade on its first use, inside the executor's first task.
      assertTrue(text.contains(BUNDLED_LOG), executorLog + ": expected '" + BUNDLED_LOG + "'");
      assertFalse(text.contains("native BLAS not loaded"), executorLog + ": fell back to Java");
    }
    String driver = Files.readString(work.resolve("submit.log"), StandardCharsets.UTF_8);
    assertTrue(driver.contains("BLAS JNIBLAS, bundled OpenBLAS 0.3.31"), tail(work.resolve("submit.log")));
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
      boolean hideSystemBlas, String... command) throws IOException {
    return await(what, start(log, extraEnv, hideSystemBlas, command), log, minutes);
  }

  /**
   * Starts a script in the background with output to {@code log}; with {@code hideSystemBlas},
   * in a mount namespace without the system BLAS, which the processes it starts inherit.
   */
  private static Process start(Path log, Map<String, String> extraEnv, boolean hideSystemBlas,
      String... command) throws IOException {
    List<String> bash = new ArrayList<>(hideSystemBlas ? SystemBlas.hidden() : List.of());
    bash.add("bash");
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
    return builder.start();
  }

  /** The exit code of a started script, or fails after {@code minutes}. */
  private static int await(String what, Process process, Path log, long minutes) {
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

  private static String mode(Path file) throws IOException {
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    return PosixFilePermissions.toString(permissions);
  }

  /** The socket inodes a process holds open, from /proc/PID/fd. */
  private static Set<Long> socketInodes(long pid) throws IOException {
    Set<Long> inodes = new TreeSet<>();
    try (Stream<Path> fds = Files.list(Paths.get("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.collect(Collectors.toList())) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException closedMeanwhile) {
          continue;
        }
        if (target.startsWith("socket:[")) {
          inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
        }
      }
    }
    return inodes;
  }

  /**
   * Every listening TCP socket of this machine, by inode, as "address:port" (IPv4, or an
   * IPv4-mapped IPv6 address shown as IPv4; other IPv6 addresses in brackets).
   */
  private static Map<Long, String> listeningSockets() throws IOException {
    Map<Long, String> sockets = new LinkedHashMap<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines = Files.readAllLines(Paths.get(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] fields = line.trim().split("\\s+");
        if (!fields[3].equals("0A")) { // TCP_LISTEN
          continue;
        }
        String[] local = fields[1].split(":");
        sockets.put(Long.parseLong(fields[9]),
            address(local[0]) + ":" + Integer.parseInt(local[1], 16));
      }
    }
    return sockets;
  }

  /** A /proc/net address: 32-bit words in host (little-endian) order, each as 8 hex digits. */
  private static String address(String hex) {
    List<Integer> bytes = new ArrayList<>();
    for (int word = 0; word < hex.length(); word += 8) {
      for (int b = 3; b >= 0; b--) {
        bytes.add(Integer.parseInt(hex.substring(word + 2 * b, word + 2 * b + 2), 16));
      }
    }
    int v4 = bytes.size() - 4;
    boolean mapped = bytes.size() == 16 && bytes.subList(0, 10).stream().allMatch(x -> x == 0)
        && bytes.get(10) == 0xff && bytes.get(11) == 0xff;
    if (bytes.size() == 4 || mapped) {
      return bytes.get(v4) + "." + bytes.get(v4 + 1) + "." + bytes.get(v4 + 2) + "."
          + bytes.get(v4 + 3);
    }
    StringBuilder text = new StringBuilder("[");
    for (int i = 0; i < 16; i += 2) {
      text.append(i == 0 ? "" : ":").append(Integer.toHexString(bytes.get(i) << 8 | bytes.get(i + 1)));
    }
    return text.append("]").toString();
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
