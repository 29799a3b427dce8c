package io.sparkgrad.config;

import java.util.Objects;

/** The run itself: where its data and model are, its seed, reporting and failure handling. */
public record Run(Values values) {
  public Run {
    Objects.requireNonNull(values, "values");
  }

  public String data() {
    return values.get(TrainingKeys.DATA);
  }

  public String model() {
    return values.get(TrainingKeys.MODEL);
  }

  /** The seed of every random stream. */
  public long seed() {
    return values.get(TrainingKeys.SEED);
  }

  public double targetAccuracy() {
    return values.get(TrainingKeys.TARGET_ACCURACY);
  }

  public boolean overwrite() {
    return values.get(TrainingKeys.OVERWRITE);
  }

  /** 0 = no checkpoints. */
  public int checkpointEvery() {
    return values.get(TrainingKeys.CHECKPOINT_EVERY);
  }

  public boolean resume() {
    return values.get(TrainingKeys.RESUME);
  }

  public DivergencePolicy onDivergence() {
    return values.get(TrainingKeys.ON_DIVERGENCE);
  }

  public int maxBackoffs() {
    return values.get(TrainingKeys.MAX_BACKOFFS);
  }
}
