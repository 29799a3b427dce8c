package io.sparkgrad.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.DataSetFormat;
import io.sparkgrad.data.ParquetData;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.io.OutputClaim;
import io.sparkgrad.io.OutputException;
import io.sparkgrad.io.OutputKind;
import io.sparkgrad.training.Checkpoints;
import io.sparkgrad.training.MemoryPlan;
import io.sparkgrad.training.MetricsJson;
import io.sparkgrad.training.SparkTrainer;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.training.TrainingResult;
import io.sparkgrad.training.TrainingSetup;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** {@code sparkgrad train}: configuration → data → Spark training → model folder. */
final class TrainCommand {
  private final PrintStream out;
  private final PrintStream err;

  TrainCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  ExitCode run(List<String> args) throws IOException {
    if (args.contains("--help") || args.contains("-h")) {
      out.println("usage: sparkgrad train --data <IDX folder or Parquet> --model <folder>"
          + " [--config FILE|NAME] [--key value ...]\n\noptions:");
      out.print(TrainingOptions.help());
      out.println("  --config FILE            a file of 'key = value' lines overriding the defaults");
      out.println("  --config NAME            a ready configuration instead: "
          + String.join(", ", TrainingOptions.READY_CONFIGURATIONS) + " (README)");
      return ExitCode.OK;
    }
    long commandStart = System.nanoTime();
    List<String> rest = new ArrayList<>(args);
    Map<String, String> fileValues = Map.of();
    int configAt = rest.indexOf("--config");
    if (configAt >= 0) {
      if (configAt + 1 >= rest.size()) {
        throw new io.sparkgrad.config.ConfigException(
            "--config: expected a file or a ready configuration's name after the option");
      }
      fileValues = TrainingOptions.readConfig(rest.get(configAt + 1));
      rest.remove(configAt + 1);
      rest.remove(configAt);
    }
    TrainingConfig config = TrainingOptions.resolve(fileValues, TrainingOptions.parseArguments(rest));

    Configuration hadoop = new Configuration();
    MasterUrl.check(config.master());
    // Held from here until the model is in place: a second run to the same --model is refused.
    try (OutputClaim claim = OutputClaim.take(OutputKind.MODEL, config.model(), "--model",
        config.overwrite(), List.of(new OutputClaim.Input("--data", config.data())), hadoop)) {
      claim.cleaned().forEach(line -> err.println("sparkgrad: " + line));
      prepareCheckpointFolder(config, hadoop);
      return train(config, hadoop, claim, commandStart);
    } finally {
      Interruption.clear();
    }
  }

