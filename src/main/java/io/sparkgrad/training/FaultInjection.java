package io.sparkgrad.training;

import java.io.Serializable;
import org.apache.spark.TaskContext;

/**
 * A hook for fault-tolerance tests: makes chosen training tasks fail on their first attempt, the
 * way a flaky executor would. Unset (the default and the only state outside tests) it does
 * nothing. It lives in the executor JVM, so it works with in-process masters ({@code local[N,F]}).
 */
public final class FaultInjection {
  /** Decides whether a task of a training job fails on its first attempt. */
  @FunctionalInterface
  public interface Rule extends Serializable {
    boolean fail(int epoch, int firstStep, int partition);
  }

  private static volatile Rule rule;

  private FaultInjection() {}

  /** Sets the rule (null to clear). For tests only. */
  public static void failFirstAttemptWhen(Rule newRule) {
    rule = newRule;
  }

  static void beforeTask(int epoch, int firstStep) {
    Rule current = rule;
    TaskContext task = TaskContext.get();
    if (current != null && task != null && task.attemptNumber() == 0
        && current.fail(epoch, firstStep, task.partitionId())) {
      throw new InjectedFailure("injected failure: epoch " + (epoch + 1) + ", step "
          + (firstStep + 1) + ", partition " + task.partitionId() + ", first attempt");
    }
  }

  /** The exception an injected failure throws. */
  public static final class InjectedFailure extends RuntimeException {
    InjectedFailure(String message) {
      super(message);
    }
  }
}
