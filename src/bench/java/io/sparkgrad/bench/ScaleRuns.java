package io.sparkgrad.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mnist8m-scale section: {@code scripts/sparkgrad expand --copies 135} (8.1 million
 * examples, 6.4 GB of raw IDX parts), then the network 784-256-10 trained on it for 3 epochs on
 * local[2] with MNIST's test split, each command timed from outside with /usr/bin/time -v: the
 * defaults, and with {@code --batch-size B [--learning-rate X]} that batch too (on this 2-core
 * host, batches of 256 to 1024 took the same seconds an epoch as 128: docs/benchmarks/
 * scale-out.md, 2026-12-03 18:30). Reports the time and disk of
 * expand, and per configuration and epoch: seconds, their ratio to the compute limit, examples
 * per second and test accuracy; each train command's peak RSS against the raw bytes + 3 GB. The
 * compute limit is measured here, after the runs, at each run's own rows per thread (batch ÷
 * replicas ÷ threads, from the run's layout line).
 *
 * <pre>
 *   HarnessMain scale --data data/mnist --work /tmp/sparkgrad-scale --out target/bench
 *       [--copies 135] [--epochs 3] [--batch-size B [--learning-rate X]]
 * </pre>
 */
final class ScaleRuns {
  private static final Pattern EPOCH = Pattern.compile(
      "epoch\\s+(\\d+)/\\d+\\s+train loss \\S+ acc\\s+\\S+%\\s+test loss \\S+ acc\\s+([\\d.]+)%"
          + "\\s+([\\d.]+) s\\s+([\\d,]+) ex/s");
  private static final Pattern LAYOUT = Pattern.compile(
      "layout: (\\d+) partitions?, (\\d+) model replicas? on (\\d+) threads? each");
  private static final Pattern TRAINING = Pattern.compile("data: (\\d+) training");
  private static final Pattern RSS = Pattern.compile("Maximum resident set size \\(kbytes\\): (\\d+)");
  private static final Pattern WALL = Pattern.compile("Elapsed \\(wall clock\\) time.*: (\\S+)");
  private static final Pattern EXPANDED = Pattern.compile(
      "expanded:? ([\\d,]+) training examples .*: (\\d+) part pairs, ([\\d.]+) GB on disk");
  private static final String MASTER = "local[2]";
  private static final int CORES = 2;
  private static final int HIDDEN = 256;

  /** A configuration the section trains: batch size and learning rate (null: the default's). */
  record Config(String name, int batchSize, String learningRate) {}

