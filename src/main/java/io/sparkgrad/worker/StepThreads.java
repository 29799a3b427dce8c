package io.sparkgrad.worker;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
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

  /** Spins before parking: about 50–100 µs, longer than a phase handover, shorter than a job. */
  private static final int SPINS = 20_000;
  private static final long PARK_NANOS = 50_000;

  private final int size;
  /**
   * The phase under way, published whole: a helper reads what to do only from the phase it saw,
   * so one that missed a phase (it had no part in it) cannot mix it with the next.
   */
  private volatile Phase phase = new Phase(0, null, 0, 1);
  private volatile boolean closed;
  private volatile Throwable failure;

  /** One phase: its number, its work, its part count and how many threads share it. */
  private record Phase(int number, IntConsumer work, int parts, int active, AtomicInteger finished) {
    Phase(int number, IntConsumer work, int parts, int active) {
      this(number, work, parts, active, new AtomicInteger());
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
    Phase current = new Phase(phase.number() + 1, work, parts, team);
    phase = current; // publishes the phase to the helpers
    Throwable own = null;
    try {
      for (int p = 0; p < parts; p += team) {
        work.accept(p);
      }
    } catch (RuntimeException | Error e) {
      own = e;
    }
    int spins = 0;
    while (current.finished().get() < team - 1) {
      if (++spins < SPINS) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(PARK_NANOS);
        if (Thread.currentThread().isInterrupted()) {
          throw new IllegalStateException("step interrupted");
        }
      }
    }
    Throwable thrown = own != null ? own : failure;
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
      if (index < current.active()) {
        try {
          for (int p = index; p < current.parts(); p += current.active()) {
            current.work().accept(p);
          }
        } catch (RuntimeException | Error e) {
          failure = e;
        }
        current.finished().incrementAndGet();
      }
    }
  }

  /** Lets the helpers go back to the pool (within one park). */
  @Override
  public void close() {
    closed = true;
  }
}
