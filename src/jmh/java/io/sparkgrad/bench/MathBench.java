package io.sparkgrad.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link TrainingPassBench} and writes {@code math.md} and {@code math.json}: µs per
 * training pass, its GFLOPS, the GFLOPS of the same five GEMMs alone, and float32 against
 * float64. Started by {@code scripts/bench-math.sh}, which passes the command line and the
 * system BLAS library in system properties.
 *
 * <p>Arguments: {@code [--out DIR] [--quick]}; {@code --quick} is a smoke run (1 fork, short
 * iterations) whose numbers are not for the record.
 */
public final class MathBench {
  private static final String[] FORK_JVM_ARGS = {"-Xmx2g", "--add-modules=jdk.incubator.vector"};

  private MathBench() {}

  public static void main(String[] args) throws IOException, RunnerException {
    Path out = Paths.get("docs/benchmarks");
    boolean quick = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out":
          out = Paths.get(args[++i]);
          break;
        case "--quick":
          quick = true;
          break;
        default:
          throw new IllegalArgumentException(
              "arguments: expected [--out DIR] [--quick]; found '" + args[i] + "'");
      }
    }
    Map<String, Object> machine = machine();
    System.out.println("# machine");
    machine.forEach((key, value) -> System.out.println("#   " + key + ": " + value));

    List<String> jvmArgs = new ArrayList<>(List.of(FORK_JVM_ARGS));
    for (BlasChoice choice : new BlasChoice[] {BlasChoice.AUTO, BlasChoice.JAVA}) {
      jvmArgs.add("-D" + TrainingPassBench.EXPECT_PREFIX + choice.label() + "="
          + Blas.get(choice).implementationName());
    }
    Files.createDirectories(Paths.get("target"));
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(TrainingPassBench.class.getName() + "\\.")
        .jvmArgsAppend(jvmArgs.toArray(new String[0]))
        .result("target/jmh-math.json")
        .resultFormat(ResultFormatType.JSON);
    if (quick) {
      options.forks(1).warmupIterations(1).warmupTime(TimeValue.milliseconds(300))
          .measurementIterations(2).measurementTime(TimeValue.milliseconds(300));
    }
    Collection<RunResult> results = new Runner(options.build()).run();

    Map<String, Object> settings = new LinkedHashMap<>();
    RunResult any = results.iterator().next();
    settings.put("forks", quick ? "1" : "3 for pass and GEMMs, 1 for the single GEMMs");
    settings.put("warmup", any.getParams().getWarmup().getCount() + " × "
        + any.getParams().getWarmup().getTime());
    settings.put("measurement", any.getParams().getMeasurement().getCount() + " × "
        + any.getParams().getMeasurement().getTime());
    settings.put("forkJvmArgs", String.join(" ", FORK_JVM_ARGS));
    settings.put("quick", quick);
    machine.put("loadAverageAtEnd", loadAverage());

    List<Map<String, Object>> rows = rows(results);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("command", System.getProperty("sparkgrad.bench.command", "(not given)"));
    report.put("machine", machine);
    report.put("jmh", settings);
    report.put("rows", rows);
    report.put("float32VsFloat64", precisionComparison(rows));
    Files.createDirectories(out);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("math.json").toFile(), report);
    String markdown = markdown(report);
    Files.writeString(out.resolve("math.md"), markdown, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(markdown);
  }

  /** What the numbers depend on: CPU, cores, JVM, the BLAS each choice loads, the env. */
  private static Map<String, Object> machine() throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", cpuModel());
    m.put("cpuFlags", cpuFlags());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
    m.put("blasAuto", Blas.get(BlasChoice.AUTO).implementationName());
    m.put("blasJava", Blas.get(BlasChoice.JAVA).implementationName()
        + (Blas.get(BlasChoice.JAVA).implementationName().equals("VectorBLAS")
            ? " (Vector API: --add-modules=jdk.incubator.vector)" : ""));
    m.put("systemBlasLibrary", System.getProperty("sparkgrad.bench.blasLibrary", "unknown"));
    m.put("systemBlasPackage", System.getProperty("sparkgrad.bench.blasPackage", "unknown"));
    m.put("OPENBLAS_NUM_THREADS", String.valueOf(System.getenv("OPENBLAS_NUM_THREADS")));
    m.put("OPENBLAS_CORETYPE", String.valueOf(System.getenv("OPENBLAS_CORETYPE")));
    m.put("loadAverageAtStart", loadAverage());
    return m;
  }

  /** The 1, 5 and 15 minute load averages: the machine is shared, so they say how quiet it was. */
  private static String loadAverage() throws IOException {
    Path loadavg = Paths.get("/proc/loadavg");
    if (!Files.isReadable(loadavg)) {
      return "unknown";
    }
    String[] fields = Files.readString(loadavg).trim().split("\\s+");
    return fields[0] + " " + fields[1] + " " + fields[2];
  }

  private static String cpuModel() throws IOException {
    Path cpuinfo = Paths.get("/proc/cpuinfo");
    if (!Files.isReadable(cpuinfo)) {
      return System.getProperty("os.arch");
    }
    for (String line : Files.readAllLines(cpuinfo)) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return System.getProperty("os.arch");
  }

  private static String cpuFlags() throws IOException {
    Path cpuinfo = Paths.get("/proc/cpuinfo");
    if (!Files.isReadable(cpuinfo)) {
      return "unknown";
    }
    for (String line : Files.readAllLines(cpuinfo)) {
      if (line.startsWith("flags")) {
        List<String> present = new ArrayList<>();
        for (String flag : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
          if (flag.equals("avx") || flag.equals("avx2") || flag.equals("fma")
              || flag.equals("avx512f")) {
            present.add(flag);
          }
        }
        return String.join(" ", present);
      }
    }
    return "unknown";
  }

  /** One row per (hidden, precision, blas): the three benchmarks side by side. */
  private static List<Map<String, Object>> rows(Collection<RunResult> results) {
    Map<String, Map<String, Result<?>>> byConfig = new TreeMap<>();
    Map<String, String[]> keys = new TreeMap<>();
    for (RunResult r : results) {
      String hidden = r.getParams().getParam("hidden");
      String precision = r.getParams().getParam("precision");
      String blas = r.getParams().getParam("blas");
      // sort: hidden numerically, then precision, then auto before java
      String key = String.format(Locale.ROOT, "%06d %s %s", Integer.parseInt(hidden), precision,
          blas);
      keys.put(key, new String[] {hidden, precision, blas});
      String benchmark = r.getParams().getBenchmark();
      benchmark = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      byConfig.computeIfAbsent(key, x -> new LinkedHashMap<>())
          .put(benchmark, r.getPrimaryResult());
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map.Entry<String, Map<String, Result<?>>> e : byConfig.entrySet()) {
      String[] k = keys.get(e.getKey());
      int hidden = Integer.parseInt(k[0]);
      double flops = TrainingPassBench.spec(hidden).trainingFlops(TrainingPassBench.ROWS);
      Result<?> pass = e.getValue().get("pass");
      Result<?> gemms = e.getValue().get("gemms");
      Result<?> w1x = e.getValue().get("gemmW1X");
      Result<?> dw1 = e.getValue().get("gemmDW1");
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("config", "784→" + hidden + "→10 relu/softmax/ce, " + k[1] + ", " + k[2]);
      row.put("hidden", hidden);
      row.put("precision", k[1]);
      row.put("blas", k[2]);
      row.put("implementation", Blas.get(BlasChoice.parse(k[2])).implementationName());
      row.put("trainingFlops", flops);
      double passUs = pass.getStatistics().getMin();
      double gemmsUs = gemms.getStatistics().getMin();
      row.put("passUsBest", passUs);
      row.put("passUsMedian", median(pass));
      row.put("passUsMean", pass.getScore());
      row.put("passUsError999", pass.getScoreError());
      row.put("passUsMin", pass.getStatistics().getMin());
      row.put("passUsMax", pass.getStatistics().getMax());
      row.put("passIterations", pass.getStatistics().getN());
      row.put("passGflops", flops / (passUs * 1e3));
      row.put("gemmsUsBest", gemmsUs);
      row.put("gemmsUsMedian", median(gemms));
      row.put("gemmsUsMean", gemms.getScore());
      row.put("gemmsUsError999", gemms.getScoreError());
      row.put("gemmsUsMin", gemms.getStatistics().getMin());
      row.put("gemmsUsMax", gemms.getStatistics().getMax());
      row.put("gemmsGflops", flops / (gemmsUs * 1e3));
      row.put("passGflopsMedian", flops / (median(pass) * 1e3));
      row.put("gemmsGflopsMedian", flops / (median(gemms) * 1e3));
      row.put("gemmShareOfPass", gemmsUs / passUs);
      row.put("gemmShareOfPassMedian", median(gemms) / median(pass));
      row.put("nonGemmUs", passUs - gemmsUs);
      row.put("w1xUsBest", w1x.getStatistics().getMin());
      row.put("w1xGflops", TrainingPassBench.w1xFlops(hidden) / (w1x.getStatistics().getMin() * 1e3));
      row.put("dw1UsBest", dw1.getStatistics().getMin());
      row.put("dw1Gflops", TrainingPassBench.w1xFlops(hidden) / (dw1.getStatistics().getMin() * 1e3));
      rows.add(row);
    }
    return rows;
  }

  /** The median iteration: robust to the odd iteration slowed by the other user of the CPUs. */
  private static double median(Result<?> result) {
    return result.getStatistics().getPercentile(50);
  }

  /** float64 time / float32 time of the whole pass, per BLAS and hidden size. */
  private static List<Map<String, Object>> precisionComparison(List<Map<String, Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> f32 : rows) {
      if (!f32.get("precision").equals("float32")) {
        continue;
      }
      for (Map<String, Object> f64 : rows) {
        if (f64.get("precision").equals("float64") && f64.get("blas").equals(f32.get("blas"))
            && f64.get("hidden").equals(f32.get("hidden"))) {
          double best32 = (double) f32.get("passUsBest");
          double best64 = (double) f64.get("passUsBest");
          double med32 = (double) f32.get("passUsMedian");
          double med64 = (double) f64.get("passUsMedian");
          Map<String, Object> c = new LinkedHashMap<>();
          c.put("blas", f32.get("blas"));
          c.put("hidden", f32.get("hidden"));
          c.put("float32PassUsBest", best32);
          c.put("float64PassUsBest", best64);
          c.put("float64OverFloat32Best", best64 / best32);
          c.put("float32PassUsMedian", med32);
          c.put("float64PassUsMedian", med64);
          c.put("float64OverFloat32Median", med64 / med32);
          // float32's median iteration beats float64's best one
          c.put("float32ClearlyFaster", med32 < best64);
          out.add(c);
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static String markdown(Map<String, Object> report) {
    StringBuilder md = new StringBuilder();
    Map<String, Object> machine = (Map<String, Object>) report.get("machine");
    Map<String, Object> jmh = (Map<String, Object>) report.get("jmh");
    md.append("# Math benchmark: one training pass over a 128-row block\n\n");
    md.append("Produced by `").append(report.get("command")).append("` (JMH ")
        .append(jmh.get("forks")).append(" forks, warmup ").append(jmh.get("warmup"))
        .append(", measurement ").append(jmh.get("measurement")).append(", fork JVM flags `")
        .append(jmh.get("forkJvmArgs")).append("`").append((boolean) jmh.get("quick")
            ? "; QUICK SMOKE RUN, not for the record" : "").append(").\n\n");
    md.append("| machine | |\n|---|---|\n");
    machine.forEach((key, value) -> md.append("| ").append(key).append(" | ").append(value)
        .append(" |\n"));
    md.append("\nNetwork 784→H→10, ReLU, softmax + cross-entropy; inputs MNIST-like (81% zeros),"
        + " 8 different 128-row blocks taken in turn (as training streams a partition's blocks).\n"
        + "`pass` = `TwoLayerNetwork.accumulateGradient` over 128 rows; GFLOPS ="
        + " `NetworkSpec.trainingFlops(128)` / time. `GEMMs` = the five GEMMs of that pass"
        + " alone (same shapes, transposes and betas), which do exactly those flops;"
        + " GEMM share = GEMM time / pass time (1.0 means the rest is free);"
        + " W1·X and dA1·Xᵀ = the two dominant GEMMs alone (H×784 · 784×128 \"N\",\"N\" and"
        + " H×128 · 128×784 \"N\",\"T\"; 1 fork, indicative)."
        + " Each time is per call, averaged over one 200 ms iteration; 'best' is the fastest"
        + " iteration of all forks, which is what the table's GFLOPS, GEMM share and"
        + " non-GEMM time use, because the 2 CPUs are shared with other work that can only slow"
        + " an iteration; the median is beside it, and math.json has mean, 99.9% interval,"
        + " min and max."
        + " `auto` is BlasChoice.AUTO (native here), `java` is BlasChoice.JAVA.\n\n");
    md.append("| config | BLAS | µs per pass, best | median | GFLOPS | µs GEMMs, best | median |"
        + " GEMM-only GFLOPS | GEMM share | non-GEMM µs | W1·X GFLOPS | dA1·Xᵀ GFLOPS |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> row : (List<Map<String, Object>>) report.get("rows")) {
      md.append(String.format(Locale.ROOT,
          "| H=%d %s %s | %s | %.0f | %.0f | %.1f | %.0f | %.0f | %.1f | %.2f | %.0f"
              + " | %.1f | %.1f |\n",
          row.get("hidden"), row.get("precision"), row.get("blas"), row.get("implementation"),
          row.get("passUsBest"), row.get("passUsMedian"), row.get("passGflops"),
          row.get("gemmsUsBest"), row.get("gemmsUsMedian"), row.get("gemmsGflops"),
          row.get("gemmShareOfPass"), row.get("nonGemmUs"), row.get("w1xGflops"),
          row.get("dw1Gflops")));
    }
    md.append("\n## float32 against float64 (whole pass)\n\n");
    md.append("| BLAS | H | float32 µs, best | float64 µs, best | float64 / float32, best |"
        + " float64 / float32, median | float32 clearly faster (its median < float64's best) |\n"
        + "|---|---:|---:|---:|---:|---:|---|\n");
    for (Map<String, Object> c : (List<Map<String, Object>>) report.get("float32VsFloat64")) {
      md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.2f× | %.2f× | %s |\n",
          c.get("blas"), c.get("hidden"), c.get("float32PassUsBest"), c.get("float64PassUsBest"),
          c.get("float64OverFloat32Best"), c.get("float64OverFloat32Median"),
          (boolean) c.get("float32ClearlyFaster") ? "yes" : "no"));
    }
    return md.toString();
  }
}
