package io.sparkgrad.worker;

/**
 * Opt-in timing of a replica task's phases, for the cost model's bench (docs/scaling.md): the
 * task's thread starts a clock, {@link ReplicaWorker} and the job mark where each phase ends, and
 * the task reads the phases' nanoseconds, and the CPU its JVM and its own thread spent meanwhile
 * (what the JVM spent beyond its tasks' threads, JIT and GC, takes cores from the replicas). Off
 * unless started on the thread: {@link #mark} is then one thread-local read, and nothing
 * computed depends on the clock.
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
  /** Where {@link #stop}'s answer holds the JVM's process CPU nanoseconds during the clock. */
  public static final int PROCESS_CPU = Phase.values().length;
  /** Where it holds this thread's CPU nanoseconds during the clock. */
  public static final int THREAD_CPU = PROCESS_CPU + 1;

  private PhaseClock() {}

  /** Starts the clock on this thread; every phase not marked before {@link #stop} counts 0. */
  public static void start() {
    long[] marks = new long[Phase.values().length + 3];
    marks[marks.length - 2] = processCpu();
    marks[marks.length - 1] = threadCpu();
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
   * the start, to its own; 0 for a phase not marked), then at {@link #PROCESS_CPU} and
   * {@link #THREAD_CPU} the CPU nanoseconds of the JVM and of this thread meanwhile.
   */
  public static long[] stop() {
    long[] marks = CLOCK.get();
    CLOCK.remove();
    if (marks == null) {
      throw new IllegalStateException("PhaseClock.stop: expected a started clock on thread "
          + Thread.currentThread().getName() + "; found none");
    }
    int phases = Phase.values().length;
    long[] nanos = new long[phases + 2];
    nanos[PROCESS_CPU] = processCpu() - marks[phases + 1];
    nanos[THREAD_CPU] = threadCpu() - marks[phases + 2];
    long last = marks[0];
    for (int p = 0; p < phases; p++) {
      if (marks[p + 1] != 0) {
        nanos[p] = marks[p + 1] - last;
        last = marks[p + 1];
      }
    }
    return nanos;
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static long threadCpu() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }
}
