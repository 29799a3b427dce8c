package io.sparkgrad.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local masters' URLs ({@code local}, {@code local[N]}, {@code local[N,F]}, {@code local[*]}):
 * one parser for the command line's check of the master and the trainer's layout.
 */
public final class LocalMaster {
  /** Group 2: the task threads (N or *), group 4: the task attempts (F); both may be absent. */
  public static final Pattern PATTERN = Pattern.compile("local(\\[(\\*|\\d+)(,(\\d+))?])?");

  private LocalMaster() {}

  /**
   * The task threads of a local master (local → 1, local[N] → N, local[*] → the cores), or 0
   * for a master whose tasks run in other JVMs (local-cluster, standalone, YARN, Kubernetes).
   */
  public static int cores(String master) {
    Matcher local = PATTERN.matcher(master.trim());
    if (!local.matches()) {
      return 0;
    }
    String count = local.group(2);
    if (count == null || count.equals("*")) {
      return count == null ? 1 : Runtime.getRuntime().availableProcessors();
    }
    return (int) Math.min(Integer.MAX_VALUE, Long.parseLong(count));
  }
}
