package io.sparkgrad.config;

import java.io.Serializable;

/**
 * The run itself: where its data and model are, its seed, what it reports and how it handles
 * failures. Each component is the value of the training key of its name ({@link Groups}).
 *
 * @param seed the seed of every random stream
 * @param checkpointEvery 0 = no checkpoints
 */
public record Run(
    String data, String model, long seed, double targetAccuracy, boolean overwrite,
    int checkpointEvery, boolean resume, DivergencePolicy onDivergence, int maxBackoffs)
    implements Serializable {}
