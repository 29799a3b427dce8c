package io.sparkgrad.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.network.NetworkSpec;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * What a report shows. Every string is plain text (the report escapes it).
 *
 * @param title the page title, e.g. "sparkgrad evaluation"
 * @param subtitle one line under the title (the model path, say)
 * @param facts label → value pairs shown in order (model id, data, SHA-256, run date, ...)
 * @param trainingMetrics the model's {@code metrics.json} (its {@code epochs} array draws the
 *     training curves), or null when there is none
 * @param evaluationLabel what {@code evaluation} measured, e.g. "test split, 10000 examples"
 * @param evaluation the evaluation sums, with their worst-classified examples
 * @param pictures the pixels ({@code imageRows × imageCols} bytes) of the examples
 *     {@code evaluation.worst()} names, keyed by their index; null to leave the pictures out
 * @param exampleName the caption of the example with a given index (e.g. "test #3")
 * @param spec the network
 * @param params its parameters in {@link io.sparkgrad.network.ParameterLayout} order
 * @param imageRows height of the images the network was trained on
 * @param imageCols width of those images
 */
public record ReportContent(
    String title,
    String subtitle,
    Map<String, String> facts,
    JsonNode trainingMetrics,
    String evaluationLabel,
    EvaluationSums evaluation,
    Map<Integer, byte[]> pictures,
    IntFunction<String> exampleName,
    NetworkSpec spec,
    double[] params,
    int imageRows,
    int imageCols) {

  public ReportContent {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(facts, "facts");
    Objects.requireNonNull(evaluation, "evaluation");
    Objects.requireNonNull(exampleName, "exampleName");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(params, "params");
    spec.layout().checkSize("params", params.length);
  }
}
