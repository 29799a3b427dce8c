package io.sparkgrad.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.data.IdxSplit;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.data.Split;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.DataSetFormat;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.io.Json;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.model.Provenance;
import io.sparkgrad.io.OutputClaim;
import io.sparkgrad.io.OutputException;
import io.sparkgrad.io.OutputKind;
import io.sparkgrad.training.Checkpoints;
import io.sparkgrad.training.MemoryPlan;
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
    MasterUrl.check(config.distribution().master());
    // Held from here until the model is in place: a second run to the same --model is refused.
    try (OutputClaim claim = OutputClaim.take(OutputKind.MODEL, config.run().model(), "--model",
        config.run().overwrite(),
        List.of(new OutputClaim.Input("--data", config.run().data())), hadoop)) {
      claim.cleaned().forEach(cleaned -> err.println("sparkgrad: " + cleaned));
      prepareCheckpointFolder(config, hadoop);
      return train(config, hadoop, claim, commandStart);
    } finally {
      Interruption.clear();
    }
  }

  private ExitCode train(TrainingConfig config, Configuration hadoop, OutputClaim claim,
      long commandStart) throws IOException {
    Interruption.stage(out, "loading the data from " + config.run().data(), resumeHint(config),
        localCheckpoints(config));
    DataSetFormat format = DataSetFormat.detect(new Path(config.run().data()), hadoop);
    if (format == DataSetFormat.IDX_FOLDER) {
      // From the IDX headers alone: a data set larger than the heap is refused before loading.
      int[] shape = idxShape(config.run().data(), hadoop);
      if (shape != null) {
        checkMemory(config, shape[0], shape[1], Math.max(config.network().classes(), 10));
      }
    }
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
    startBeside(config, trainSplit, commandStart);
    // IDX data needs only RDDs: no Spark SQL session (docs/benchmarks/startup.md).
    try (SparkSessions sessions = folder != null
        ? SparkSessions.startContext("sparkgrad-train", config.distribution().master())
        : SparkSessions.start("sparkgrad-train", config.distribution().master())) {
      LOG.info("start-up: Spark session ready after {} s",
          String.format(Locale.ROOT, "%.2f", (System.nanoTime() - commandStart) / 1e9));
      JavaSparkContext jsc = sessions.context();
      LabeledData data = folder != null
          ? LabeledData.idx(jsc, folder, trainSplit, testSplit, config.network().classes(), hadoop)
          : LabeledData.parquet(sessions.session(), config.run().data(),
              config.network().classes());
      // spark-submit's --master wins over the configured one: record what is really used.
      config = config.with(TrainingKeys.MASTER, jsc.master());
      TrainingSetup setup = TrainingSetup.of(config, data);
      checkPartitions(config, setup);
      MemoryPlan plan = checkMemory(config, (long) data.train().count() + data.test().count(),
          data.train().features(), setup.classes());
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
      out.printf(Locale.ROOT, "memory plan: %s; driver heap %s%n",
          plan.describe(MasterUrl.localCores(MasterUrl.effective(config.distribution().master()))),
          MemoryPlan.size(Runtime.getRuntime().maxMemory()));
      Checkpoints checkpoints = config.run().checkpointEvery().never()
          ? null : new Checkpoints(config.run().model(), hadoop);
      Interruption.stage(out, "training", resumeHint(config), localCheckpoints(config));
      TrainingResult result = new SparkTrainer(jsc, new ConsoleListener(out, err))
          .train(setup, data, checkpoints);
      Interruption.stage(out, "writing the model to " + config.run().model(), resumeHint(config),
          localCheckpoints(config));
      Map<Integer, byte[]> pictures = data.test().pixelsOf(jsc, worstIndices(result.test()));
      writeModel(config, data, pictures, setup, result, jsc, claim, commandStart);
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
   * Start-up work that needs no Spark, on a thread of its own while Spark starts
   * (docs/benchmarks/startup.md): the BLAS library is loaded (in local mode the driver's is also
   * the executors'), and, when this JVM is the executor, the training step is compiled
   * ({@link StepWarmup}) on the image size of {@code split} (IDX data; null: not known yet).
   * A JVM where Spark already runs (an application embedding sparkgrad, or a test) is not
   * warmed: it is not this command's to spend.
   */
  private static void startBeside(TrainingConfig config, IdxSplit split, long commandStart) {
    BlasChoice blas = config.distribution().blas();
    boolean warm = split != null
        && MasterUrl.localCores(MasterUrl.effective(config.distribution().master())) > 0
        && SparkSession.getDefaultSession().isEmpty();
    int classes = config.network().classes() > 0 ? config.network().classes() : 10;
    CompletableFuture.runAsync(() -> {
      try {
        Blas.get(blas);
      } catch (RuntimeException refused) {
        return; // reported where the BLAS is first used on the main thread
      }
      if (warm) {
        try {
          StepWarmup.run(config, split.imageRows(), split.imageCols(), classes);
          LOG.info("start-up: training step compiled after {} s",
              String.format(Locale.ROOT, "%.2f", (System.nanoTime() - commandStart) / 1e9));
        } catch (RuntimeException e) {
          // Only epoch 1 is slower for it: the run itself reports any real problem.
          LOG.info("start-up: the training step's warm-up stopped: {}", e.toString());
        }
      }
    }, TrainCommand::startThread);
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

  /**
   * Refuses a run that cannot fit ({@link MemoryPlan}): a local master's one heap, or the
   * driver's heap and spark.executor.memory.
   */
  private static MemoryPlan checkMemory(
      TrainingConfig config, long examples, int features, int classes) {
    MemoryPlan plan = MemoryPlan.of(config, examples, features, classes);
    String master = MasterUrl.effective(config.distribution().master());
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
    int examples = setup.trainCount();
    if (config.distribution().partitions() > examples) {
      throw new io.sparkgrad.config.ConfigException("partitions: expected at most the "
          + examples + " training examples (a partition without examples is an empty task);"
          + " found " + config.distribution().partitions());
    }
  }

  /**
   * Existing checkpoints belong to an earlier run: kept for --resume, discarded only with
   * --overwrite (and only when they are sparkgrad's checkpoints), refused otherwise.
   */
  private static void prepareCheckpointFolder(TrainingConfig config, Configuration hadoop)
      throws IOException {
    Path folder = new Checkpoints(config.run().model(), hadoop).folder();
    OutputClaim.checkApart(folder.toString(), "--model", List.of(
        new OutputClaim.Input("--data", config.run().data())), hadoop);
    FileSystem fs = folder.getFileSystem(hadoop);
    if (!fs.exists(folder) || config.run().resume()) {
      return;
    }
    if (!config.run().overwrite()) {
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
    return config.run().checkpointEvery().beforeFirst();
  }

  /** The checkpoint folder on the local disk, for naming the newest on a signal; else null. */
  private static java.nio.file.Path localCheckpoints(TrainingConfig config) {
    java.net.URI uri = new Path(config.run().model() + ".checkpoints").toUri();
    if (config.run().checkpointEvery().never() || (uri.getScheme() != null
        && !uri.getScheme().equals("file"))) {
      return null;
    }
    return java.nio.file.Paths.get(uri.getPath());
  }

  /** The indices of the worst-classified examples, whose pictures a report shows. */
  static List<Integer> worstIndices(EvaluationSums sums) {
    return sums.worst().stream().map(EvaluationSums.Example::index).toList();
  }

  private static void writeModel(
      TrainingConfig config, LabeledData data, Map<Integer, byte[]> pictures, TrainingSetup setup,
      TrainingResult result, JavaSparkContext jsc, OutputClaim claim, long commandStart) {
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
    ModelStore.write(claim, provenance, result.params(), metrics, Map.of(TrainingReport.FILE,
        TrainingReport.html(config, data, pictures, result, metadata, metrics)));
  }
}