  private ExitCode train(TrainingConfig config, Configuration hadoop, OutputClaim claim,
      long commandStart) throws IOException {
    Interruption.stage(out, "loading the data from " + config.data(), resumeHint(config),
        localCheckpoints(config));
    DataSetFormat format = DataSetFormat.detect(new Path(config.data()), hadoop);
    DataSet data = null;
    if (format == DataSetFormat.IDX_FOLDER) {
      // From the IDX headers alone: a data set larger than the heap is refused before loading.
      int[] shape = idxShape(config.data(), hadoop);
      if (shape != null) {
        checkMemory(config, shape[0], shape[1], Math.max(config.classes(), 10));
      }
      // IDX data is read and checked against the settings before Spark starts, to fail fast.
      data = DataSetFolder.at(config.data(), hadoop).load(config.classes());
      checkPartitions(config, TrainingSetup.of(config, data));
    }
    try (SparkSessions sessions = SparkSessions.start("sparkgrad-train", config.master())) {
      SparkSession spark = sessions.session();
      if (data == null) {
        data = ParquetData.load(spark, config.data(), config.classes());
      }
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      // spark-submit's --master wins over the configured one: record what is really used.
      config = config.withMaster(jsc.master());
      TrainingSetup setup = TrainingSetup.of(config, data);
      checkPartitions(config, setup);
      MemoryPlan plan = checkMemory(config, (long) data.train().count() + data.test().count(),
          data.train().features(), setup.classes());
      out.println("sparkgrad train: effective configuration");
      config.toMap().forEach((key, value) -> out.printf("  %-20s = %s%n", key, value));
      out.printf(Locale.ROOT,
          "data: %d training (%d held out for validation) and %d test images of %d×%d, %d classes,"
              + " from %s (%s)%n",
          data.train().count(), setup.validationMembers().length, data.test().count(),
          data.train().imageRows(), data.train().imageCols(), setup.classes(), data.source(),
          format == DataSetFormat.IDX_FOLDER ? "IDX" : "Parquet");
      out.printf(Locale.ROOT, "network: %s; %s, %s precision, BLAS %s%n",
          setup.spec().describe(), jsc.master(), config.precision().label(),
          io.sparkgrad.math.Blas.get(config.blas()).implementationName());
      out.printf(Locale.ROOT, "memory plan: %s; driver heap %s%n",
          plan.describe(MasterUrl.localCores(MasterUrl.effective(config.master()))),
          MemoryPlan.size(Runtime.getRuntime().maxMemory()));
      Checkpoints checkpoints =
          config.checkpointEvery() > 0 ? new Checkpoints(config.model(), hadoop) : null;
      Interruption.stage(out, "training", resumeHint(config), localCheckpoints(config));
      TrainingResult result = new SparkTrainer(jsc, new ConsoleListener(out, err))
          .train(setup, data, checkpoints);
      Interruption.stage(out, "writing the model to " + config.model(), resumeHint(config),
          localCheckpoints(config));
      writeModel(config, data, setup, result, jsc, claim, commandStart);
      if (checkpoints != null) {
        checkpoints.deleteAll();
      }
      double total = (System.nanoTime() - commandStart) / 1e9;
      out.printf(Locale.ROOT,
          "test accuracy %.2f%% (epoch %d of %d%s); training loop %.1f s, whole command %.1f s%n",
          100 * result.test().accuracy(), result.keptEpoch(), result.epochs().size(),
          result.stoppedEarly() ? ", stopped early" : "", result.trainingSeconds(), total);
      if (result.epochReachingTarget() > 0) {
        out.printf(Locale.ROOT, "target %.2f%% first reached in epoch %d, after %.1f s of training%n",
            100 * config.targetAccuracy(), result.epochReachingTarget(), result.secondsToTarget());
      } else {
        out.printf(Locale.ROOT, "target %.2f%% not reached%n", 100 * config.targetAccuracy());
      }
      out.println("model: " + config.model());
      return ExitCode.OK;
    }
  }

  /**
   * Refuses a run that cannot fit ({@link MemoryPlan}): a local master's one heap, or the
   * driver's heap and spark.executor.memory.
   */
  private static MemoryPlan checkMemory(
      TrainingConfig config, long examples, int features, int classes) {
    MemoryPlan plan = MemoryPlan.of(config, examples, features, classes);
    String master = MasterUrl.effective(config.master());
    long driverHeap = Runtime.getRuntime().maxMemory();
    int localCores = MasterUrl.localCores(master);
    if (localCores > 0) {
      plan.check(localCores, driverHeap, 0, 0);
    } else {
      org.apache.spark.SparkConf spark = new org.apache.spark.SparkConf(true);
      long executorHeap = MasterUrl.localClusterExecutorBytes(master) > 0
          ? MasterUrl.localClusterExecutorBytes(master)
          : spark.getSizeAsBytes("spark.executor.memory", "1g");
      int executorCores = MasterUrl.localClusterExecutorCores(master) > 0
          ? MasterUrl.localClusterExecutorCores(master) : spark.getInt("spark.executor.cores", 1);
      plan.check(0, driverHeap, executorHeap, executorCores);
    }
    return plan;
  }

