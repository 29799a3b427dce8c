package io.sparkgrad.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Merges what the parts wrote into {@code results.json} (everything, as measured) and
 * {@code results.md} (the tables). Arguments: {@code --in DIR --out DIR}. Reads from DIR:
 * {@code machine.json} and {@code cli-*.json} (written by scripts/bench.sh), {@code limit.json},
 * {@code trainer-local.json}, {@code trainer-cluster.json}, {@code mllib.json}; a missing part is
 * reported as not measured.
 */
final class Report {
  private final JsonNode machine;
  private final List<JsonNode> cli = new ArrayList<>();
  private final JsonNode limit;
  private final JsonNode local;
  private final JsonNode cluster;
  private final JsonNode mllib;
  private final StringBuilder md = new StringBuilder();
  private final ObjectNode headline = Bench.JSON.createObjectNode();

  private Report(Path in) throws IOException {
    machine = read(in.resolve("machine.json"));
    try (Stream<Path> files = Files.list(in)) {
      for (Path p : files.filter(f -> f.getFileName().toString().matches("cli-\\d+\\.json"))
          .sorted().toList()) {
        ObjectNode run = (ObjectNode) read(p);
        Path metrics = Paths.get(run.path("model").asText()).resolve("metrics.json");
        run.set("metrics", Files.exists(metrics) ? read(metrics) : null);
        cli.add(run);
      }
    }
    limit = read(in.resolve("limit.json"));
    local = read(in.resolve("trainer-local.json"));
    cluster = read(in.resolve("trainer-cluster.json"));
    mllib = read(in.resolve("mllib.json"));
  }

