package io.sparkgrad.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.evaluation.MetricsTable;
import io.sparkgrad.report.HtmlReport;
import io.sparkgrad.report.ReportContent;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.training.TrainingResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code report.html} that {@code train} writes into the model folder: the training curves of
 * {@code metrics.json} and the trainer's own test evaluation of the kept weights
 * ({@link TrainingResult#test()}, which carries the worst-classified examples), so no extra Spark
 * pass is needed.
 */
final class TrainingReport {
  static final String FILE = "report.html";

  private TrainingReport() {}

  /** {@code pictures}: the pixels of the test split's worst examples, by index. */
  static byte[] html(TrainingConfig config, LabeledData data, Map<Integer, byte[]> pictures,
      TrainingResult result,
      JsonNode metadata, JsonNode metrics) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("model", config.run().model());
    facts.put("model id", metadata.path("model_id").asText());
    facts.put("network", result.spec().describe());
    facts.put("optimizer", config.optimization().optimizer().label() + ", learning rate "
        + config.optimization().learningRate() + " ("
        + config.optimization().lrSchedule().label() + "), batch "
        + config.optimization().batchSize());
    facts.put("epochs", result.epochs().size() + " run, weights of epoch " + result.keptEpoch()
        + " kept" + (result.stoppedEarly() ? " (stopped early)" : ""));
    facts.put("data", data.source());
    facts.put("data SHA-256", MetricsTable.combinedSha256(data.sha256()));
    facts.put("seed", Long.toString(config.run().seed()));
    facts.put("precision, BLAS", config.distribution().precision().label() + ", "
        + result.blasImplementation());
    facts.put("Spark", metadata.path("spark_version").asText() + " on "
        + metadata.path("spark_master").asText() + ", " + result.partitions() + " partitions, "
        + result.replicas() + (result.replicas() == 1 ? " replica" : " replicas") + " × "
        + result.threadsPerReplica() + " threads");
    facts.put("training time", String.format(java.util.Locale.ROOT, "%.1f s",
        result.trainingSeconds()));
    facts.put("finished", metadata.path("finished").asText());
    return HtmlReport.bytes(new ReportContent("sparkgrad training", config.run().model(), facts,
        metrics, "test split of " + data.source() + ", " + result.test().count()
            + " examples, with the kept weights", result.test(), pictures,
        i -> "test #" + i, result.spec(), result.params(), data.test().imageRows(),
        data.test().imageCols()));
  }
}
