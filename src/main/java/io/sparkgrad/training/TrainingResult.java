package io.sparkgrad.training;

import io.sparkgrad.math.Blas;
import io.sparkgrad.config.TrainingConfig;
import io.sparkgrad.data.LabeledData;
import io.sparkgrad.evaluation.EvaluationSums;
import io.sparkgrad.model.Provenance;
import io.sparkgrad.network.NetworkSpec;
import java.util.List;

/**
 * The outcome of a run: the parameters kept (the best by validation loss under early stopping,
 * else the last), the per-epoch figures, and the final test evaluation of the kept parameters.
 *
 * @param epochReachingTarget first epoch (1-based) whose test accuracy reached the target, or 0
 * @param secondsToTarget training-loop seconds until the end of that epoch, or NaN
 */
public record TrainingResult(
    NetworkSpec spec,
    double[] params,
    List<EpochMetrics> epochs,
    int keptEpoch,
    boolean stoppedEarly,
    EvaluationSums test,
    int partitions,
    int replicas,
    int threadsPerReplica,
    String blasImplementation,
    double trainingSeconds,
    int epochReachingTarget,
    double secondsToTarget) {

  /**
   * The provenance of the model this result becomes: its configuration, the data, and where it
   * ran ({@code created} and {@code finished} are ISO-8601 instants).
   */
  public Provenance provenance(TrainingSetup setup, LabeledData data, String modelId, String created,
      String sparkVersion, String sparkMaster, double commandSecondsBeforeWrite,
      String finished) {
    TrainingConfig config = setup.config();
    return new Provenance(modelId, created, spec, data.train().imageRows(),
        data.train().imageCols(), config.toMap(), new Provenance.Run(config.run().seed(),
            data.source(), data.sha256(), setup.trainCount(),
            setup.validationCount(), data.test().count(), partitions, replicas,
            threadsPerReplica, sparkVersion,
            sparkMaster, System.getProperty("java.version"), blasImplementation,
            // The driver's library (in local mode also the executors'), with its version.
            Blas.get(config.distribution().blas()).library(),
            config.distribution().precision().label(), trainingSeconds,
            commandSecondsBeforeWrite, finished));
  }
}