  static void run(List<String> args) throws IOException {
    Path in = Paths.get("target/bench");
    Path out = Paths.get("docs/benchmarks");
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--in" -> in = Paths.get(args.get(++i));
        case "--out" -> out = Paths.get(args.get(++i));
        default -> throw new IllegalArgumentException(
            "expected --in DIR or --out DIR; found '" + args.get(i) + "'");
      }
    }
    Report report = new Report(in);
    report.markdown();
    ObjectNode all = Bench.JSON.createObjectNode();
    all.set("machine", report.machine);
    all.set("headline", report.headline);
    ArrayNode cliRuns = all.putArray("trainCommand");
    report.cli.forEach(cliRuns::add);
    all.set("computeLimit", report.limit);
    all.set("trainerLocal", report.local);
    all.set("trainerLocalCluster", report.cluster);
    all.set("mllib", report.mllib);
    Files.createDirectories(out);
    Bench.JSON.writeValue(out.resolve("results.json").toFile(), all);
    Files.writeString(out.resolve("results.md"), report.md.toString(), StandardCharsets.UTF_8);
    System.out.println("harness: wrote " + out.resolve("results.md") + " and results.json");
  }

  private static JsonNode read(Path file) throws IOException {
    return Files.exists(file) ? Bench.JSON.readTree(file.toFile()) : null;
  }

  // --- formatting -------------------------------------------------------------------------------

  private void line(String text) {
    md.append(text).append('\n');
  }

  private void row(Object... cells) {
    StringBuilder b = new StringBuilder("|");
    for (Object c : cells) {
      b.append(' ').append(c).append(" |");
    }
    line(b.toString());
  }

  private static String f(JsonNode n, String pattern) {
    return n == null || n.isNull() || n.isMissingNode() || Double.isNaN(n.asDouble())
        ? "–"
        : String.format(Locale.ROOT, pattern, n.asDouble());
  }

  private static String f(double v, String pattern) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "–" : String.format(Locale.ROOT, pattern, v);
  }

  private static String pct(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? "–"
        : String.format(Locale.ROOT, "%.2f%%", 100 * n.asDouble());
  }

  private static double num(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? Double.NaN : n.asDouble();
  }

  private static List<JsonNode> runs(JsonNode part, String group) {
    List<JsonNode> list = new ArrayList<>();
    if (part != null) {
      for (JsonNode r : part.path("runs")) {
        if (group == null || r.path("group").asText().equals(group)) {
          list.add(r);
        }
      }
    }
    return list;
  }

  private JsonNode run(String name) {
    for (JsonNode r : runs(local, null)) {
      if (r.path("name").asText().equals(name)) {
        return r;
      }
    }
    return null;
  }

  private JsonNode gemm(String blas, int hidden, int rows) {
    if (limit != null) {
      for (JsonNode g : limit.path("gemm")) {
        if (g.path("blas").asText().equals(blas) && g.path("hidden").asInt() == hidden
            && g.path("rows").asInt() == rows) {
          return g;
        }
      }
    }
    return null;
  }

  private JsonNode byHidden(String field, int hidden, String blas) {
    if (limit != null) {
      for (JsonNode g : limit.path(field)) {
        if (g.path("hidden").asInt() == hidden
            && (blas == null || g.path("blas").asText().equals(blas))) {
          return g;
        }
      }
    }
    return null;
  }

  /** "98.0% at epoch 5, 26.1 s" or "not reached in N epochs (S s)". */
  private static String target(JsonNode r) {
    if (r == null) {
      return "not measured";
    }
    if (!r.path("secondsToTarget").isNull() && !r.path("secondsToTarget").isMissingNode()) {
      return f(r.path("secondsToTarget"), "%.1f s") + " (epoch " + r.path("epochReachingTarget").asInt() + ")";
    }
    JsonNode epochs = r.path("epochs");
    double last = epochs.size() == 0 ? Double.NaN
        : epochs.get(epochs.size() - 1).path("trainingSecondsSoFar").asDouble();
    return "not reached within " + epochs.size() + " epochs (" + f(last, "%.0f s") + ")";
  }

  /** First epoch of a CLI run's metrics reaching {@code accuracy}: its training seconds so far. */
  private static double cliSecondsTo(JsonNode run, double accuracy) {
    // The trainer's training seconds are the sum of the epochs' seconds (with evaluation).
    double sum = 0;
    for (JsonNode e : run.path("metrics").path("epochs")) {
      sum += e.path("seconds").asDouble();
      if (e.path("test_accuracy").asDouble() >= accuracy) {
        return sum;
      }
    }
    return Double.NaN;
  }

  // --- the document -----------------------------------------------------------------------------

  private void markdown() {
    line("# sparkgrad benchmark results");
    line("");
    line("Produced by `" + text(machine, "command") + "` (" + text(machine, "date") + ", "
        + (machine != null && machine.path("quick").asBoolean() ? "**quick run: reduced set, "
            + "figures only check that the harness works**" : "full run") + "). Raw figures: "
        + "[results.json](results.json). The harness is `scripts/bench.sh` and "
        + "`src/bench/java/io/sparkgrad/bench/` (Maven profile `harness`).");
    line("");
    machineSection();
    headlineSection();
    targetsSection();
    cliSection();
    mllibSection();
    limitSection();
    scalingSection();
    syncSection();
    blasSection();
    noiseSection();
    methodSection();
  }

  private static String text(JsonNode n, String field) {
    return n == null || n.path(field).isMissingNode() ? "unknown" : n.path(field).asText();
  }

  private void machineSection() {
    line("## Machine");
    line("");
    row("", "");
    row("---", "---");
    if (machine != null) {
      machine.properties().forEach(e -> {
        if (!e.getKey().equals("command") && !e.getKey().equals("quick")) {
          row(e.getKey(), e.getValue().asText());
        }
      });
    }
    if (limit != null) {
      row("BLAS (auto / --blas java)", limit.path("blasAuto").asText() + " / "
          + limit.path("blasJava").asText());
    }
    line("");
    double cores = machine == null ? 2 : machine.path("cores").asDouble(2);
    double maxLoad = 0;
    List<String> loads = new ArrayList<>();
    for (JsonNode part : new JsonNode[] {limit, local, cluster, mllib}) {
      if (part != null) {
        for (String k : new String[] {"loadAverageAtStart", "loadAverageAtEnd"}) {
          String v = part.path(k).asText("");
          if (!v.isEmpty() && !v.equals("unknown")) {
            loads.add(v.split(" ")[0]);
            maxLoad = Math.max(maxLoad, Double.parseDouble(v.split(" ")[0]));
          }
        }
      }
    }
    for (String k : new String[] {"loadAverageAtStart", "loadAverageAtEnd"}) {
      if (machine != null && !machine.path(k).isMissingNode()) {
        loads.add(machine.path(k).asText().split(" ")[0]);
        maxLoad = Math.max(maxLoad, machine.path(k).asText().split(" ")[0].isEmpty() ? 0
            : Double.parseDouble(machine.path(k).asText().split(" ")[0]));
      }
    }
    headline.put("maxOneMinuteLoadAverage", maxLoad);
    if (maxLoad > cores) {
      line("**The machine was shared with other work during this run**: the 1-minute load "
          + "average, sampled at the start and end of each part, went up to "
          + f(maxLoad, "%.1f") + " on " + (int) cores + " cores (samples: "
          + String.join(", ", loads) + "). Absolute times are inflated and noisy; figures "
          + "measured side by side in one part (ratios, medians over epochs) are the more "
          + "reliable. In local mode the process CPU seconds per epoch are also given: they "
          + "count the work done, not the waiting for a core.");
    } else {
      line("The 1-minute load average stayed at or below the core count (samples: "
          + String.join(", ", loads) + ").");
    }
    line("");
  }

  private void headlineSection() {
    line("## Headline");
    line("");
    row("figure", "value", "where");
    row("---", "---", "---");
    JsonNode first = cli.isEmpty() ? null : cli.get(0);
    List<Double> toTarget = new ArrayList<>();
    List<Double> whole = new ArrayList<>();
    List<Double> to97 = new ArrayList<>();
    for (JsonNode c : cli) {
      JsonNode m = c.path("metrics");
      if (!m.path("seconds_to_target").isMissingNode() && !m.path("seconds_to_target").isNull()) {
        toTarget.add(m.path("seconds_to_target").asDouble());
      }
      whole.add(c.path("wallSeconds").asDouble());
      to97.add(cliSecondsTo(c, 0.97));
    }
    double medianToTarget = Bench.median(toTarget);
    double medianWhole = Bench.median(whole);
    double median97 = Bench.median(to97);
    headline.put("secondsTo98", medianToTarget);
    headline.put("wholeTrainCommandSeconds", medianWhole);
    headline.put("secondsTo97", median97);
    row("default config, local[2]: training time to ≥ 98.0% test accuracy",
        toTarget.isEmpty() ? "not reached" : f(medianToTarget, "%.1f s") + " (median of "
            + toTarget.size() + " `train` runs)", "§1");
    row("whole `scripts/sparkgrad train` command (JVM start to exit, "
            + (first == null ? "?" : first.path("metrics").path("epochs").size()) + " epochs)",
        f(medianWhole, "%.1f s"), "§1");
    if (first != null) {
      row("peak RSS of the `train` command", f(first.path("maxRssKb").asDouble() / 1024, "%.0f MB"), "§1");
    }
    List<Double> cliEpoch = new ArrayList<>();
    List<Double> cliRate = new ArrayList<>();
    for (JsonNode c : cli) {
      for (JsonNode e : c.path("metrics").path("epochs")) {
        if (e.path("epoch").asInt() > 1) {
          cliEpoch.add(e.path("seconds").asDouble());
          cliRate.add(e.path("examples_per_second").asDouble());
        }
      }
    }
    double rate = Bench.median(cliRate);
    headline.put("cliSecondsPerEpoch", Bench.median(cliEpoch));
    headline.put("cliExamplesPerSecond", rate);
    row("default config (`train`): seconds per epoch, with test evaluation; training jobs "
            + "alone (median of epochs 2+ of all runs)",
        f(Bench.median(cliEpoch), "%.2f s") + "; " + f(60000 / rate, "%.2f s"), "§1");
    row("default config (`train`): examples per second (training jobs)", f(rate, "%,.0f"), "§1");
    for (int h : new int[] {100, 256, 800}) {
      double multiple = limitMultiple(h, "auto", "trainSecondsPerEpoch");
      double best = limitMultiple(h, "auto", "bestTrainSecondsPerEpoch");
      headline.put("limitMultipleH" + h, multiple);
      headline.put("limitMultipleBestEpochH" + h, best);
      row("H = " + h + ": epoch time ÷ compute limit (native BLAS, sync-period epoch): median "
              + "epoch (quickest epoch)",
          f(multiple, "%.1f×") + " (" + f(best, "%.1f×") + ")", "§3");
    }
    if (mllib != null) {
      for (JsonNode w : mllib.path("widths")) {
        String reached = w.path("secondsToTarget").isNull()
            ? "97% not reached" : "97% after ≤ " + f(w.path("secondsToTarget"), "%.0f s")
                + " (maxIter " + w.path("maxIterReachingTarget").asInt() + ")";
        row("MLlib MLP " + w.path("layers").asText() + ": best test accuracy; time to 97%",
            pct(w.path("bestAccuracy")) + " (maxIter " + w.path("bestMaxIter").asInt() + ", fit "
                + f(w.path("bestFitSeconds"), "%.0f s") + "); " + reached, "§2");
      }
      row("sparkgrad default: training time to 97%", f(median97, "%.1f s"), "§1");
    }
    double ratio4 = scaleRatio(4, "trainSecondsPerEpoch");
    headline.put("data4xEpochRatio", ratio4);
    headline.put("data4xCpuRatio", scaleRatio(4, "processCpuSecondsPerEpoch"));
    headline.put("data4xBestEpochRatio", scaleRatio(4, "bestTrainSecondsPerEpoch"));
    row("data ×4: epoch time ÷ data ×1 epoch time (median epochs; quickest epochs; process CPU)",
        f(ratio4, "%.2f") + "; " + f(scaleRatio(4, "bestTrainSecondsPerEpoch"), "%.2f") + "; "
            + f(scaleRatio(4, "processCpuSecondsPerEpoch"), "%.2f"), "§4");
    JsonNode java = run("blas java");
    if (java != null) {
      row("pure-Java BLAS (`--blas java`, " + java.path("blasImplementation").asText()
              + "): seconds per epoch; time to 98%",
          f(java.path("trainSecondsPerEpoch"), "%.2f s") + "; " + target(java), "§6");
    }
    line("");
  }

  /** Issue 6's "must show" list against this run. */
  private void targetsSection() {
    line("## Against the targets of issue 6");
    line("");
    row("target", "measured", "met");
    row("---", "---", "---");
    double to98 = num(headline.path("secondsTo98"));
    target("≥ 98.0% test accuracy within 10 s of training-loop time (default, local[2])",
        Double.isNaN(to98) ? "not reached" : f(to98, "%.1f s"),
        !Double.isNaN(to98) ? Boolean.valueOf(to98 <= 10) : cli.isEmpty() ? null : Boolean.FALSE);
    double whole = num(headline.path("wholeTrainCommandSeconds"));
    target("whole `train` command within 30 s", f(whole, "%.1f s"),
        Double.isNaN(whole) ? null : whole <= 30);
    double m800 = num(headline.path("limitMultipleH800"));
    target("H = 800: epoch within 2× the compute limit", f(m800, "%.1f×") + " (quickest epoch "
        + f(headline.path("limitMultipleBestEpochH800"), "%.1f×") + ")",
        Double.isNaN(m800) ? null : m800 <= 2);
    double m100 = num(headline.path("limitMultipleH100"));
    target("H = 100: epoch within 3× the compute limit", f(m100, "%.1f×") + " (quickest epoch "
        + f(headline.path("limitMultipleBestEpochH100"), "%.1f×") + ")",
        Double.isNaN(m100) ? null : m100 <= 3);
    // MLlib's best accuracy over the widths, and the fit time that got it.
    double mllibBest = Double.NaN;
    double mllibBestSeconds = Double.NaN;
    String mllibBestLayers = "";
    if (mllib != null) {
      for (JsonNode w : mllib.path("widths")) {
        if (Double.isNaN(mllibBest) || w.path("bestAccuracy").asDouble() > mllibBest) {
          mllibBest = w.path("bestAccuracy").asDouble();
          mllibBestSeconds = w.path("bestFitSeconds").asDouble();
          mllibBestLayers = w.path("layers").asText();
        }
      }
    }
    double to97 = num(headline.path("secondsTo97"));
    double speedup = mllibBestSeconds / to97;
    headline.put("speedupTo97VersusMllibBestFit", speedup);
    target("time to 97% ≥ 5× shorter than MLlib's fit time to its best accuracy",
        f(to97, "%.1f s") + " vs " + f(mllibBestSeconds, "%.0f s") + " (MLlib " + mllibBestLayers
            + "): " + f(speedup, "%.1f×"), Double.isNaN(speedup) ? null : speedup >= 5);
    double sparkgradBest = Double.NaN;
    for (JsonNode c : cli) {
      double a = num(c.path("metrics").path("test_accuracy"));
      sparkgradBest = Double.isNaN(sparkgradBest) ? a : Math.max(sparkgradBest, a);
    }
    target("best test accuracy above MLlib's", f(100 * sparkgradBest, "%.2f%%") + " vs "
        + f(100 * mllibBest, "%.2f%%"),
        Double.isNaN(sparkgradBest) || Double.isNaN(mllibBest) ? null : sparkgradBest > mllibBest);
    double r4 = num(headline.path("data4xEpochRatio"));
    target("data ×4 costs at most 4.4× the ×1 epoch time", f(r4, "%.2f×") + " (quickest epochs "
        + f(headline.path("data4xBestEpochRatio"), "%.2f×") + ", CPU "
        + f(headline.path("data4xCpuRatio"), "%.2f×") + ")",
        Double.isNaN(r4) ? null : r4 <= 4.4);
    JsonNode java = run("blas java");
    boolean javaWorks = java != null && java.path("epochsRun").asInt() > 0;
    target("pure-Java BLAS: trains, figures reported (§6)", javaWorks
        ? java.path("epochsRun").asInt() + " epochs, final test accuracy "
            + pct(java.path("finalTestAccuracy")) : "not measured", javaWorks);
    line("");
    line("Verdicts use the medians. On a shared machine both the measured limit (§3) and the "
        + "epoch times move from run to run, the ratios of small epochs most; the quickest-epoch "
        + "and CPU figures beside them show how much of a miss is the machine's other load.");
    line("");
  }

  private void target(String what, String measured, Boolean met) {
    row(what, measured, met == null ? "not measured" : met ? "yes" : "**no**");
  }

  private double scaleRatio(int copies, String field) {
    JsonNode base = run("data ×1");
    JsonNode big = run("data ×" + copies);
    return base == null || big == null ? Double.NaN
        : num(big.path(field)) / num(base.path(field));
  }

  /** sparkgrad's measured epoch time (training jobs) over the compute limit. */
  private double limitMultiple(int hidden, String blas) {
    return limitMultiple(hidden, blas, "trainSecondsPerEpoch");
  }

  /** The run's epoch seconds (the given field) over the compute limit. */
  private double limitMultiple(int hidden, String blas, String field) {
    JsonNode g = gemm(blas, hidden, 64);
    JsonNode r = hidden == 256 ? run(blas.equals("java") ? "blas java" : "data ×1")
        : run("hidden " + hidden);
    if (g == null || r == null || !blas.equals(r.path("blas").asText())) {
      return Double.NaN;
    }
    return num(r.path(field)) / num(g.path("epochLimitSeconds2Cores"));
  }

  private void cliSection() {
    line("## 1. sparkgrad, default configuration, `scripts/sparkgrad train` on local[2]");
    line("");
    if (cli.isEmpty()) {
      line("Not measured.");
      line("");
      return;
    }
    line("Command: `" + cli.get(0).path("command").asText() + "` (everything else default: "
        + "784-256-10 ReLU, Adam 0.003 cosine, batch 128, sync-period epoch, float32, "
        + "checkpoints every 30 s of training, so none in these runs). Time to target and training loop are the trainer's own "
        + "figures (`seconds_to_target`, `training_seconds` in metrics.json: the epochs with "
        + "their test evaluation, not the start-up); the whole command is measured outside, "
        + "from before the JVM starts to its exit; peak RSS from `" + cli.get(0).path("rssSource").asText() + "`.");
    line("");
    row("run", "exit", "time to 98%", "epoch", "time to 97%", "training loop", "whole command",
        "s/epoch (median of epochs 2+)", "examples/s", "final test accuracy", "peak RSS",
        "load before");
    row("---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---");
    int i = 1;
    for (JsonNode c : cli) {
      JsonNode m = c.path("metrics");
      List<Double> secs = new ArrayList<>();
      List<Double> eps = new ArrayList<>();
      for (JsonNode e : m.path("epochs")) {
        if (e.path("epoch").asInt() > 1) {
          secs.add(e.path("seconds").asDouble());
          eps.add(e.path("examples_per_second").asDouble());
        }
      }
      row(i++, c.path("exitCode").asInt(), f(m.path("seconds_to_target"), "%.1f s"),
          m.path("epoch_reaching_target").asInt(0) == 0 ? "–" : m.path("epoch_reaching_target").asText(),
          f(cliSecondsTo(c, 0.97), "%.1f s"),
          f(m.path("training_seconds"), "%.1f s"), f(c.path("wallSeconds"), "%.1f s"),
          f(Bench.median(secs), "%.2f s"), f(Bench.median(eps), "%,.0f"),
          pct(m.path("test_accuracy")), f(c.path("maxRssKb").asDouble() / 1024, "%.0f MB"),
          c.path("loadAverageBefore").asText());
    }
    line("");
    line("Epochs of run 1:");
    line("");
    row("epoch", "seconds (with test evaluation)", "examples/s (training jobs)", "test accuracy");
    row("---:", "---:", "---:", "---:");
    for (JsonNode e : cli.get(0).path("metrics").path("epochs")) {
      row(e.path("epoch").asInt(), f(e.path("seconds"), "%.2f"),
          f(e.path("examples_per_second"), "%,.0f"), pct(e.path("test_accuracy")));
    }
    line("");
    List<JsonNode> defaults = runs(local, "default");
    if (!defaults.isEmpty()) {
      line("The same configuration run in process by the harness (one SparkSession, no "
          + "checkpoints, stopped at the first epoch ≥ 98%):");
      line("");
      row("run", "time to 98%", "s/epoch (training jobs)", "block caching before epoch 1",
          "load before");
      row("---", "---:", "---:", "---:", "---");
      for (JsonNode r : defaults) {
        row(r.path("name").asText(), target(r), f(r.path("trainSecondsPerEpoch"), "%.2f s"),
            f(r.path("setupSeconds"), "%.1f s"), r.path("loadAverageBefore").asText());
      }
      line("");
    }
  }

  private void mllibSection() {
    line("## 2. Spark MLlib `MultilayerPerceptronClassifier`, same data, machine and master");
    line("");
    if (mllib == null) {
      line("Not measured.");
      line("");
      return;
    }
    line("Master " + mllib.path("master").asText() + "; " + mllib.path("settings").asText()
        + ". Fit time is `fit()` alone (its first pass stacks and caches the data); test "
        + "accuracy on the 10,000 test images. L-BFGS from a fixed seed follows one path, so "
        + "the fit at maxIter m is that path after m iterations: the first maxIter reaching "
        + "97% bounds the time to 97% from above.");
    line("");
    row("layers", "maxIter", "iterations run", "fit", "s/iteration", "test accuracy",
        "train accuracy", "load before");
    row("---", "---:", "---:", "---:", "---:", "---:", "---:", "---");
    for (JsonNode w : mllib.path("widths")) {
      for (JsonNode fit : w.path("fits")) {
        row(w.path("layers").asText(), fit.path("maxIter").asInt(), fit.path("iterations").asInt(),
            f(fit.path("fitSeconds"), "%.1f s"), f(fit.path("secondsPerIteration"), "%.2f"),
            pct(fit.path("testAccuracy")), pct(fit.path("trainAccuracy")),
            fit.path("loadAverageBefore").asText());
      }
    }
    line("");
    row("", "time to 97% test accuracy", "best test accuracy (its fit time)");
    row("---", "---:", "---:");
    for (JsonNode w : mllib.path("widths")) {
      row("MLlib " + w.path("layers").asText(),
          w.path("secondsToTarget").isNull() ? "not reached" : "≤ " + f(w.path("secondsToTarget"), "%.1f s"),
          pct(w.path("bestAccuracy")) + " (" + f(w.path("bestFitSeconds"), "%.1f s") + ")");
    }
    if (!cli.isEmpty()) {
      double best = 0;
      for (JsonNode c : cli) {
        best = Math.max(best, c.path("metrics").path("test_accuracy").asDouble());
      }
      row("sparkgrad 784-256-10 (default, `train` runs)", f(headline.path("secondsTo97"), "%.1f s"),
          f(100 * best, "%.2f%%") + " (training loop " + f(cli.get(0).path("metrics").path("training_seconds"), "%.1f s") + ")");
    }
    line("");
  }

  private void limitSection() {
    line("## 3. The compute limit");
    line("");
    if (limit == null) {
      line("Not measured.");
      line("");
      return;
    }
    line("FLOPs per epoch = `NetworkSpec.trainingFlops(60000)` = 2·N·(2·784·H + 3·H·10). "
        + "GEMM GFLOPS: the five float32 GEMMs of one training step (TwoLayerNetwork's shapes, "
        + "transposes and betas) on one thread, at 64 rows (each of the 2 tasks' share of a "
        + "128-example step in the default configuration) and at 128. Compute limit = FLOPs per "
        + "epoch ÷ (2 cores × the 1-thread GFLOPS at 64 rows). \"2 threads\" measures both cores "
        + "at once on this shared machine. \"Worker, no Spark\" runs sparkgrad's own "
        + "`ReplicaWorker` for one epoch of the default mode (local SGD, sync-period epoch) on "
        + "both halves of MNIST at once on two threads: a task's whole work without Spark. "
        + "\"sparkgrad\" is the measured epoch (training jobs, median of epochs 2+) on local[2].");
    line("");
    row("H", "BLAS", "GFLOP/epoch", "GEMM GFLOPS, 1 thread, 64 rows: best (median)",
        "128 rows: best", "whole pass GFLOPS, 64 rows: best", "limit s/epoch (2 cores)",
        "2 threads GFLOPS", "worker, no Spark: s/epoch", "sparkgrad s/epoch: median (quickest)",
        "sparkgrad ÷ limit: median (quickest)", "sparkgrad CPU s/epoch ÷ 2 ÷ limit");
    row("---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:");
    for (String blas : new String[] {"auto", "java"}) {
      for (int h : new int[] {100, 256, 800}) {
        JsonNode g64 = gemm(blas, h, 64);
        JsonNode g128 = gemm(blas, h, 128);
        if (g64 == null) {
          continue;
        }
        JsonNode two = blas.equals("auto") ? byHidden("gemmTwoThreads", h, null) : null;
        JsonNode worker = byHidden("worker", h, blas);
        JsonNode r = h == 256 ? run(blas.equals("java") ? "blas java" : "data ×1")
            : blas.equals("auto") ? run("hidden " + h) : null;
        double limitSeconds = num(g64.path("epochLimitSeconds2Cores"));
        row(h, g64.path("implementation").asText(), f(g64.path("epochFlops").asDouble() / 1e9, "%.1f"),
            f(g64.path("gemmGflops1Thread"), "%.1f") + " (" + f(g64.path("gemmGflops1ThreadMedian"), "%.1f") + ")",
            g128 == null ? "–" : f(g128.path("gemmGflops1Thread"), "%.1f"),
            f(g64.path("passGflops1Thread"), "%.1f"),
            f(limitSeconds, "%.3f"),
            two == null ? "–" : f(two.path("gemmGflopsBothThreads"), "%.1f"),
            worker == null ? "–" : f(worker.path("epochSeconds"), "%.2f"),
            r == null ? "–" : f(r.path("trainSecondsPerEpoch"), "%.2f") + " ("
                + f(r.path("bestTrainSecondsPerEpoch"), "%.2f") + ")",
            f(limitMultiple(h, blas), "%.1f×") + " ("
                + f(limitMultiple(h, blas, "bestTrainSecondsPerEpoch"), "%.1f×") + ")",
            r == null ? "–" : f(num(r.path("processCpuSecondsPerEpoch")) / 2 / limitSeconds, "%.1f×"));
      }
    }
    line("");
    line("The last column divides the process's CPU seconds per epoch (all threads: Spark's "
        + "task threads, the driver, GC, JIT; with the test evaluation) by the 2 cores: what the "
        + "epoch would take with both cores to itself, so less dependent on the machine's other "
        + "load than the wall time.");
    line("");
    line("Where a task's time goes: one partition's steps of an epoch on one thread, "
        + "`ReplicaWorker.localSteps`'s loop re-timed phase by phase (native BLAS, float32, "
        + "≈64 rows per step):");
    line("");
    row("H", "parameters", "µs/step", "gather rows", "forward+backward", "Adam step (f32)",
        "one task's epoch");
    row("---:", "---:", "---:", "---:", "---:", "---:", "---:");
    for (JsonNode b : limit.path("stepBreakdown")) {
      JsonNode p = b.path("phases");
      row(b.path("hidden").asInt(), b.path("parameters").asInt(), f(b.path("microsPerStep"), "%.0f"),
          share(p.path("gather")), share(p.path("forwardBackward")),
          share(p.path("optimizerStep")), f(b.path("epochSecondsOneTask"), "%.2f s"));
    }
    line("");
  }

  private static String share(JsonNode phase) {
    return f(phase.path("microsPerStep"), "%.0f µs") + " (" + f(100 * phase.path("share").asDouble(), "%.0f%%") + ")";
  }

  private void scalingSection() {
    line("## 4. How cost grows");
    line("");
    line("Default configuration (H 256, sync-period epoch, 2 partitions on local[2]) with one "
        + "thing changed. Seconds per epoch: the training jobs, median of the epochs after the "
        + "first; CPU: this JVM's CPU seconds per epoch (all threads; local mode only).");
    line("");
    line("Data replicated (the training split repeated k times; every epoch is a fresh seeded "
        + "permutation of all k·60000 examples, so the copies fall in different batches). Two "
        + "interleaved rounds (×1, ×2, ×4, ×1, ×2, ×4) of 3 epochs; the epochs after the first "
        + "of each round are pooled:");
    line("");
    row("data", "examples", "s/epoch", "ratio to ×1", "quickest epoch", "its ratio",
        "with evaluation", "CPU s/epoch", "CPU ratio", "examples/s", "epochs timed", "load before");
    row("---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---");
    JsonNode base = run("data ×1");
    for (JsonNode r : runs(local, "data")) {
      row(r.path("name").asText(), f(r.path("trainExamples"), "%,.0f"),
          f(r.path("trainSecondsPerEpoch"), "%.2f"),
          base == null ? "–" : f(num(r.path("trainSecondsPerEpoch")) / num(base.path("trainSecondsPerEpoch")), "%.2f"),
          f(r.path("bestTrainSecondsPerEpoch"), "%.2f"),
          base == null ? "–" : f(num(r.path("bestTrainSecondsPerEpoch")) / num(base.path("bestTrainSecondsPerEpoch")), "%.2f"),
          f(r.path("secondsPerEpochWithEvaluation"), "%.2f"),
          f(r.path("processCpuSecondsPerEpoch"), "%.2f"),
          base == null ? "–" : f(num(r.path("processCpuSecondsPerEpoch")) / num(base.path("processCpuSecondsPerEpoch")), "%.2f"),
          f(r.path("examplesPerSecond"), "%,.0f"), r.path("steadyEpochsCounted").asInt(),
          r.path("loadAverageBefore").asText());
    }
    line("");
    line("Hidden size:");
    line("");
    row("H", "GFLOP/epoch", "s/epoch", "CPU s/epoch", "effective GFLOPS", "ratio to H 256 (time; FLOPs)");
    row("---:", "---:", "---:", "---:", "---:", "---");
    List<JsonNode> hidden = new ArrayList<>(runs(local, "hidden"));
    if (base != null) {
      hidden.add(base);
    }
    hidden.sort((a, b) -> Integer.compare(a.path("hidden").asInt(), b.path("hidden").asInt()));
    for (JsonNode r : hidden) {
      row(r.path("hidden").asInt(), f(r.path("epochFlops").asDouble() / 1e9, "%.1f"),
          f(r.path("trainSecondsPerEpoch"), "%.2f"), f(r.path("processCpuSecondsPerEpoch"), "%.2f"),
          f(r.path("epochFlops").asDouble() / 1e9 / num(r.path("trainSecondsPerEpoch")), "%.1f"),
          base == null ? "–" : f(num(r.path("trainSecondsPerEpoch")) / num(base.path("trainSecondsPerEpoch")), "%.2f") + "; "
              + f(r.path("epochFlops").asDouble() / base.path("epochFlops").asDouble(), "%.2f"));
    }
    line("");
    line("Partitions and executors:");
    line("");
    row("master", "partitions", "s/epoch", "with evaluation", "CPU s/epoch (driver JVM)",
        "examples/s", "load before");
    row("---", "---:", "---:", "---:", "---:", "---:", "---");
    List<JsonNode> parts = new ArrayList<>(runs(local, "partitions"));
    if (base != null) {
      parts.add(base);
    }
    parts.sort((a, b) -> Integer.compare(a.path("partitions").asInt(), b.path("partitions").asInt()));
    parts.addAll(runs(cluster, "cluster"));
    for (JsonNode r : parts) {
      row(r.path("master").asText(), r.path("partitions").asInt(),
          f(r.path("trainSecondsPerEpoch"), "%.2f"), f(r.path("secondsPerEpochWithEvaluation"), "%.2f"),
          f(r.path("processCpuSecondsPerEpoch"), "%.2f"), f(r.path("examplesPerSecond"), "%,.0f"),
          r.path("loadAverageBefore").asText());
    }
    if (cluster != null) {
      line("");
      line("local-cluster start-up (master, 2 workers, 2 executor JVMs registered): "
          + f(cluster.path("sessionStartSeconds"), "%.1f s") + ".");
    } else {
      line("");
      line("local-cluster: not measured.");
    }
    line("");
  }

  private void syncSection() {
    line("## 5. Synchronization period");
    line("");
    line("Default configuration with `sync-period` changed; one Spark job per period (469 steps "
        + "per epoch). Time to 98%: the default 8-epoch schedule, stopped at the first epoch "
        + "reaching it; period 1 (one job per step) is capped.");
    line("");
    row("sync-period", "jobs/epoch", "s/epoch (training jobs)", "with evaluation", "ms per job",
        "time to 98%", "final test accuracy", "load before");
    row("---", "---:", "---:", "---:", "---:", "---", "---:", "---");
    List<JsonNode> list = new ArrayList<>(runs(local, "default"));
    list.addAll(runs(local, "sync"));
    for (JsonNode r : list) {
      String period = r.path("syncPeriod").asText();
      int jobs = period.equals("epoch") ? 1 : (469 + Integer.parseInt(period) - 1) / Integer.parseInt(period);
      row(period + (r.path("group").asText().equals("default") ? " (" + r.path("name").asText() + ")" : ""),
          jobs, f(r.path("trainSecondsPerEpoch"), "%.2f"),
          f(r.path("secondsPerEpochWithEvaluation"), "%.2f"),
          f(1000 * num(r.path("trainSecondsPerEpoch")) / jobs, "%.0f"), target(r),
          pct(r.path("finalTestAccuracy")), r.path("loadAverageBefore").asText());
    }
    line("");
  }

  private void blasSection() {
    line("## 6. Native BLAS against the pure-Java fallback (`--blas java`)");
    line("");
    JsonNode java = run("blas java");
    if (java == null) {
      line("Not measured.");
      line("");
      return;
    }
    row("run", "implementation", "s/epoch (training jobs)", "CPU s/epoch", "time to 98%",
        "final test accuracy", "compute limit s/epoch (H 256)");
    row("---", "---", "---:", "---:", "---", "---:", "---:");
    List<JsonNode> list = new ArrayList<>(runs(local, "default"));
    list.add(java);
    for (JsonNode r : list) {
      JsonNode g = gemm(r.path("blas").asText(), 256, 64);
      row(r.path("name").asText(), r.path("blasImplementation").asText(),
          f(r.path("trainSecondsPerEpoch"), "%.2f"), f(r.path("processCpuSecondsPerEpoch"), "%.2f"),
          target(r), pct(r.path("finalTestAccuracy")),
          g == null ? "–" : f(g.path("epochLimitSeconds2Cores"), "%.2f"));
    }
    line("");
    line("`--blas java` takes netlib's Java implementation: " + (limit == null ? "" : "`"
        + limit.path("blasJava").asText() + "`") + " (the Vector-API one when the JVM has "
        + "`--add-modules=jdk.incubator.vector`, as scripts/sparkgrad passes; plain `Java11BLAS` "
        + "without it).");
    line("");
  }

  private void noiseSection() {
    line("## 7. What regularization costs: dropout and data augmentation");
    line("");
    line("Epoch time with the per-example perturbations of issue 8 switched on one at a time: "
        + "hidden and input dropout, and the executors' augmentation of every training image "
        + "(random shift, rotation, scaling and elastic distortion, resampled once per image per "
        + "epoch), with the settings of the ready configurations (`conf/best-plain.conf`, "
        + "`conf/best-augmented.conf`); everything else default. Seconds per epoch: the training "
        + "jobs, median of the epochs after the first.");
    line("");
    List<JsonNode> list = runs(local, "noise");
    if (list.isEmpty()) {
      line("Not measured.");
      line("");
      return;
    }
    row("run", "dropout (hidden; input)", "augmentation", "s/epoch", "ratio to the same H plain",
        "CPU s/epoch", "examples/s", "load before");
    row("---", "---", "---", "---:", "---:", "---:", "---:", "---");
    for (JsonNode r : list) {
      JsonNode plain = null;
      for (JsonNode candidate : list) {
        if (candidate.path("hidden").asInt() == r.path("hidden").asInt()
            && candidate.path("name").asText().endsWith(" plain")) {
          plain = candidate;
        }
      }
      row(r.path("name").asText(),
          r.path("dropout").asDouble() + "; " + r.path("inputDropout").asDouble(),
          "`" + r.path("augment").asText() + "`", f(r.path("trainSecondsPerEpoch"), "%.2f"),
          plain == null ? "–" : f(num(r.path("trainSecondsPerEpoch"))
              / num(plain.path("trainSecondsPerEpoch")), "%.2f×"),
          f(r.path("processCpuSecondsPerEpoch"), "%.2f"), f(r.path("examplesPerSecond"), "%,.0f"),
          r.path("loadAverageBefore").asText());
    }
    line("");
  }

  private void methodSection() {
    line("## Method and caveats");
    line("");
    line("- One BLAS thread per Spark task (`OPENBLAS_NUM_THREADS=1`), as scripts/sparkgrad sets it.");
    line("- Steady-state epoch times discard the first epoch (JIT warm-up) and take the median "
        + "of the rest; the `train` command's time to 98% and whole-command time are medians "
        + "over its runs.");
    line("- In-process runs (§1 second table, §4–§6) use one SparkSession per master for all "
        + "runs, keep no checkpoints, and are stopped by a `TrainingListener` at the target or "
        + "a cap; their times are the trainer's own (`EpochMetrics`).");
    line("- MLlib gets the data as a cached DataFrame made on the executors (as a file source "
        + "would), not a local list (which would ship the data inside every task).");
    line("- Not measured here: the standalone cluster; more than 2 cores.");
    line("");
  }
}
