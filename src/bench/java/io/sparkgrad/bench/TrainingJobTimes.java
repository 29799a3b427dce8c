package io.sparkgrad.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.executor.TaskMetrics;
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
 * Spark's share of the job (scheduling, shipping the task and its result).
 */
final class TrainingJobTimes extends SparkListener {
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
    tasksByStage.computeIfAbsent(end.stageId(), k -> new ArrayList<>()).add(new double[] {
        m.executorDeserializeTime() / 1e3, m.executorRunTime() / 1e3,
        m.resultSerializationTime() / 1e3, m.jvmGCTime() / 1e3,
        (info.finishTime() - info.launchTime()) / 1e3, info.gettingResultTime() > 0
            ? (info.finishTime() - info.gettingResultTime()) / 1e3 : 0,
        m.executorCpuTime() / 1e9, m.executorDeserializeCpuTime() / 1e9});
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
    for (double[] t : tasks) {
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
        "cpuSecondsAllTasks", cpu));
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
