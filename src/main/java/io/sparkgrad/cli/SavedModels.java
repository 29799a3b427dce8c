package io.sparkgrad.cli;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.config.TrainingOptions;
import io.sparkgrad.model.ModelFormatException;
import io.sparkgrad.model.ModelStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A model folder as the commands read it: {@link ModelStore#read}'s checks, then the training
 * configuration recorded in metadata.json through the command line's checks (a block-rows of 0
 * would make a reader loop forever). Here rather than in the model package, which does not
 * depend on the configuration's.
 */
final class SavedModels {
  private SavedModels() {}

  /** Reads and validates a model folder, its recorded configuration included. */
  static ModelStore.LoadedModel read(String folder, Configuration conf) {
    ModelStore.LoadedModel model = ModelStore.read(folder, conf);
    config(model);
    return model;
  }

  /**
   * The training configuration recorded in metadata.json, checked like the command line's. Keys
   * a model of an older version did not record take today's defaults.
   */
  static TrainingConfig config(ModelStore.LoadedModel model) {
    String file = model.folder() + "/" + ModelStore.METADATA;
    Map<String, String> values = new LinkedHashMap<>(TrainingOptions.defaults());
    values.put("data", "(recorded data)");
    values.put("model", "(this model)");
    JsonNode recorded = model.metadata().path("config");
    recorded.fieldNames().forEachRemaining(key -> {
      if (values.containsKey(key) && !key.equals("data") && !key.equals("model")) {
        values.put(key, recorded.get(key).asText());
      }
    });
    try {
      return TrainingConfig.fromMap(values);
    } catch (ConfigException e) {
      throw new ModelFormatException(file + ": config." + e.getMessage(), e);
    }
  }
}
