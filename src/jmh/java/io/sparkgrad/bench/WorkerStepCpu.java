package io.sparkgrad.bench;

import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.OptimizerKind;
import io.sparkgrad.worker.ExampleNoise;
import io.sparkgrad.worker.ReplicaWorker;
import io.sparkgrad.worker.StepPlan;
import io.sparkgrad.worker.SyncMode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;

/**
 * {@link WorkerStepBench}'s job timed by the calling thread's CPU time as well as the wall
 * clock: on a machine shared with other work, a preempted thread's wall time grows but its CPU
 * time does not, so CPU medians compare two builds where JMH's wall-clock scores swing by ±50%.
 * With more than one thread the CPU figure is the calling thread's alone (the wall figure then
 * counts).
 *
 * <p>Usage: {@code java --add-modules=jdk.incubator.vector -cp
 * target/test-classes:target/classes:$(cat target/classpath.txt) io.sparkgrad.bench.WorkerStepCpu
 * ROWS JOBS [THREADS]}; prints the median, quartiles and minimum per step over JOBS jobs of
 * {@value WorkerStepBench#STEPS} steps after 10 warm-up jobs.
 */
public final class WorkerStepCpu {
  private WorkerStepCpu() {}

  public static void main(String[] args) {
    int rows = Integer.parseInt(args[0]);
    int jobs = Integer.parseInt(args[1]);
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    WorkerStepBench bench = new WorkerStepBench();
    bench.setUp();
    List<ExampleBlock> blocks = bench.blocks();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    double[] cpu = new double[jobs];
    double[] wall = new double[jobs];
    for (int j = -10; j < jobs; j++) {
      StepPlan plan = new StepPlan(bench.spec(), Precision.FLOAT32, BlasChoice.AUTO,
          SyncMode.LOCAL_STEPS, OptimizerKind.ADAM, 0, ExampleNoise.NONE, 28, 28, 7,
          WorkerStepBench.EXAMPLES, rows, Math.floorMod(j, 4), 0, bench.rates(), threads);
      long cpu0 = mx.getCurrentThreadCpuTime();
      long wall0 = System.nanoTime();
      ReplicaWorker.create(plan, blocks).run(bench.params(), bench.state());
      if (j >= 0) {
        cpu[j] = (mx.getCurrentThreadCpuTime() - cpu0) / 1e3 / WorkerStepBench.STEPS;
        wall[j] = (System.nanoTime() - wall0) / 1e3 / WorkerStepBench.STEPS;
      }
    }
    Arrays.sort(cpu);
    Arrays.sort(wall);
    System.out.printf("%d threads, %d rows a step: CPU per step median %.0f µs (quartiles %.0f–%.0f,"
        + " min %.0f); wall median %.0f µs (min %.0f)%n", threads, rows, cpu[jobs / 2],
        cpu[jobs / 4], cpu[3 * jobs / 4], cpu[0], wall[jobs / 2], wall[0]);
  }
}
