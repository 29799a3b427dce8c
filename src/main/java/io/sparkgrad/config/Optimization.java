package io.sparkgrad.config;

import io.sparkgrad.network.LearningRateSchedule;
import io.sparkgrad.network.OptimizerKind;
import java.io.Serializable;

/**
 * How the weights move. Each component is the value of the training key of its name
 * ({@link Groups}).
 *
 * @param learningRate the base rate ("auto" resolved to the optimizer's usual rate)
 */
public record Optimization(
    int epochs, OptimizerKind optimizer, double learningRate, LearningRateSchedule lrSchedule,
    double lrDecayFactor, int lrDecayEpochs, double warmupEpochs, int batchSize)
    implements Serializable {}