  /**
   * {examples, features} of an IDX folder from the headers of its two images files (gzip or
   * raw), or null when they cannot be read (loading then reports why).
   */
  private static int[] idxShape(String folder, Configuration hadoop) {
    long examples = 0;
    int features = 0;
    for (String name : List.of("train-images-idx3-ubyte", "t10k-images-idx3-ubyte")) {
      int[] header = idxImagesHeader(new Path(folder, name), hadoop);
      if (header == null) {
        header = idxImagesHeader(new Path(folder, name + ".gz"), hadoop);
      }
      if (header == null || header[0] < 0 || header[1] < 1 || header[2] < 1) {
        return null;
      }
      examples += header[0];
      features = header[1] * header[2];
    }
    return new int[] {(int) Math.min(Integer.MAX_VALUE, examples), features};
  }

  // Deflate expands at most about 1032:1.
  private static final long MAX_DEFLATE_RATIO = 1032;

  /** {count, rows, cols} from an IDX images file's first 16 bytes, or null. */
  private static int[] idxImagesHeader(Path file, Configuration hadoop) {
    try {
      FileSystem fs = file.getFileSystem(hadoop);
      if (!fs.exists(file) || io.sparkgrad.io.RegularFiles.whatIfNotRegular(fs, file) != null) {
        return null;
      }
      try (java.io.InputStream raw = fs.open(file);
          java.io.InputStream in = file.getName().endsWith(".gz")
              ? new java.util.zip.GZIPInputStream(raw) : raw;
          java.io.DataInputStream header = new java.io.DataInputStream(in)) {
        if (header.readInt() != 0x00000803) {
          return null;
        }
        int[] dims = {header.readInt(), header.readInt(), header.readInt()};
        // Only a header the file can hold is planned with; the reader refuses the others.
        long declared = (long) dims[0] * dims[1] * dims[2];
        long length = fs.getFileStatus(file).getLen();
        boolean gzip = file.getName().endsWith(".gz");
        if (dims[0] < 0 || dims[1] < 1 || dims[2] < 1
            || (gzip ? declared > MAX_DEFLATE_RATIO * length : declared + 16 != length)) {
          return null;
        }
        return dims;
      }
    } catch (IOException e) {
      return null;
    }
  }

  /** More partitions than examples only schedules empty tasks (hundreds of thousands of them). */
  private static void checkPartitions(TrainingConfig config, TrainingSetup setup) {
    int examples = setup.trainMembers().length;
    if (config.partitions() > examples) {
      throw new io.sparkgrad.config.ConfigException("partitions: expected at most the "
          + examples + " training examples (a partition without examples is an empty task);"
          + " found " + config.partitions());
    }
  }

  /**
   * Existing checkpoints belong to an earlier run: kept for --resume, discarded only with
   * --overwrite (and only when they are sparkgrad's checkpoints), refused otherwise.
   */
  private static void prepareCheckpointFolder(TrainingConfig config, Configuration hadoop)
      throws IOException {
    Path folder = new Checkpoints(config.model(), hadoop).folder();
    OutputClaim.checkApart(folder.toString(), "--model", List.of(
        new OutputClaim.Input("--data", config.data())), hadoop);
    FileSystem fs = folder.getFileSystem(hadoop);
    if (!fs.exists(folder) || config.resume()) {
      return;
    }
    if (!config.overwrite()) {
      throw new OutputException(OutputException.Reason.EXISTS, folder + ": holds the checkpoints"
          + " of an earlier run; pass --resume to continue that run, or --overwrite to discard"
          + " them");
    }
    if (!OutputKind.CHECKPOINTS.recognizes(fs, folder)) {
      throw new OutputException(OutputException.Reason.NOT_OURS, folder + ": --overwrite:"
          + " expected a checkpoint folder written by sparkgrad; found a path that is not one,"
          + " so it is left as it is (remove it yourself or choose another --model)");
    }
    fs.delete(folder, true);
  }

