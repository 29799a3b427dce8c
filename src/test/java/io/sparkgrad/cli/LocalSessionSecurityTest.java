package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The session or context a command starts on a local master (what scripts/sparkgrad runs): no
 * web UI, and the driver on loopback. It needs a JVM with no SparkContext yet, since a command reuses a
 * running session as it is, so it runs in the Surefire execution {@code cluster-tests}.
 */
@Tag("cluster")
class LocalSessionSecurityTest {
  @Test
  void aLocalSessionHasNoWebUiAndStaysOnLoopback() {
    assertFalse(SparkContext$.MODULE$.getActive().isDefined(),
        "a SparkContext is already running in this JVM; the command would reuse it");
    try (SparkSessions sessions = SparkSessions.start("sparkgrad-ui-test", "local[1]")) {
      SparkContext sc = sessions.session().sparkContext();
      SparkConf conf = sc.getConf();
      assertEquals("local[1]", sc.master());
      assertEquals("false", conf.get("spark.ui.enabled"), "spark.ui.enabled");
      assertTrue(sc.ui().isEmpty(), "a web UI was started: " + sc.uiWebUrl());
      assertTrue(sc.uiWebUrl().isEmpty(), "web UI URL: " + sc.uiWebUrl());
      assertEquals("127.0.0.1", conf.get("spark.driver.host"), "spark.driver.host");
      assertEquals("127.0.0.1", conf.get("spark.driver.bindAddress"), "spark.driver.bindAddress");
    }
    assertFalse(SparkContext$.MODULE$.getActive().isDefined(), "the command stops its session");
  }

  @Test
  void aContextWithoutSqlHasTheSameLocalSettingsAndNoSession() {
    assertFalse(SparkContext$.MODULE$.getActive().isDefined(),
        "a SparkContext is already running in this JVM; the command would reuse it");
    try (SparkSessions sessions = SparkSessions.startContext("sparkgrad-context-test",
        "local[2]")) {
      SparkContext sc = sessions.context().sc();
      SparkConf conf = sc.getConf();
      assertEquals("local[2]", sc.master());
      assertEquals("sparkgrad-context-test", sc.appName());
      assertTrue(sc.ui().isEmpty(), "a web UI was started: " + sc.uiWebUrl());
      assertEquals("127.0.0.1", conf.get("spark.driver.host"), "spark.driver.host");
      assertEquals("127.0.0.1", conf.get("spark.driver.bindAddress"), "spark.driver.bindAddress");
      assertEquals("1", conf.get("spark.executorEnv.OPENBLAS_NUM_THREADS"));
      assertEquals(12, sessions.context().parallelize(java.util.List.of(1, 2, 3), 2)
          .map(x -> 2 * x).reduce(Integer::sum), "a job runs on it");
      assertTrue(SparkSession.getDefaultSession().isEmpty(), "a SQL session was started");
      IllegalStateException noSession =
          assertThrows(IllegalStateException.class, sessions::session);
      assertTrue(noSession.getMessage().contains("without Spark SQL"), noSession.getMessage());
    }
    assertFalse(SparkContext$.MODULE$.getActive().isDefined(), "the command stops its context");
  }
}
