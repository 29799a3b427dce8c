package io.sparkgrad.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Epoch figures to and from JSON (metrics.json and checkpoints); NaN is written as null. */
public final class MetricsJson {
  private MetricsJson() {}

  public static void putNumber(ObjectNode node, String field, double value) {
    if (Double.isFinite(value)) {
      node.put(field, value);
    } else {
      node.putNull(field);
    }
  }

  private static double number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? Double.NaN : value.asDouble();
  }

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
      putNumber(e, "train_loss", m.trainLoss());
      putNumber(e, "train_accuracy", m.trainAccuracy());
      putNumber(e, "validation_loss", m.validationLoss());
      putNumber(e, "validation_accuracy", m.validationAccuracy());
      putNumber(e, "test_loss", m.testLoss());
      putNumber(e, "test_accuracy", m.testAccuracy());
      e.put("seconds", m.seconds());
      e.put("examples_per_second", m.examplesPerSecond());
      e.put("learning_rate", m.learningRate());
      e.put("training_seconds_so_far", m.trainingSecondsSoFar());
    }
  }

  public static List<EpochMetrics> readEpochs(JsonNode array) {
    List<EpochMetrics> epochs = new ArrayList<>();
    for (JsonNode e : array) {
      epochs.add(new EpochMetrics(e.path("epoch").asInt(), number(e, "train_loss"),
          number(e, "train_accuracy"), number(e, "validation_loss"),
          number(e, "validation_accuracy"), number(e, "test_loss"), number(e, "test_accuracy"),
          number(e, "seconds"), number(e, "examples_per_second"), number(e, "learning_rate"),
          number(e, "training_seconds_so_far")));
    }
    return epochs;
  }
}
