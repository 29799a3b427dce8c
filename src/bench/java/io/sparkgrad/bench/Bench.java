package io.sparkgrad.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.LabeledImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** What the parts of the harness share: arguments, the data, Spark, JSON files, medians. */
final class Bench {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Bench() {}

  /**
   * {@code --out DIR --data DIR [--master URL] [--quick]}, as scripts/bench.sh passes them;
   * {@code --only GROUP,...} limits the trainer part to some groups of runs (for a rerun by hand).
   */
  record Args(Path out, String data, String master, boolean quick, List<String> only) {
    static Args parse(List<String> args) {
      Path out = Paths.get("target/bench");
      String data = null;
      String master = "local[2]";
      boolean quick = false;
      List<String> only = List.of();
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        switch (arg) {
          case "--out" -> out = Paths.get(value(args, ++i, arg));
          case "--data" -> data = value(args, ++i, arg);
          case "--master" -> master = value(args, ++i, arg);
          case "--quick" -> quick = true;
          case "--only" -> only = List.of(value(args, ++i, arg).split(","));
          default -> throw new IllegalArgumentException("expected --out DIR, --data DIR,"
              + " --master URL, --quick or --only GROUP,...; found '" + arg + "'");
        }
      }
      return new Args(out, data, master, quick, only);
    }

    private static String value(List<String> args, int i, String option) {
      if (i >= args.size()) {
        throw new IllegalArgumentException(option + ": expected a value after the option");
      }
      return args.get(i);
    }

    String requireData() {
      if (data == null) {
        throw new IllegalArgumentException("--data: expected the MNIST IDX folder");
      }
      return data;
    }
  }

  /** The IDX folder as the trainer reads it (both splits, classes from the labels). */
  static DataSet load(String folder) throws IOException {
    return DataSetFolder.at(folder, new Configuration()).load(0);
  }

  /**
   * The data set with its training split repeated {@code times} times (test split unchanged).
   * The trainer draws a fresh seeded permutation of all examples every epoch, so the copies are
   * visited in distinct orders and land in different mini-batches and partitions.
   */
  static DataSet replicated(DataSet data, int times) {
    if (times == 1) {
      return data;
    }
    LabeledImages train = data.train();
    byte[] pixels = new byte[train.pixels().length * times];
    byte[] labels = new byte[train.labels().length * times];
    for (int c = 0; c < times; c++) {
      System.arraycopy(train.pixels(), 0, pixels, c * train.pixels().length, train.pixels().length);
      System.arraycopy(train.labels(), 0, labels, c * train.labels().length, train.labels().length);
    }
    LabeledImages big = new LabeledImages(train.source() + " ×" + times, train.imageRows(),
        train.imageCols(), pixels, labels);
    return new DataSet(data.source() + " (training split ×" + times + ")", big, data.test(),
        data.classes(), data.sha256());
  }

  /** A SparkSession set up as sparkgrad's commands set theirs up (loopback, no UI, 1 BLAS thread). */
  static SparkSession spark(String appName, String master, Map<String, String> extra) {
    SparkConf conf = new SparkConf(true).setMaster(master).setAppName(appName);
    io.sparkgrad.cli.SparkSessions.setLocalDefaults(conf);
    conf.setIfMissing("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
    extra.forEach(conf::set);
    return SparkSession.builder().config(conf).getOrCreate();
  }

  static void write(Path file, Object value) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    JSON.writeValue(file.toFile(), value);
    System.out.println("harness: wrote " + file);
  }

  /** The median; NaN for none. */
  static double median(List<Double> values) {
    double[] v = values.stream().filter(d -> !Double.isNaN(d)).mapToDouble(Double::doubleValue)
        .sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static double median(double[] values) {
    List<Double> list = new ArrayList<>();
    Arrays.stream(values).forEach(list::add);
    return median(list);
  }

  /** The 1, 5 and 15 minute load averages: the machine is shared, so they say how busy it was. */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }

  static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }
}
