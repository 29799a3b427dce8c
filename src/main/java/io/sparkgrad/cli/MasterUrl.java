package io.sparkgrad.cli;

import io.sparkgrad.config.ConfigException;
import io.sparkgrad.config.LocalMaster;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a Spark master URL before Spark starts: a malformed one (local[0], a misspelt scheme)
 * would otherwise end in a Spark stack trace, and an unreachable standalone master in a minute
 * of retries.
 */
final class MasterUrl {
  static final String EXPECTED = "local, local[N] or local[N,F] (N, F ≥ 1), local[*],"
      + " local-cluster[N,C,M], spark://HOST:PORT, yarn or k8s://URL";
  private static final Pattern LOCAL_CLUSTER =
      Pattern.compile("local-cluster\\[(\\d+),\\s*(\\d+),\\s*(\\d+)]");
  private static final Pattern STANDALONE =
      Pattern.compile("spark://([^:/,\\s]+):(\\d{1,5})(,[^:/,\\s]+:\\d{1,5})*");
  private static final int CONNECT_TIMEOUT_MS = 5000;

  private MasterUrl() {}

  /** The master Spark will use: spark-submit's (spark.master) when set, else the configured one. */
  static String effective(String configured) {
    return new org.apache.spark.SparkConf(true).get("spark.master", configured);
  }

  /** Checks the master Spark will use (see {@link #effective}). */
  static void check(String master) {
    String url = effective(master);
    if (!url.equals(master)) {
      checkForm(url);
      return;
    }
    checkForm(master);
  }

  private static void checkForm(String master) {
    String url = master.trim();
    Matcher local = LocalMaster.PATTERN.matcher(url);
    if (local.matches()) {
      requirePositive(url, local.group(2));
      requirePositive(url, local.group(4));
      return;
    }
    Matcher cluster = LOCAL_CLUSTER.matcher(url);
    if (cluster.matches()) {
      requirePositive(url, cluster.group(1));
      requirePositive(url, cluster.group(2));
      requirePositive(url, cluster.group(3));
      return;
    }
    Matcher standalone = STANDALONE.matcher(url);
    if (standalone.matches()) {
      if (standalone.group(3) == null) {
        requireReachable(url, standalone.group(1), Integer.parseInt(standalone.group(2)));
      }
      return;
    }
    if (url.equals("yarn") || url.startsWith("k8s://") && url.length() > "k8s://".length()) {
      return;
    }
    throw new ConfigException("master: expected " + EXPECTED + "; found '" + master + "'");
  }

  /**
   * The task slots of a local master (local → 1, local[N] → N, local[*] → the cores), or 0 for
   * a master whose tasks run in other JVMs (local-cluster, standalone, YARN, Kubernetes).
   */
  static int localCores(String master) {
    return LocalMaster.cores(master);
  }

  /** local-cluster[N,C,M]'s executor heap M MiB, in bytes, or -1 for another master. */
  static long localClusterExecutorBytes(String master) {
    Matcher cluster = LOCAL_CLUSTER.matcher(master.trim());
    return cluster.matches() ? Long.parseLong(cluster.group(3)) << 20 : -1;
  }

  /** local-cluster[N,C,M]'s cores per executor C, or -1 for another master. */
  static int localClusterExecutorCores(String master) {
    Matcher cluster = LOCAL_CLUSTER.matcher(master.trim());
    return cluster.matches() ? Integer.parseInt(cluster.group(2)) : -1;
  }

  private static void requirePositive(String url, String count) {
    if (count != null && count.matches("0+")) {
      throw new ConfigException("master: expected " + EXPECTED + "; found '" + url
          + "' (a count of " + count + ")");
    }
  }

  private static void requireReachable(String url, String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("master: cannot reach the Spark master " + url + " ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
          + "); check the host and port, and that the master is running");
    }
  }
}
