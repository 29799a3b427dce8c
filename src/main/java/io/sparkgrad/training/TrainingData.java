package io.sparkgrad.training;

import io.sparkgrad.data.LabeledImages;
import java.util.Map;

/**
 * The data of a run: training and test examples, and the SHA-256 of each input file (for the
 * model's provenance; empty when the data did not come from files).
 */
public record TrainingData(
    String location, LabeledImages train, LabeledImages test, Map<String, String> inputSha256) {}
