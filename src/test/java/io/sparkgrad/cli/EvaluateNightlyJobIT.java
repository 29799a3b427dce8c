package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduled job as cron runs it: jobs/evaluate-nightly.sh, a real spark-submit process (no
 * Spark install: SparkSubmit from the Maven-resolved jars), after `mvn package`. Its exit code is
 * evaluate's, and a failing night still leaves its row in the metrics table.
 */
class EvaluateNightlyJobIT {
  @TempDir Path work;

  @Test
  void theJobPassesOrFailsWithEvaluatesExitCodeAndAppendsARowEitherWay()
      throws IOException, InterruptedException {
    Path data = IdxFolders.mnistSubset(work.resolve("mnist"), 2000, 500);
    Path model = work.resolve("model");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SparkTestSession.get();
    int trained = Main.run(new String[] {"train", "--data", data.toString(), "--model",
        model.toString(), "--epochs", "2", "--hidden", "32", "--learning-rate", "0.005"},
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertEquals(0, trained, out.toString(StandardCharsets.UTF_8));
    Path metrics = work.resolve("metrics");
    Map<String, String> env = Map.of("MODEL", model.toString(), "DATA", data.toString(),
        "METRICS", metrics.toString(), "SPARK_MASTER", "local[2]");

    assertEquals(0, job(env, "MIN_ACCURACY", "0.5", "RUN_DATE", "2024-05-01"));
    assertEquals(ExitCode.BELOW_MIN_ACCURACY.code(),
        job(env, "MIN_ACCURACY", "0.999", "RUN_DATE", "2024-05-02"));
    List<Row> rows = SparkTestSession.get().read().parquet(metrics.toString())
        .selectExpr("CAST(run_date AS STRING)", "passed").orderBy("run_date").collectAsList();
    assertEquals(2, rows.size());
    assertEquals("2024-05-01", rows.get(0).getString(0));
    assertTrue(rows.get(0).getBoolean(1));
    assertEquals("2024-05-02", rows.get(1).getString(0));
    assertTrue(!rows.get(1).getBoolean(1), "the failing night is recorded as failed");
  }

  private int job(Map<String, String> env, String... more) throws IOException, InterruptedException {
    Path project = Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();
    Path log = Files.createTempFile(work, "job", ".log");
    ProcessBuilder builder = new ProcessBuilder(project.resolve("jobs/evaluate-nightly.sh")
        .toString()).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().remove("SPARK_HOME"); // the path without a Spark install
    builder.environment().putAll(env);
    for (int i = 0; i < more.length; i += 2) {
      builder.environment().put(more[i], more[i + 1]);
    }
    Process process = builder.start();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "finished within 5 minutes");
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertTrue(output.contains("sparkgrad evaluate: model"), output);
    return process.exitValue();
  }
}
