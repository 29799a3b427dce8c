package io.sparkgrad.cli;

import io.sparkgrad.export.ExportFormat;
import io.sparkgrad.export.ModelExport;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.config.CommandLine;
import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.Key;
import io.sparkgrad.config.KeyTable;
import io.sparkgrad.config.Values;
import java.io.PrintStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code sparkgrad export --model <folder> --format npz|onnx --out <file>}: the weights in a form
 * numpy or ONNX tools read. Runs on the driver alone (no Spark job).
 */
final class ExportCommand {
  private static final KeyTable.Builder O = KeyTable.builder("--");
  static final Key<String> MODEL = O.key("model", "the model folder").hint("FOLDER").text()
      .required();
  static final Key<ExportFormat> FORMAT = O.key("format", "npz or onnx (see above)")
      .hint("npz|onnx").parsedBy((label, text) -> ExportFormat.parse("format", text),
          ExportFormat::label)
      .optional("from the extension of --out");
  static final Key<String> OUT = O.key("out", "the file to write").hint("FILE").text().required();
  static final Key<Boolean> OVERWRITE = O.key("overwrite", "replace an existing --out").flag()
      .defaultValue("false");
  static final KeyTable OPTIONS = O.build();

  static final String USAGE = "usage: sparkgrad export --model <folder> --out <file>"
      + " [--format npz|onnx] [--overwrite]\n\n"
      + "  --format npz    W1 [in, H], b1 [H], W2 [H, out], b2 [out] as float64 .npy arrays and"
      + " meta.json\n"
      + "  --format onnx   float32 graph: input [N, in] → Gemm → activation → Gemm → Softmax →"
      + " probabilities [N, out]\n"
      + "  --format may be left out when --out ends with .npz or .onnx.\n\n"
      + "options:\n" + OPTIONS.help();

  private final PrintStream out;

  ExportCommand(PrintStream out) {
    this.out = out;
  }

  ExitCode run(List<String> args) {
    CommandLine line = CommandLine.parse(args, OPTIONS);
    if (line.help()) {
      out.print(USAGE);
      return ExitCode.OK;
    }
    Values options = line.values(OPTIONS);
    String modelPath = options.get(MODEL);
    String target = options.get(OUT);
    ExportFormat named = ExportFormat.ofFileName(target);
    ExportFormat format = options.get(FORMAT);
    if (format != null) {
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
    boolean overwrite = options.get(OVERWRITE);
    ModelStore.LoadedModel model = ModelStore.read(modelPath, new Configuration());
    long bytes = ModelExport.write(model, format, target, overwrite, new Configuration());
    out.printf("exported model %s (%s) as %s: %s (%d bytes)%n", model.modelId(),
        model.spec().describe(), format.label(), target, bytes);
    return ExitCode.OK;
  }
}
