package io.sparkgrad.training;

import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.math.ExactSum;
import io.sparkgrad.network.Optimizer;
import io.sparkgrad.worker.JobResult;
import io.sparkgrad.worker.PhaseClock;
import io.sparkgrad.worker.ReplicaWorker;
import io.sparkgrad.worker.StepPlan;
import io.sparkgrad.worker.SyncMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Dispatches one training job: broadcasts the weights (and, for local steps, the optimizer
 * state) as one array, lets every replica (one Spark partition of {@code train} each, see
 * {@link ReplicaLayout#perReplica}) run its share ({@link ReplicaWorker}), tree-
 * aggregates the exact sums, destroys the broadcast, and applies the result on the driver.
 */
final class StepJobs {
  private final JavaSparkContext jsc;
  private final JavaRDD<ExampleBlock> train;
  /** The bench's opt-in timing of the tasks' phases; null unless configured. */
  private final TaskPhases phases;

  StepJobs(JavaSparkContext jsc, JavaRDD<ExampleBlock> train) {
    this.jsc = jsc;
    this.train = train;
    this.phases = TaskPhases.ifEnabled(jsc);
  }

  /**
   * Runs the job of {@code plan} from {@code params}; throws DivergenceException on a
   * non-finite value.
   */
  JobResult run(StepPlan plan, double[] params, Optimizer optimizer) {
    // Local steps start from the driver's optimizer state; a gradient job needs only weights.
    int stateSize = plan.mode() == SyncMode.LOCAL_STEPS ? optimizer.stateSize() : 0;
    double[] state = stateSize > 0 ? optimizer.state() : new double[0];
    Broadcast<double[][]> weights = jsc.broadcast(new double[][] {params, state});
    int size = params.length;
    TaskPhases phases = this.phases;
    try {
      JobResult result = train
          .mapPartitions(blocks -> {
            if (phases != null) {
              phases.start();
            }
            List<ExampleBlock> list = new ArrayList<>();
            blocks.forEachRemaining(list::add);
            PhaseClock.mark(PhaseClock.Phase.BLOCKS);
            double[][] w = weights.value();
            PhaseClock.mark(PhaseClock.Phase.READ_WEIGHTS);
            FaultInjection.beforeTask(plan.epoch(), plan.firstStep());
            ReplicaWorker<?> worker = ReplicaWorker.create(plan, list);
            PhaseClock.mark(PhaseClock.Phase.CREATE);
            // A float32 result's update is formed from the broadcast's weights where results
            // meet, so the result carries 4 bytes a value and no copy of them.
            JobResult.StartWeights start = () -> weights.value()[0];
            JobResult own = worker.run(w[0], w[1], start);
            if (phases != null) {
              PhaseClock.mark(PhaseClock.Phase.ASSEMBLE);
              phases.finish();
            }
            return Collections.singletonList(own).iterator();
          })
          .treeAggregate(new JobResult(size, stateSize), JobResult::merge, JobResult::merge);
      if (result.nonFiniteValue().isPresent()) {
        throw new DivergenceException(plan.epoch() + 1, plan.firstStep() + 1,
            "a gradient or update value is " + result.nonFiniteValue().getAsDouble(), null);
      }
      return result;
    } catch (DivergenceException e) {
      throw e;
    } catch (Exception e) { // SparkException is checked in Java's eyes, though not declared
      ExactSum.NonFiniteValueException cause = DivergenceGuard.nonFiniteCause(e);
      if (cause != null) {
        throw new DivergenceException(plan.epoch() + 1, plan.firstStep() + 1,
            "a gradient or update value is " + cause.value(), e);
      }
      throw e instanceof RuntimeException runtime ? runtime : new SparkJobException(e);
    } finally {
      weights.destroy();
    }
  }

  /** Updates {@code params} (and the optimizer) with a job's result. */
  static void apply(StepPlan plan, JobResult result, double[] params, Optimizer optimizer) {
    if (result.examples() == 0) {
      return;
    }
    if (plan.mode() == SyncMode.GRADIENT) {
      double[] grad = result.vector(1.0 / result.examples());
      optimizer.step(params, grad, plan.learningRates()[0]);
    } else {
      double[] update = result.vector(1.0 / result.examples());
      for (int i = 0; i < params.length; i++) {
        params[i] += update[i];
      }
      optimizer.setState(result.state(1.0 / result.examples()));
    }
  }
}
