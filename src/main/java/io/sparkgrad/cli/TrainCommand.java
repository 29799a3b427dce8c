package io.sparkgrad.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.data.IdxSplit;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.data.Split;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.DataSetFormat;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.io.OutputExistsException;
import io.sparkgrad.training.Checkpoints;
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
    checkModelTarget(config, hadoop);
    DataSetFormat format = DataSetFormat.detect(new Path(config.data()), hadoop);
    DataSetFolder folder = null;
    IdxSplit trainSplit = null;
    IdxSplit testSplit = null;
    if (format == DataSetFormat.IDX_FOLDER) {
      // The IDX headers are read and checked before Spark starts, to fail fast; the examples
      // themselves are read by the executors.
      folder = DataSetFolder.at(config.data(), hadoop);
      trainSplit = IdxSplit.open(folder, Split.TRAIN, hadoop);
      testSplit = IdxSplit.open(folder, Split.TEST, hadoop);
    }
    try (SparkSessions sessions = SparkSessions.start("sparkgrad-train", config.master())) {
      SparkSession spark = sessions.session();
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      LabeledData data = folder != null
          ? LabeledData.idx(jsc, folder, trainSplit, testSplit, config.classes(), hadoop)
          : LabeledData.parquet(spark, config.data(), config.classes());
      // spark-submit's --master wins over the configured one: record what is really used.
      config = config.withMaster(jsc.master());
      TrainingSetup setup = TrainingSetup.of(config, data);
      out.println("sparkgrad train: effective configuration");
      config.toMap().forEach((key, value) -> out.printf("  %-20s = %s%n", key, value));
      out.printf(Locale.ROOT,
          "data: %d training (%d held out for validation) and %d test images of %d×%d, %d classes,"
              + " from %s (%s)%n",
          data.train().count(), setup.validationCount(), data.test().count(),
          data.train().imageRows(), data.train().imageCols(), setup.classes(), data.source(),
          format == DataSetFormat.IDX_FOLDER ? "IDX" : "Parquet");
      out.printf(Locale.ROOT, "network: %s; %s, %s precision, BLAS %s%n",
          setup.spec().describe(), jsc.master(), config.precision().label(),
          io.sparkgrad.math.Blas.get(config.blas()).implementationName());
      Checkpoints checkpoints =
          config.checkpointEvery() > 0 ? new Checkpoints(config.model(), hadoop) : null;
      TrainingResult result = new SparkTrainer(jsc, new ConsoleListener(out, err))
          .train(setup, data, checkpoints);
      LabeledImages pictures = data.test().inMemory(jsc, REPORT_PICTURES_MAX_BYTES);
      writeModel(config, data, pictures, setup, result, jsc, hadoop, commandStart);
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

  /** Refuses an existing model folder (without --overwrite) or an unwritable parent up front. */
  private static void checkModelTarget(TrainingConfig config, Configuration hadoop)
      throws IOException {
    Path target = new Path(config.model());
    FileSystem fs = target.getFileSystem(hadoop);
    if (fs.exists(target) && !config.overwrite()) {
      throw new OutputExistsException(
          config.model() + ": already exists; choose another --model or pass --overwrite");
    }
    Path parent = target.getParent();
    Path probe = new Path(parent, "." + target.getName() + ".probe-" + UUID.randomUUID());
    try {
      if (!fs.mkdirs(probe)) {
        throw new IOException("mkdirs returned false");
      }
    } catch (IOException e) {
      throw new OutputExistsException(
          config.model() + ": cannot write in " + parent + ": " + e.getMessage(), e);
    } finally {
      fs.delete(probe, true);
    }
  }

  /**
   * The test split's pixels are fetched for the report's pictures of the worst-classified
   * examples only up to this size (MNIST's take 7.8 MB); a larger split's report has none.
   */
  static final long REPORT_PICTURES_MAX_BYTES = 64L << 20;

  private static void writeModel(
      TrainingConfig config, LabeledData data, LabeledImages pictures, TrainingSetup setup,
      TrainingResult result,
      JavaSparkContext jsc, Configuration hadoop, long commandStart) {
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
    metadata.put("train_examples", setup.trainCount());
    metadata.put("validation_examples", setup.validationCount());
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
    ModelStore.write(config.model(), config.overwrite(), hadoop, metadata, setup.spec(),
        result.params(), metrics,
        Map.of(TrainingReport.FILE, TrainingReport.html(config, data, pictures, result, metadata, metrics)));
  }

  private static void putNumber(ObjectNode node, String field, double value) {
    MetricsJson.putNumber(node, field, value);
  }
}
