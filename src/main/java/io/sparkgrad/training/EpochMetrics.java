package io.sparkgrad.training;

/**
 * Figures of one epoch. Train loss and accuracy are measured on each mini-batch just before its
 * step (so they trail the weights slightly); validation and test figures use the weights at the
 * end of the epoch. Validation figures are NaN when no validation split is held out.
 */
public record EpochMetrics(
    int epoch,
    double trainLoss,
    double trainAccuracy,
    double validationLoss,
    double validationAccuracy,
    double testLoss,
    double testAccuracy,
    double seconds,
    double examplesPerSecond,
    double learningRate,
    double trainingSecondsSoFar) {}
