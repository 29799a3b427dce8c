package io.sparkgrad.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Where the trainer's training jobs spend their time, from Spark's own task metrics: for every
 * stage of a training job (its call site is {@code StepJobs}; evaluation jobs are left out), the
 * stage's wall time and per task the deserialization, the run, the result's serialization, GC,
 * and the launch-to-finish time. What a stage's wall time has beyond its slowest task's run is
 * Spark's share of the job (scheduling, shipping the task and its result). Where the trainer
 * times its tasks' phases (the Spark setting {@code spark.sparkgrad.taskPhases}: one named
 * accumulator a phase, {@code sparkgrad.taskPhase.NAME}), the slowest task's phases too, and
 * what its run has beyond them (the fold of its result into the aggregation's zero value).
 */
final class TrainingJobTimes extends SparkListener {
  /** The trainer's task phases, in its order (io.sparkgrad.worker.PhaseClock.Phase). */
  static final String[] PHASES = {"blocks", "read_weights", "create", "order", "steps", "assemble"};
  private static final String PHASE_PREFIX = "sparkgrad.taskPhase.";
  /** Where a task's phases start in its row. */
  private static final int PHASES_AT = 8;
  private final Map<Integer, List<double[]>> tasksByStage = new LinkedHashMap<>();
  private final List<Map<String, Object>> stages = Collections.synchronizedList(new ArrayList<>());
  /** CPU seconds of every task so far (training and evaluation), run and deserialization. */
  private double allTasksCpu;

  private static boolean training(StageInfo stage) {
    return stage.name().contains("StepJobs") || stage.details().contains("StepJobs");
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
    TaskMetrics m = end.taskMetrics();
    TaskInfo info = end.taskInfo();
    if (m == null) {
      return;
    }
    allTasksCpu += (m.executorCpuTime() + m.executorDeserializeCpuTime()) / 1e9;
    // Phases, then the JVM's and the task thread's CPU during the task, the executor, timed.
    double[] row = new double[PHASES_AT + PHASES.length + 4];
    double[] fixed = {
        m.executorDeserializeTime() / 1e3, m.executorRunTime() / 1e3,
        m.resultSerializationTime() / 1e3, m.jvmGCTime() / 1e3,
        (info.finishTime() - info.launchTime()) / 1e3, info.gettingResultTime() > 0
            ? (info.finishTime() - info.gettingResultTime()) / 1e3 : 0,
        m.executorCpuTime() / 1e9, m.executorDeserializeCpuTime() / 1e9};
    System.arraycopy(fixed, 0, row, 0, fixed.length);
    for (AccumulableInfo a : scala.jdk.javaapi.CollectionConverters.asJava(info.accumulables())) {
      String name = a.name().isDefined() ? a.name().get() : "";
      if (name.startsWith(PHASE_PREFIX) && a.update().isDefined()) {
        String phase = name.substring(PHASE_PREFIX.length());
        int p = phase.equals("process_cpu") ? PHASES.length
            : phase.equals("thread_cpu") ? PHASES.length + 1
            : java.util.Arrays.asList(PHASES).indexOf(phase);
        if (p >= 0) {
          row[PHASES_AT + p] = ((Number) a.update().get()).doubleValue() / 1e6;
          row[row.length - 1] = 1; // this task was timed
        }
      }
    }
    row[PHASES_AT + PHASES.length + 2] = info.executorId().hashCode();
    tasksByStage.computeIfAbsent(end.stageId(), k -> new ArrayList<>()).add(row);
  }

  @Override
  public synchronized void onStageCompleted(SparkListenerStageCompleted completed) {
    StageInfo stage = completed.stageInfo();
    List<double[]> tasks = tasksByStage.remove(stage.stageId());
    if (!training(stage) || tasks == null || stage.submissionTime().isEmpty()
        || stage.completionTime().isEmpty()) {
      return;
    }
    double wall = ((Long) stage.completionTime().get() - (Long) stage.submissionTime().get()) / 1e3;
    double maxRun = 0;
    double maxDeserialize = 0;
    double maxResult = 0;
    double maxGc = 0;
    double maxLaunchToFinish = 0;
    double maxFetch = 0;
    double cpu = 0;
    double[] slowest = tasks.get(0);
    for (double[] t : tasks) {
      if (t[1] > slowest[1]) {
        slowest = t;
      }
      maxDeserialize = Math.max(maxDeserialize, t[0]);
      maxRun = Math.max(maxRun, t[1]);
      maxResult = Math.max(maxResult, t[2]);
      maxGc = Math.max(maxGc, t[3]);
      maxLaunchToFinish = Math.max(maxLaunchToFinish, t[4]);
      maxFetch = Math.max(maxFetch, t[5]);
      cpu += t[6];
    }
    stages.add(Bench.map("stage", stage.stageId(), "tasks", tasks.size(), "wallSeconds", wall,
        "maxRunSeconds", maxRun, "maxDeserializeSeconds", maxDeserialize,
        "maxResultSerializationSeconds", maxResult, "maxGcSeconds", maxGc,
        "maxLaunchToFinishSeconds", maxLaunchToFinish, "maxResultFetchSeconds", maxFetch,
        "cpuSecondsAllTasks", cpu, "slowestTaskPhases", phases(slowest, tasks)));
  }

  /**
   * CPU seconds the JVMs running the stage's timed tasks spent beyond those tasks' threads while
   * they ran (JIT, GC, Spark's threads): per JVM its longest task's process CPU less its tasks'
   * thread CPU, summed over the JVMs.
   */
  private static double otherCpu(List<double[]> tasks) {
    Map<Double, double[]> byJvm = new LinkedHashMap<>();
    for (double[] t : tasks) {
      if (t[t.length - 1] == 0) {
        continue;
      }
      double[] jvm = byJvm.computeIfAbsent(t[PHASES_AT + PHASES.length + 2], k -> new double[2]);
      jvm[0] = Math.max(jvm[0], t[PHASES_AT + PHASES.length]);
      jvm[1] += t[PHASES_AT + PHASES.length + 1];
    }
    return byJvm.values().stream().mapToDouble(j -> Math.max(0, j[0] - j[1])).sum();
  }

  /**
   * A timed task's phases in seconds, its run beyond them, and the stage's JVMs' CPU beyond its
   * tasks' while they ran; null for an untimed task.
   */
  private static Map<String, Object> phases(double[] task, List<double[]> stage) {
    if (task[task.length - 1] == 0) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    double sum = 0;
    for (int p = 0; p < PHASES.length; p++) {
      out.put(PHASES[p], task[PHASES_AT + p]);
      sum += task[PHASES_AT + p];
    }
    out.put("runBeyondPhases", task[1] - sum);
    out.put("otherCpuDuringTasks", otherCpu(stage));
    return out;
  }

  synchronized double allTasksCpuSeconds() {
    return allTasksCpu;
  }

  /** The training stages seen so far, in order. */
  List<Map<String, Object>> stages() {
    synchronized (stages) {
      return new ArrayList<>(stages);
    }
  }
}