  private static String resumeHint(TrainingConfig config) {
    if (config.checkpointEvery() == 0) {
      return "no checkpoints are written (checkpoint-every 0): a rerun starts over";
    }
    return "no checkpoint was written yet: a rerun starts over";
  }

  /** The checkpoint folder on the local disk, for naming the newest on a signal; else null. */
  private static java.nio.file.Path localCheckpoints(TrainingConfig config) {
    java.net.URI uri = new Path(config.model() + ".checkpoints").toUri();
    if (config.checkpointEvery() == 0 || (uri.getScheme() != null
        && !uri.getScheme().equals("file"))) {
      return null;
    }
    return java.nio.file.Paths.get(uri.getPath());
  }

  private static void writeModel(
      TrainingConfig config, DataSet data, TrainingSetup setup, TrainingResult result,
      JavaSparkContext jsc, OutputClaim claim, long commandStart) {
    ObjectNode metadata = ModelStore.json().createObjectNode();
    metadata.put("model_id", UUID.randomUUID().toString());
    metadata.put("created", Instant.now().toString());
    ObjectNode architecture = metadata.putObject("architecture");
    architecture.put("inputs", setup.spec().inputs());
    architecture.put("hidden", setup.spec().hidden());
    architecture.put("outputs", setup.spec().outputs());
    architecture.put("activation", setup.spec().activation().label());
    architecture.put("output", setup.spec().output().label());
    architecture.put("loss", setup.spec().loss().label());
    architecture.put("image_rows", data.train().imageRows());
    architecture.put("image_cols", data.train().imageCols());
    ObjectNode preprocessing = metadata.putObject("preprocessing");
    preprocessing.put("pixel_scale", "x / 255 (bytes 0..255 to [0, 1])");
    preprocessing.put("layout", "row-major image rows, flattened to image_rows*image_cols inputs");
    ObjectNode configNode = metadata.putObject("config");
    config.toMap().forEach(configNode::put);
    metadata.put("seed", config.seed());
    metadata.put("data", data.source());
    ObjectNode inputs = metadata.putObject("input_sha256");
    data.sha256().forEach(inputs::put);
    metadata.put("train_examples", setup.trainMembers().length);
    metadata.put("validation_examples", setup.validationMembers().length);
    metadata.put("test_examples", data.test().count());
    metadata.put("partitions", result.partitions());
    metadata.put("spark_version", jsc.version());
    metadata.put("spark_master", jsc.master());
    metadata.put("java_version", System.getProperty("java.version"));
    metadata.put("blas_implementation", result.blasImplementation());
    metadata.put("precision", config.precision().label());
    metadata.put("training_seconds", result.trainingSeconds());
    metadata.put("command_seconds_before_write", (System.nanoTime() - commandStart) / 1e9);
    metadata.put("finished", Instant.now().toString());

    ObjectNode metrics = ModelStore.json().createObjectNode();
    MetricsJson.putEpochs(metrics.putArray("epochs"), result.epochs());
    metrics.put("kept_epoch", result.keptEpoch());
    metrics.put("stopped_early", result.stoppedEarly());
    putNumber(metrics, "test_loss", result.test().meanLoss());
    putNumber(metrics, "test_accuracy", result.test().accuracy());
    metrics.put("training_seconds", result.trainingSeconds());
    metrics.put("target_accuracy", config.targetAccuracy());
    metrics.put("epoch_reaching_target", result.epochReachingTarget());
    putNumber(metrics, "seconds_to_target", result.secondsToTarget());
    ModelStore.write(claim, metadata, setup.spec(),
        result.params(), metrics,
        Map.of(TrainingReport.FILE, TrainingReport.html(config, data, result, metadata, metrics)));
  }

  private static void putNumber(ObjectNode node, String field, double value) {
    MetricsJson.putNumber(node, field, value);
  }
}
