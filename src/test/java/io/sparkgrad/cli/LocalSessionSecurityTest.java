package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The session a command starts on a local master (what scripts/sparkgrad runs): no web UI, and
 * the driver on loopback. It needs a JVM with no SparkContext yet, since a command reuses a
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
}
