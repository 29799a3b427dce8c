package io.sparkgrad.config;

import java.io.Serializable;

/**
 * The run itself: where its data and model are, its seed, what it reports and how it handles
 * failures. Each component is the value of the training key of its name ({@link Groups}).
 *
 * @param seed the seed of every random stream
 * @param checkpointEvery when checkpoints are written (by epochs, by time, or never)
 */
public record Run(
    String data, String model, long seed, double targetAccuracy, boolean overwrite,
    CheckpointSchedule checkpointEvery, boolean resume, DivergencePolicy onDivergence,
    int maxBackoffs)
    implements Serializable {}
