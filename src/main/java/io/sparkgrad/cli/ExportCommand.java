package io.sparkgrad.cli;

import io.sparkgrad.export.ExportFormat;
import io.sparkgrad.export.ModelExport;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.config.ConfigException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code sparkgrad export --model <folder> --format npz|onnx --out <file>}: the weights in a form
 * numpy or ONNX tools read. Runs on the driver alone (no Spark job).
 */
final class ExportCommand {
  static final String USAGE = "usage: sparkgrad export --model <folder> --out <file>"
      + " [--format npz|onnx] [--overwrite]\n\n"
      + "  --format npz    W1 [in, H], b1 [H], W2 [H, out], b2 [out] as float64 .npy arrays and"
      + " meta.json\n"
      + "  --format onnx   float32 graph: input [N, in] → Gemm → activation → Gemm → Softmax →"
      + " probabilities [N, out]\n"
      + "  --format may be left out when --out ends with .npz or .onnx.\n"
      + "  --overwrite     replace an existing --out";

  private final PrintStream out;

  ExportCommand(PrintStream out) {
    this.out = out;
  }

  ExitCode run(List<String> args) {
    Map<String, String> options =
        SimpleOptions.parse(args, List.of("model", "format", "out"), List.of("overwrite"));
    if (options.containsKey("help")) {
      out.println(USAGE);
      return ExitCode.OK;
    }
    String modelPath = SimpleOptions.required(options, "model");
    String target = SimpleOptions.required(options, "out");
    ExportFormat named = ExportFormat.ofFileName(target);
    ExportFormat format;
    if (options.containsKey("format")) {
      try {
        format = ExportFormat.parse("format", options.get("format"));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      }
      if (named != null && named != format) {
        throw new ConfigException("--out: its extension ." + named.label() + " names another"
            + " format than --format " + format.label() + "; make them agree");
      }
    } else if (named != null) {
      format = named;
    } else {
      throw new ConfigException(
          "--format: required (npz or onnx) when --out does not end with .npz or .onnx");
    }
    boolean overwrite = PredictCommand.flag(options, "overwrite");
    ModelStore.LoadedModel model = ModelStore.read(modelPath, new Configuration());
    long bytes = ModelExport.write(model, format, target, overwrite, new Configuration());
    out.printf("exported model %s (%s) as %s: %s (%d bytes)%n", model.modelId(),
        model.spec().describe(), format.label(), target, bytes);
    return ExitCode.OK;
  }
}
