package io.sparkgrad.cli;

import io.sparkgrad.data.ParquetData;
import io.sparkgrad.data.Split;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.io.OutputExistsException;
import io.sparkgrad.predict.ImageDecoder;
import io.sparkgrad.data.ImageSize;
import io.sparkgrad.predict.PredictInput;
import io.sparkgrad.predict.PredictionWriter;
import io.sparkgrad.predict.SparkPredictor;
import io.sparkgrad.config.CommandLine;
import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.Key;
import io.sparkgrad.config.KeyTable;
import io.sparkgrad.config.Values;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
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
  private static final KeyTable.Builder O = KeyTable.builder("--");
  static final Key<String> MODEL = O.key("model", "the model folder").hint("FOLDER").text()
      .required();
  static final Key<String> INPUT = O.key("input", "the images to classify (see above)")
      .hint("PATH").text().required();
  static final Key<String> OUT = O.key("out", "where the predictions go").hint("PATH").text()
      .required();
  static final Key<PredictionWriter.Format> FORMAT = O.key("format",
      "output format; csv is one part file with a header").hint("parquet|csv")
      .parsedBy((label, text) -> PredictionWriter.Format.parse("format", text),
          PredictionWriter.Format::label)
      .defaultValue("parquet");
  static final Key<List<Split>> SPLIT = O.key("split",
      "the split(s) of an IDX folder or a Parquet table").hint("test|train|all")
      .parsedBy((label, text) -> parseSplits(text), PredictCommand::splitLabel)
      .defaultValue("test");
  static final Key<Long> MAX_PIXELS = O.key("max-pixels",
      "refuse images whose header declares more than N pixels").hint("N")
      .parsedBy((label, text) -> parseMaxPixels(text), n -> Long.toString(n))
      .defaultValue(Long.toString(ImageDecoder.DEFAULT_MAX_PIXELS));
  static final Key<String> MASTER = O.key("master", "Spark master when not set by spark-submit")
      .hint("URL").text().defaultValue("local[*]");
  static final Key<Boolean> OVERWRITE = O.key("overwrite", "replace an existing --out").flag()
      .defaultValue("false");
  static final KeyTable OPTIONS = O.build();

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
      + "options:\n" + OPTIONS.help() + "\n"
      + "Columns: the id column(s), predicted, probability (of the predicted class), p0 … p(K-1).";

  private final PrintStream out;

  PredictCommand(PrintStream out) {
    this.out = out;
  }

  ExitCode run(List<String> args) throws IOException {
    CommandLine line = CommandLine.parse(args, OPTIONS);
    if (line.help()) {
      out.println(USAGE);
      return ExitCode.OK;
    }
    Values options = line.values(OPTIONS);
    String modelPath = options.get(MODEL);
    String inputPath = options.get(INPUT);
    String target = options.get(OUT);
    PredictionWriter.Format format = options.get(FORMAT);
    List<Split> splits = options.get(SPLIT);
    long maxPixels = options.get(MAX_PIXELS);
    boolean overwrite = options.get(OVERWRITE);

    // Model, output and input are checked before Spark starts.
    Configuration hadoop = new Configuration();
    ModelStore.LoadedModel model = ModelStore.read(modelPath, hadoop);
    ImageSize size = ImageSize.of(model);
    Path outPath = new Path(target);
    FileSystem outFs = outPath.getFileSystem(hadoop);
    if (outFs.exists(outPath) && !overwrite) {
      throw new OutputExistsException(
          target + ": already exists; choose another --out or pass --overwrite");
    }
    PredictInput input = PredictInput.detect(inputPath, hadoop);
    boolean hasSplits = input.kind() == PredictInput.Kind.IDX_FOLDER
        || input.kind() == PredictInput.Kind.PARQUET_TABLE;
    if (options.given(SPLIT) && !hasSplits) {
      throw new ConfigException("--split: applies to an IDX folder or a Parquet table; the input"
          + " is " + (input.kind() == PredictInput.Kind.IMAGE_FILES
              ? input.files().size() + " image file(s)" : "an " + input.kind().description()));
    }

    try (SparkSessions sessions = SparkSessions.start(
        "sparkgrad-predict", options.get(MASTER))) {
      SparkSession spark = sessions.session();
      try (SparkPredictor.Predictions predictions =
          SparkPredictor.predict(spark, model, input, splits, maxPixels)) {
        PredictionWriter.write(predictions.frame(), format, target, overwrite,
            spark.sparkContext().hadoopConfiguration());
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
}
