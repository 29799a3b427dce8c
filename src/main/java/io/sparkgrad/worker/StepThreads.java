package io.sparkgrad.worker;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads of one replica's job: the task's own thread plus {@code size − 1} helpers, which
 * run the parts of each phase of a step (its row chunks, or its parameter ranges) and wait for
 * the next phase. Which thread runs a part never changes what the part computes, so the thread
 * count changes only the speed.
 *
 * <p>A step is about a millisecond and has two phases, so handing them over costs what matters:
 * waking a parked thread took 100–250 µs here (a replica on two threads ran its epoch 28% slower
 * than two replicas of one thread). The threads therefore spin briefly (a phase follows the
 * last within microseconds) before they park.
 *
 * <p>Each thread has a share of every phase's parts (thread t of T: parts [t·P/T, (t+1)·P/T)),
 * which it runs first, so that on a quiet machine every thread keeps working on the same
 * parameter range, in its own core's cache, step after step. A thread that is done then takes
 * the parts nobody has started yet, from the far end of the others' shares: on a shared machine a
 * thread that the operating system preempted (or that is slow to wake) no longer holds the whole
 * step up until it runs again, only the part it was running (JFR of a replica on two threads
 * with two other busy processes on the 2 cores: a third of each thread's samples were waits).
 */
final class StepThreads implements AutoCloseable {
  private static final AtomicInteger NEXT_ID = new AtomicInteger();

  // Threads are made once per JVM and reused by every job; daemons, so that they never keep an
  // executor alive.
  private static final ExecutorService POOL = Executors.newCachedThreadPool(work -> {
    Thread thread = new Thread(work, "sparkgrad-step-" + NEXT_ID.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });

  /**
   * Spins before parking: about 50–100 µs on AMD Zen 4, about 1 ms on this Xeon (whose PAUSE
   * takes ~140 cycles); longer than a phase handover, shorter than a job.
   */
  private static final int SPINS = 20_000;
  private static final long PARK_NANOS = 50_000;

  private final int size;
  /**
   * The phase under way, published whole: a helper reads what to do only from the phase it saw,
   * and claims parts only from that phase's flags, so one that missed a phase (it was preempted
   * or had no share in it) cannot run a part of it, or of the next one, twice.
   */
  private volatile Phase phase = new Phase(0, null, 0, 1);
  private volatile boolean closed;
  private volatile Throwable failure;

  /**
   * One phase: its number, its work, its part count, how many threads share it, which parts are
   * claimed (1) and how many have finished.
   */
  private record Phase(int number, IntConsumer work, int parts, int team,
      AtomicIntegerArray claimed, AtomicInteger finished) {
    Phase(int number, IntConsumer work, int parts, int team) {
      this(number, work, parts, team, new AtomicIntegerArray(parts), new AtomicInteger());
    }

    /** Runs thread {@code index}'s share, then the parts left of the others'. */
    void runParts(int index, StepThreads threads) {
      int from = (int) ((long) parts * index / team);
      int to = (int) ((long) parts * (index + 1) / team);
      for (int p = from; p < to; p++) {
        run(p, threads);
      }
      // The others' shares from their far end, where their owners come last.
      for (int p = from - 1; p >= 0; p--) {
        run(p, threads);
      }
      for (int p = parts - 1; p >= to; p--) {
        run(p, threads);
      }
    }

    private void run(int part, StepThreads threads) {
      if (claimed.get(part) != 0 || !claimed.compareAndSet(part, 0, 1)) {
        return;
      }
      try {
        work.accept(part);
      } catch (RuntimeException | Error e) {
        threads.failure = e;
      }
      finished.incrementAndGet();
    }
  }

  /** A team of {@code size} threads, the caller's one of them. */
  StepThreads(int size) {
    this.size = Math.max(1, size);
    for (int t = 1; t < this.size; t++) {
      int index = t;
      POOL.execute(() -> helper(index));
    }
  }

  /** Calls {@code work} for parts 0..parts−1 on the team's threads, and waits for all of them. */
  void forEach(int parts, IntConsumer work) {
    int team = Math.min(parts, size);
    if (team <= 1) {
      for (int p = 0; p < parts; p++) {
        work.accept(p);
      }
      return;
    }
    failure = null;
    Phase current = new Phase(phase.number() + 1, work, parts, team);
    phase = current; // publishes the phase to the helpers
    current.runParts(0, this);
    int spins = 0;
    while (current.finished().get() < parts) {
      if (++spins < SPINS) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(PARK_NANOS);
        if (Thread.currentThread().isInterrupted()) {
          throw new IllegalStateException("step interrupted");
        }
      }
    }
    Throwable thrown = failure;
    if (thrown instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (thrown instanceof Error error) {
      throw error;
    }
  }

  private void helper(int index) {
    int seen = 0;
    while (true) {
      int spins = 0;
      Phase current;
      while ((current = phase).number() == seen && !closed) {
        if (++spins < SPINS) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(PARK_NANOS);
        }
      }
      if (closed) {
        return;
      }
      seen = current.number();
      if (index < current.team()) {
        current.runParts(index, this);
      }
    }
  }

  /** Lets the helpers go back to the pool (within one park). */
  @Override
  public void close() {
    closed = true;
  }
}
