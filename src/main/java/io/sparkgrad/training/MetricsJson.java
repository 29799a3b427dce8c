package io.sparkgrad.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.io.Json;
import java.util.ArrayList;
import java.util.List;

/** Epoch figures to and from JSON (metrics.json and checkpoints); NaN is written as null. */
public final class MetricsJson {
  private MetricsJson() {}

  /** The epochs as a JSON array (see {@link #putEpochs}). */
  public static ArrayNode epochsNode(List<EpochMetrics> epochs) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    putEpochs(array, epochs);
    return array;
  }

  public static void putEpochs(ArrayNode array, List<EpochMetrics> epochs) {
    for (EpochMetrics m : epochs) {
      ObjectNode e = array.addObject();
      e.put("epoch", m.epoch());
      Json.putNumber(e, "train_loss", m.trainLoss());
      Json.putNumber(e, "train_accuracy", m.trainAccuracy());
      Json.putNumber(e, "validation_loss", m.validationLoss());
      Json.putNumber(e, "validation_accuracy", m.validationAccuracy());
      Json.putNumber(e, "test_loss", m.testLoss());
      Json.putNumber(e, "test_accuracy", m.testAccuracy());
      e.put("seconds", m.seconds());
      e.put("examples_per_second", m.examplesPerSecond());
      e.put("learning_rate", m.learningRate());
      e.put("training_seconds_so_far", m.trainingSecondsSoFar());
    }
  }

  public static List<EpochMetrics> readEpochs(JsonNode array) {
    List<EpochMetrics> epochs = new ArrayList<>();
    for (JsonNode e : array) {
      epochs.add(new EpochMetrics(e.path("epoch").asInt(), Json.number(e, "train_loss"),
          Json.number(e, "train_accuracy"), Json.number(e, "validation_loss"),
          Json.number(e, "validation_accuracy"), Json.number(e, "test_loss"),
          Json.number(e, "test_accuracy"), Json.number(e, "seconds"),
          Json.number(e, "examples_per_second"), Json.number(e, "learning_rate"),
          Json.number(e, "training_seconds_so_far")));
    }
    return epochs;
  }
}
