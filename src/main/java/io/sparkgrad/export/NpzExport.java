package io.sparkgrad.export;

import io.sparkgrad.io.Json;
import io.sparkgrad.model.Provenance;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.time.LocalDateTime;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The network as a numpy {@code .npz} (a zip of {@code .npy} files), with the shapes of the
 * textbook's numpy {@code TwoLayerNet}:
 *
 * <pre>
 *   W1.npy     float64 [d, H]    b1.npy  float64 [H]
 *   W2.npy     float64 [H, K]    b2.npy  float64 [K]
 *   meta.json  activation, output function, preprocessing, image size, model id
 * </pre>
 *
 * <p>{@code np.load(f)["W1"]} returns the array; {@code np.load(f)["meta.json"]} returns the JSON
 * bytes (numpy hands back the raw bytes of a member that is not a {@code .npy}). Entries carry a
 * fixed timestamp, so the same model always exports to the same bytes.
 */
public final class NpzExport {
  public static final String META = "meta.json";
  private static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

  private NpzExport() {}

  /** Writes the archive to {@code out} (and closes it). */
  public static void write(
      OutputStream out, NetworkSpec spec, double[] params, int imageRows, int imageCols,
      String modelId) throws IOException {
    ParameterLayout layout = spec.layout();
    layout.checkSize("parameters", params.length);
    int d = layout.inputs();
    int hidden = layout.hidden();
    int k = layout.outputs();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      // The layout's W1 block (H×d column-major) is numpy's W1[d, H] row-major, byte for byte;
      // likewise W2 (K×H column-major = W2[H, K] row-major).
      entry(zip, "W1.npy");
      Npy.writeFloat64(zip, params, layout.w1Offset(), d, hidden);
      entry(zip, "b1.npy");
      Npy.writeFloat64(zip, params, layout.b1Offset(), hidden);
      entry(zip, "W2.npy");
      Npy.writeFloat64(zip, params, layout.w2Offset(), hidden, k);
      entry(zip, "b2.npy");
      Npy.writeFloat64(zip, params, layout.b2Offset(), k);
      entry(zip, META);
      zip.write(Json.toBytes(meta(spec, imageRows, imageCols, modelId)));
      zip.closeEntry();
    }
  }

  static ObjectNode meta(NetworkSpec spec, int imageRows, int imageCols, String modelId) {
    ObjectNode meta = Json.object();
    meta.put("format", "sparkgrad-npz");
    meta.put("format_version", 1);
    meta.put("model_id", modelId);
    Provenance.putArchitecture(meta, spec, imageRows, imageCols);
    ObjectNode preprocessing = meta.putObject("preprocessing");
    preprocessing.put("pixel_scale", "x / 255 (bytes 0..255 to [0, 1])");
    preprocessing.put("layout", "each image flattened row-major to image_rows*image_cols inputs");
    meta.put("forward", "y = " + spec.output().label()
        + "(h(x @ W1 + b1) @ W2 + b2), h = " + spec.activation().label()
        + "; predicted class = argmax(y)");
    return meta;
  }

  private static void entry(ZipOutputStream zip, String name) throws IOException {
    zip.closeEntry();
    ZipEntry entry = new ZipEntry(name);
    entry.setTimeLocal(FIXED_TIME);
    zip.putNextEntry(entry);
  }
}
