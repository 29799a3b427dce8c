package io.sparkgrad.export;

import io.sparkgrad.io.AtomicOutput;
import io.sparkgrad.io.OutputClaim;
import io.sparkgrad.io.OutputKind;
import java.util.List;
import io.sparkgrad.model.ModelStore;
import io.sparkgrad.data.ImageSize;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Writes a loaded model as one file of an {@link ExportFormat}, atomically. */
public final class ModelExport {
  private ModelExport() {}

  /**
   * Writes {@code model} to {@code target} (any Hadoop path) through a temporary sibling that is
   * renamed into place when complete; an existing target is replaced only with
   * {@code overwrite}. Returns the number of bytes written.
   */
  public static long write(
      ModelStore.LoadedModel model, ExportFormat format, String target, boolean overwrite,
      Configuration conf) {
    ImageSize size = ImageSize.of(model);
    long[] written = new long[1];
    // Never onto or into the model folder it reads, and never over a file that is not an export.
    AtomicOutput.write(OutputKind.EXPORT, target, "--out", overwrite,
        List.of(new OutputClaim.Input("--model", model.folder())), conf, (fs, temporary) -> {
      // On a checksummed file system (the local one) write the bare file: no hidden .crc file
      // beside the user's .npz or .onnx.
      FileSystem files = fs instanceof ChecksumFileSystem checksummed
          ? checksummed.getRawFileSystem() : fs;
      try (OutputStream out = files.create(temporary, false)) {
        switch (format) {
          case NPZ -> NpzExport.write(out, model.spec(), model.params(), size.rows(),
              size.cols(), model.modelId());
          case ONNX -> out.write(OnnxExport.encode(model.spec(), model.params(), metadata(model)));
          default -> throw new IllegalStateException("unhandled format " + format);
        }
      }
      written[0] = files.getFileStatus(temporary).getLen();
    });
    return written[0];
  }

  private static Map<String, String> metadata(ModelStore.LoadedModel model) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("sparkgrad.model_id", model.modelId());
    metadata.put("sparkgrad.model_folder", new Path(model.folder()).toString());
    metadata.put("sparkgrad.image_rows", Integer.toString(model.imageRows()));
    metadata.put("sparkgrad.image_cols", Integer.toString(model.imageCols()));
    metadata.put("sparkgrad.preprocessing", "pixels / 255, image flattened row-major");
    return metadata;
  }
}
