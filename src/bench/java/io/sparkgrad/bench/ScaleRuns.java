package io.sparkgrad.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mnist8m-scale section: {@code scripts/sparkgrad expand --copies 135} (8.1 million
 * examples, 6.4 GB of raw IDX parts), then the default network trained on it for 3 epochs on
 * local[2] with MNIST's test split, each command timed from outside with /usr/bin/time -v.
 * Reports the time and disk of expand, and per epoch: seconds, examples per second and test
 * accuracy; the train command's peak RSS against the raw bytes + 3 GB.
 *
 * <pre>
 *   HarnessMain scale --data data/mnist --work /tmp/sparkgrad-scale --out target/bench [--copies 135]
 * </pre>
 */
final class ScaleRuns {
  private static final Pattern EPOCH = Pattern.compile(
      "epoch\\s+(\\d+)/\\d+\\s+train loss \\S+ acc\\s+\\S+%\\s+test loss \\S+ acc\\s+([\\d.]+)%"
          + "\\s+([\\d.]+) s\\s+([\\d,]+) ex/s");
  private static final Pattern RSS = Pattern.compile("Maximum resident set size \\(kbytes\\): (\\d+)");
  private static final Pattern WALL = Pattern.compile("Elapsed \\(wall clock\\) time.*: (\\S+)");
  private static final Pattern EXPANDED = Pattern.compile(
      "expanded:? ([\\d,]+) training examples .*: (\\d+) part pairs, ([\\d.]+) GB on disk");

  private ScaleRuns() {}

  static void run(List<String> args) throws Exception {
    String data = "data/mnist";
    Path work = Paths.get("/tmp/sparkgrad-scale");
    Path out = Paths.get("target/bench");
    int copies = 135;
    int epochs = 3;
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--data" -> data = args.get(++i);
        case "--work" -> work = Paths.get(args.get(++i));
        case "--out" -> out = Paths.get(args.get(++i));
        case "--copies" -> copies = Integer.parseInt(args.get(++i));
        case "--epochs" -> epochs = Integer.parseInt(args.get(++i));
        default -> throw new IllegalArgumentException("scale: unknown argument " + args.get(i));
      }
    }
    Files.createDirectories(out);
    Files.createDirectories(work);
    Path expanded = work.resolve("mnist-x" + copies);
    String expand = timed(out.resolve("scale-expand.log"), "scripts/sparkgrad", "expand",
        "--data", data, "--copies", Integer.toString(copies), "--out", expanded.toString(),
        "--master", "local[2]");
    Path model = work.resolve("model");
    String train = timed(out.resolve("scale-train.log"), "scripts/sparkgrad", "train",
        "--data", expanded.toString(), "--model", model.toString(), "--epochs",
        Integer.toString(epochs), "--master", "local[2]", "--overwrite");

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
    md.append("| epoch | seconds | examples/s | test accuracy |\n|---:|---:|---:|---:|\n");
    Matcher m = EPOCH.matcher(train);
    List<String> json = new ArrayList<>();
    while (m.find()) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s%% |%n", m.group(1), m.group(3),
          m.group(4), m.group(2)));
      json.add(String.format(Locale.ROOT,
          "{\"epoch\": %s, \"seconds\": %s, \"examples_per_second\": %s, \"test_accuracy\": %s}",
          m.group(1), m.group(3), m.group(4).replace(",", ""), m.group(2)));
    }
    md.append(String.format(Locale.ROOT, "%n`train` (784-256-10, %d epochs, local[2]): wall %s,"
            + " peak RSS %s MB (target: raw bytes %.2f GB + 3 GB)%n", epochs, find(WALL, train),
        kb(train), rawGb));
    Files.writeString(out.resolve("scale.md"), md.toString(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("scale.json"), String.format(Locale.ROOT,
        "{\"copies\": %d, \"examples\": %d, \"disk_gb\": %s, \"expand_wall\": \"%s\","
            + " \"train_wall\": \"%s\", \"train_peak_rss_mb\": %s, \"epochs\": [%s]}%n",
        copies, examples, rawGb, find(WALL, expand), find(WALL, train), kb(train),
        String.join(", ", json)), StandardCharsets.UTF_8);
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
