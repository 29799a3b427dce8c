package io.sparkgrad.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.data.IdxSplit;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.data.Split;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.DataSetFormat;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.io.Json;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.model.Provenance;
import io.sparkgrad.io.OutputExistsException;
import io.sparkgrad.training.Checkpoints;
import io.sparkgrad.training.MetricsJson;
import io.sparkgrad.training.SparkTrainer;
import io.sparkgrad.config.CommandLine;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingKeys;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.training.TrainingResult;
import io.sparkgrad.training.TrainingSetup;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code sparkgrad train}: configuration → data → Spark training → model folder. */
final class TrainCommand {
  /** Start-up milestones at INFO, for the start-up profile (docs/benchmarks/startup.md). */
  private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);

  private final PrintStream out;
  private final PrintStream err;

  TrainCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  ExitCode run(List<String> args) throws IOException {
    CommandLine line = CommandLine.parse(args, TrainingOptions.COMMAND_LINE);
    if (line.help()) {
      out.println("usage: sparkgrad train --data <IDX folder or Parquet> --model <folder>"
          + " [--config FILE|NAME] [--key value ...]\n\noptions:");
      out.print(TrainingOptions.help());
      return ExitCode.OK;
    }
    long commandStart = System.nanoTime();
    TrainingConfig config = TrainingOptions.resolve(Map.of(), line.given());

    Configuration hadoop = new Configuration();
    checkModelTarget(config, hadoop);
    DataSetFormat format = DataSetFormat.detect(new Path(config.run().data()), hadoop);
    // The BLAS library loads while Spark starts (in local mode the driver's is also the
    // executors'; docs/benchmarks/startup.md).
    BlasChoice blas = config.distribution().blas();
    CompletableFuture.runAsync(() -> {
      try {
        Blas.get(blas);
      } catch (RuntimeException refused) {
        // Reported where the BLAS is first used on this thread, below.
      }
    }, TrainCommand::startThread);
    DataSetFolder folder = null;
    IdxSplit trainSplit = null;
    IdxSplit testSplit = null;
    if (format == DataSetFormat.IDX_FOLDER) {
      // Only the IDX headers are read on the driver (milliseconds), and checked before Spark
      // starts, to fail fast; the examples themselves are read by the executors.
      folder = DataSetFolder.at(config.run().data(), hadoop);
      trainSplit = IdxSplit.open(folder, Split.TRAIN, hadoop);
      testSplit = IdxSplit.open(folder, Split.TEST, hadoop);
      LOG.info("start-up: IDX headers read and checked after {} s",
          String.format(Locale.ROOT, "%.2f", (System.nanoTime() - commandStart) / 1e9));
    }
    try (SparkSessions sessions =
        SparkSessions.start("sparkgrad-train", config.distribution().master())) {
      LOG.info("start-up: Spark session ready after {} s",
          String.format(Locale.ROOT, "%.2f", (System.nanoTime() - commandStart) / 1e9));
      SparkSession spark = sessions.session();
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      LabeledData data = folder != null
          ? LabeledData.idx(jsc, folder, trainSplit, testSplit, config.network().classes(), hadoop)
          : LabeledData.parquet(spark, config.run().data(), config.network().classes());
      // spark-submit's --master wins over the configured one: record what is really used.
      config = config.with(TrainingKeys.MASTER, jsc.master());
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
          setup.spec().describe(), jsc.master(), config.distribution().precision().label(),
          Blas.get(config.distribution().blas()).describe());
      Checkpoints checkpoints =
          config.run().checkpointEvery() > 0 ? new Checkpoints(config.run().model(), hadoop) : null;
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
            100 * config.run().targetAccuracy(), result.epochReachingTarget(),
            result.secondsToTarget());
      } else {
        out.printf(Locale.ROOT, "target %.2f%% not reached%n", 100 * config.run().targetAccuracy());
      }
      out.println("model: " + config.run().model());
      return ExitCode.OK;
    }
  }

  /**
   * A thread of its own for start-up work: unlike the common pool's, it inherits this thread's
   * context class loader, which holds the application's classes under spark-submit.
   */
  private static void startThread(Runnable work) {
    Thread thread = new Thread(work, "sparkgrad-start");
    thread.setDaemon(true);
    thread.start();
  }

  /** Refuses an existing model folder (without --overwrite) or an unwritable parent up front. */
  private static void checkModelTarget(TrainingConfig config, Configuration hadoop)
      throws IOException {
    Path target = new Path(config.run().model());
    FileSystem fs = target.getFileSystem(hadoop);
    if (fs.exists(target) && !config.run().overwrite()) {
      throw new OutputExistsException(
          config.run().model() + ": already exists; choose another --model or pass --overwrite");
    }
    Path parent = target.getParent();
    Path probe = new Path(parent, "." + target.getName() + ".probe-" + UUID.randomUUID());
    try {
      if (!fs.mkdirs(probe)) {
        throw new IOException("mkdirs returned false");
      }
    } catch (IOException e) {
      throw new OutputExistsException(
          config.run().model() + ": cannot write in " + parent + ": " + e.getMessage(), e);
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
    Provenance provenance = result.provenance(setup, data, UUID.randomUUID().toString(),
        Instant.now().toString(), jsc.version(), jsc.master(),
        (System.nanoTime() - commandStart) / 1e9, Instant.now().toString());
    ObjectNode metadata = provenance.toJson();

    ObjectNode metrics = Json.object();
    MetricsJson.putEpochs(metrics.putArray("epochs"), result.epochs());
    metrics.put("kept_epoch", result.keptEpoch());
    metrics.put("stopped_early", result.stoppedEarly());
    Json.putNumber(metrics, "test_loss", result.test().meanLoss());
    Json.putNumber(metrics, "test_accuracy", result.test().accuracy());
    metrics.put("training_seconds", result.trainingSeconds());
    metrics.put("target_accuracy", config.run().targetAccuracy());
    metrics.put("epoch_reaching_target", result.epochReachingTarget());
    Json.putNumber(metrics, "seconds_to_target", result.secondsToTarget());
    ModelStore.write(config.run().model(), config.run().overwrite(), hadoop, provenance,
        result.params(), metrics,
        Map.of(TrainingReport.FILE, TrainingReport.html(config, data, pictures, result, metadata, metrics)));
  }
}