  /** The run's layout line: how its batch is shared out. */
  record Layout(int partitions, int replicas, int threadsPerReplica) {
    static Layout parse(String log) {
      Matcher m = LAYOUT.matcher(log);
      if (!m.find()) {
        throw new IllegalArgumentException("train log: expected a line 'layout: P partitions, R"
            + " model replica(s) on T thread(s) each', found none");
      }
      return new Layout(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)));
    }
  }

  /** One epoch line of a train log. */
  record Epoch(int epoch, double seconds, long examplesPerSecond, double testAccuracyPercent) {
    static List<Epoch> parseAll(String log) {
      List<Epoch> out = new ArrayList<>();
      Matcher m = EPOCH.matcher(log);
      while (m.find()) {
        out.add(new Epoch(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(3)),
            Long.parseLong(m.group(4).replace(",", "")), Double.parseDouble(m.group(2))));
      }
      return out;
    }
  }

  private ScaleRuns() {}

  static void run(List<String> args) throws Exception {
    String data = "data/mnist";
    Path work = Paths.get("/tmp/sparkgrad-scale");
    Path out = Paths.get("target/bench");
    int copies = 135;
    int epochs = 3;
    int batchSize = 0;
    String learningRate = null;
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--data" -> data = args.get(++i);
        case "--work" -> work = Paths.get(args.get(++i));
        case "--out" -> out = Paths.get(args.get(++i));
        case "--copies" -> copies = Integer.parseInt(args.get(++i));
        case "--epochs" -> epochs = Integer.parseInt(args.get(++i));
        case "--batch-size" -> batchSize = Integer.parseInt(args.get(++i));
        case "--learning-rate" -> learningRate = args.get(++i);
        default -> throw new IllegalArgumentException("scale: unknown argument " + args.get(i));
      }
    }
    List<Config> configs = new ArrayList<>(List.of(new Config("default",
        ComputeLimit.config(HIDDEN).optimization().batchSize(), null)));
    if (batchSize > 0) {
      configs.add(new Config("batch-" + batchSize, batchSize, learningRate));
    } else if (learningRate != null) {
      throw new IllegalArgumentException("scale: --learning-rate goes with --batch-size B");
    }
    Files.createDirectories(out);
    Files.createDirectories(work);
    Path expanded = work.resolve("mnist-x" + copies);
    String expand = timed(out.resolve("scale-expand.log"), "scripts/sparkgrad", "expand",
        "--data", data, "--copies", Integer.toString(copies), "--out", expanded.toString(),
        "--master", MASTER);
    Path model = work.resolve("model");
    Map<Config, String> logs = new LinkedHashMap<>();
    for (Config c : configs) {
      List<String> command = new ArrayList<>(List.of("scripts/sparkgrad", "train",
          "--data", expanded.toString(), "--model", model.toString(), "--epochs",
          Integer.toString(epochs), "--master", MASTER, "--overwrite",
          "--batch-size", Integer.toString(c.batchSize())));
      if (c.learningRate() != null) {
        command.addAll(List.of("--learning-rate", c.learningRate()));
      }
      logs.put(c, timed(out.resolve("scale-train-" + c.name() + ".log"),
          command.toArray(new String[0])));
    }

    StringBuilder md = new StringBuilder();
    md.append("## mnist8m scale: ").append(copies).append(" copies of MNIST's training set\n\n");
    Matcher e = EXPANDED.matcher(expand);
    long examples = 0;
    double rawGb = Double.NaN;
    if (e.find()) {
      examples = Long.parseLong(e.group(1).replace(",", ""));
      rawGb = Double.parseDouble(e.group(3));
      md.append(String.format(Locale.ROOT, "`expand --copies %d`: %,d examples in %s part pairs,"
              + " %.2f GB on disk, wall %s, peak RSS %s MB%n%n", copies, examples, e.group(2),
          rawGb, find(WALL, expand), kb(expand)));
    } else {
      md.append("`expand` failed: see ").append(out.resolve("scale-expand.log")).append("\n\n");
    }
    // The limit after the runs, on a machine they no longer load.
    List<String> runsJson = new ArrayList<>();
    for (Map.Entry<Config, String> entry : logs.entrySet()) {
      Config c = entry.getKey();
      String train = entry.getValue();
      md.append(String.format(Locale.ROOT, "### %s: batch %d, learning rate %s%n%n", c.name(),
          c.batchSize(), c.learningRate() == null ? "default" : c.learningRate()));
      List<Epoch> epochRows = Epoch.parseAll(train);
      Matcher t = TRAINING.matcher(train);
      if (epochRows.isEmpty() || !t.find()) {
        md.append("`train` failed: see scale-train-").append(c.name()).append(".log\n\n");
        runsJson.add(String.format(Locale.ROOT, "{\"name\": \"%s\", \"failed\": true}",
            c.name()));
        continue;
      }
      long trained = Long.parseLong(t.group(1));
      Layout layout = Layout.parse(train);
      int rows = ComputeLimit.rowsPerThread(c.batchSize(), layout.replicas(),
          layout.threadsPerReplica());
      Map<String, Object> gemm = ComputeLimit.gemmRows(HIDDEN, new int[] {rows}, false).get(0);
      double gflops = (Double) gemm.get("gemmGflops1Thread");
      double limit = ComputeLimit.epochLimitSeconds(ComputeLimit.spec(HIDDEN), trained, gflops,
          CORES);
      md.append(String.format(Locale.ROOT, "layout: %d partitions, %d replica(s) × %d threads:"
              + " %d rows a thread a step; GEMMs at %d rows %.1f GFLOPS a core (best loop), so"
              + " the compute limit is %.2f s an epoch (%,d examples, %d cores)%n%n",
          layout.partitions(), layout.replicas(), layout.threadsPerReplica(), rows, rows, gflops,
          limit, trained, CORES));
      md.append("| epoch | seconds | × limit | examples/s | test accuracy |\n"
          + "|---:|---:|---:|---:|---:|\n");
      List<String> json = new ArrayList<>();
      for (Epoch r : epochRows) {
        md.append(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %,d | %.2f%% |%n", r.epoch(),
            r.seconds(), r.seconds() / limit, r.examplesPerSecond(), r.testAccuracyPercent()));
        json.add(String.format(Locale.ROOT, "{\"epoch\": %d, \"seconds\": %s,"
                + " \"ratio_to_limit\": %.3f, \"examples_per_second\": %d,"
                + " \"test_accuracy\": %s}", r.epoch(), r.seconds(), r.seconds() / limit,
            r.examplesPerSecond(), r.testAccuracyPercent()));
      }
      md.append(String.format(Locale.ROOT, "%n`train` (784-256-10, %d epochs, %s): wall %s,"
              + " peak RSS %s MB (target: raw bytes %.2f GB + 3 GB)%n%n", epochs, MASTER,
          find(WALL, train), kb(train), rawGb));
      runsJson.add(String.format(Locale.ROOT, "{\"name\": \"%s\", \"batch_size\": %d,"
              + " \"learning_rate\": \"%s\", \"replicas\": %d, \"threads_per_replica\": %d,"
              + " \"rows_per_thread\": %d, \"gemm_gflops_per_core\": %.2f,"
              + " \"limit_seconds_per_epoch\": %.3f, \"train_wall\": \"%s\","
              + " \"train_peak_rss_mb\": %s, \"epochs\": [%s]}", c.name(), c.batchSize(),
          c.learningRate() == null ? "default" : c.learningRate(), layout.replicas(),
          layout.threadsPerReplica(), rows, gflops, limit, find(WALL, train), kb(train),
          String.join(", ", json)));
    }
    Files.writeString(out.resolve("scale.md"), md.toString(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("scale.json"), String.format(Locale.ROOT,
        "{\"copies\": %d, \"examples\": %d, \"disk_gb\": %s, \"expand_wall\": \"%s\","
            + " \"runs\": [%s]}%n",
        copies, examples, rawGb, find(WALL, expand), String.join(", ", runsJson)),
        StandardCharsets.UTF_8);
    System.out.print(md);
  }

  /** Runs a command under /usr/bin/time -v, its output (and time's) into {@code log}. */
  private static String timed(Path log, String... command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of("/usr/bin/time", "-v"));
    full.addAll(List.of(command));
    Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
    p.waitFor();
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  private static String find(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    return m.find() ? m.group(1) : "?";
  }

  private static String kb(String text) {
    Matcher m = RSS.matcher(text);
    return m.find() ? Long.toString(Long.parseLong(m.group(1)) / 1024) : "?";
  }
}
