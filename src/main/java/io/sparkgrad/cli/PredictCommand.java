package io.sparkgrad.cli;

import io.sparkgrad.data.ParquetData;
import io.sparkgrad.data.Split;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.io.OutputClaim;
import io.sparkgrad.io.OutputKind;
import io.sparkgrad.predict.ImageDecoder;
import io.sparkgrad.data.ImageSize;
import io.sparkgrad.predict.PredictInput;
import io.sparkgrad.predict.PredictionWriter;
import io.sparkgrad.predict.SparkPredictor;
import io.sparkgrad.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * {@code sparkgrad predict --model <folder> --input <path> --out <path>}: class predictions for
 * IDX images, a Parquet table from {@code prepare}, or PNG/JPEG files, written with Spark SQL.
 */
final class PredictCommand {
  static final String USAGE = "usage: sparkgrad predict --model <folder> --input <path>"
      + " --out <path> [--format parquet|csv] [--split test|train|all] [--max-pixels N]"
      + " [--master URL] [--overwrite]\n\n"
      + "--input is one of:\n"
      + "  an IDX images file (raw or .gz)          id column: index\n"
      + "  an IDX folder or a Parquet table          id columns: split, index, label;"
      + " --split picks the split(s) [default: test]\n"
      + "  a PNG/JPEG file, a folder of them, or a glob such as 'digits/*.png'   id column: file\n"
      + "    (converted like MNIST digits: grayscale, light digit on dark, cropped, scaled into"
      + " 20/28 of the model's image, centred by centre of mass)\n\n"
      + "options:\n"
      + "  --format parquet|csv   output format [default: parquet]; csv is one part file with a"
      + " header\n"
      + "  --max-pixels N         refuse images whose header declares more than N pixels"
      + " [default: " + ImageDecoder.DEFAULT_MAX_PIXELS + "]\n"
      + "  --master URL           Spark master when not set by spark-submit [default: local[*]]\n"
      + "  --overwrite            replace an existing --out\n\n"
      + "Columns: the id column(s), predicted, probability (of the predicted class), p0 … p(K-1).";

  private final PrintStream out;

  PredictCommand(PrintStream out) {
    this.out = out;
  }

  ExitCode run(List<String> args) throws IOException {
    Map<String, String> options = SimpleOptions.parse(args,
        List.of("model", "input", "out", "format", "split", "max-pixels", "master"),
        List.of("overwrite"));
    if (options.containsKey("help")) {
      out.println(USAGE);
      return ExitCode.OK;
    }
    String modelPath = SimpleOptions.required(options, "model");
    String inputPath = SimpleOptions.required(options, "input");
    String target = SimpleOptions.required(options, "out");
    PredictionWriter.Format format;
    try {
      format = PredictionWriter.Format.parse("format", options.getOrDefault("format", "parquet"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    List<Split> splits = parseSplits(options.getOrDefault("split", "test"));
    long maxPixels = parseMaxPixels(options.get("max-pixels"));
    boolean overwrite = flag(options, "overwrite");

    String master = options.getOrDefault("master", "local[*]");
    MasterUrl.check(master);

    // Model, output and input are checked before Spark starts; the output stays claimed until
    // it is written.
    Configuration hadoop = new Configuration();
    ModelStore.LoadedModel model = ModelStore.read(modelPath, hadoop);
    ImageSize size = ImageSize.of(model);
    try (OutputClaim claim = OutputClaim.take(OutputKind.PREDICTIONS, target, "--out", overwrite,
        List.of(new OutputClaim.Input("--model", modelPath),
            new OutputClaim.Input("--input", globBase(inputPath))), hadoop)) {
      claim.cleaned().forEach(line -> out.println("sparkgrad: " + line));
      return predict(model, size, inputPath, target, claim, format, splits, maxPixels, options, master,
          hadoop);
    } finally {
      Interruption.clear();
    }
  }

  private ExitCode predict(ModelStore.LoadedModel model, ImageSize size, String inputPath,
      String target, OutputClaim claim, PredictionWriter.Format format, List<Split> splits, long maxPixels,
      Map<String, String> options, String master, Configuration hadoop) throws IOException {
    Interruption.stage(out, "reading the input " + inputPath, null, null);
    PredictInput input = PredictInput.detect(inputPath, hadoop);
    boolean hasSplits = input.kind() == PredictInput.Kind.IDX_FOLDER
        || input.kind() == PredictInput.Kind.PARQUET_TABLE;
    if (options.containsKey("split") && !hasSplits) {
      throw new ConfigException("--split: applies to an IDX folder or a Parquet table; the input"
          + " is " + (input.kind() == PredictInput.Kind.IMAGE_FILES
              ? input.files().size() + " image file(s)" : "an " + input.kind().description()));
    }

    try (SparkSessions sessions = SparkSessions.start("sparkgrad-predict", master)) {
      SparkSession spark = sessions.session();
      Interruption.stage(out, "predicting and writing " + target, null, null);
      try (SparkPredictor.Predictions predictions =
          SparkPredictor.predict(spark, model, input, splits, maxPixels)) {
        PredictionWriter.write(predictions.frame(), format, claim);
        out.printf(Locale.ROOT, "predicted %d %s from %s (%s%s) with model %s (%s, %s images)%n",
            predictions.count(), predictions.count() == 1 ? "example" : "examples",
            input.path(), input.kind().description(),
            hasSplits ? ", split " + splitLabel(splits) : "", model.modelId(),
            model.spec().describe(), size);
        if (hasSplits) {
          long correct = predictions.frame()
              .where(functions.col(ParquetData.LABEL)
                  .equalTo(functions.col(SparkPredictor.PREDICTED)))
              .count();
          out.printf(Locale.ROOT, "accuracy against the labels: %.2f%% (%d of %d)%n",
              100.0 * correct / predictions.count(), correct, predictions.count());
        }
        out.println("wrote " + format.label() + ": " + target);
      }
    }
    return ExitCode.OK;
  }

  /** The folder a glob such as 'digits/*.png' reads from ('digits'); the path itself otherwise. */
  static String globBase(String input) {
    int glob = -1;
    for (char c : new char[] {'*', '?', '[', '{'}) {
      int at = input.indexOf(c);
      if (at >= 0 && (glob < 0 || at < glob)) {
        glob = at;
      }
    }
    if (glob < 0) {
      return input;
    }
    int slash = input.lastIndexOf('/', glob);
    return slash <= 0 ? "." : input.substring(0, slash);
  }

  static List<Split> parseSplits(String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "test":
        return List.of(Split.TEST);
      case "train":
        return List.of(Split.TRAIN);
      case "all":
        return List.of(Split.TRAIN, Split.TEST);
      default:
        throw new ConfigException("split: expected one of test, train, all; found '" + value + "'");
    }
  }

  private static String splitLabel(List<Split> splits) {
    return splits.size() == 1 ? splits.get(0).label() : "all";
  }

  private static long parseMaxPixels(String value) {
    if (value == null) {
      return ImageDecoder.DEFAULT_MAX_PIXELS;
    }
    try {
      long parsed = Long.parseLong(value.trim());
      if (parsed >= 1) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new ConfigException("max-pixels: expected an integer ≥ 1; found '" + value + "'");
  }

  static boolean flag(Map<String, String> options, String key) {
    String value = options.get(key);
    if (value == null) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new ConfigException(key + ": expected true or false; found '" + value + "'");
  }
}
