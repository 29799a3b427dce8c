package io.sparkgrad.worker;

/**
 * Opt-in timing of a replica task's phases, for the cost model's bench (docs/scaling.md): the
 * task's thread starts a clock, {@link ReplicaWorker} and the job mark where each phase ends, and
 * the task reads the phases' nanoseconds. Off unless started on the thread: {@link #mark} is
 * then one thread-local read, and nothing computed depends on the clock.
 */
public final class PhaseClock {
  /** A task's phases, in order: each ends where it is marked. */
  public enum Phase {
    /** The task's blocks of examples listed (the cached partition). */
    BLOCKS,
    /** The broadcast weights (and optimizer state) read: fetched and deserialized. */
    READ_WEIGHTS,
    /** The replica's buffers and chunks allocated ({@code ReplicaWorker.create}). */
    CREATE,
    /** The replica's examples in the epoch's order. */
    ORDER,
    /** The replica's steps (gather, forward + backward, optimizer). */
    STEPS,
    /** The task's result assembled (update, weighted state, gradient to doubles). */
    ASSEMBLE
  }

  private static final ThreadLocal<long[]> CLOCK = new ThreadLocal<>();

  private PhaseClock() {}

  /** Starts the clock on this thread; every phase not marked before {@link #stop} counts 0. */
  public static void start() {
    long[] marks = new long[Phase.values().length + 1];
    marks[0] = System.nanoTime();
    CLOCK.set(marks);
  }

  /** Marks the end of {@code phase} on this thread, if its clock runs. */
  public static void mark(Phase phase) {
    long[] marks = CLOCK.get();
    if (marks != null) {
      marks[phase.ordinal() + 1] = System.nanoTime();
    }
  }

  /**
   * Stops this thread's clock and returns each phase's nanoseconds (from the previous mark, or
   * the start, to its own; 0 for a phase not marked).
   */
  public static long[] stop() {
    long[] marks = CLOCK.get();
    CLOCK.remove();
    if (marks == null) {
      throw new IllegalStateException("PhaseClock.stop: expected a started clock on thread "
          + Thread.currentThread().getName() + "; found none");
    }
    long[] nanos = new long[marks.length - 1];
    long last = marks[0];
    for (int p = 0; p < nanos.length; p++) {
      if (marks[p + 1] != 0) {
        nanos[p] = marks[p + 1] - last;
        last = marks[p + 1];
      }
    }
    return nanos;
  }
}
