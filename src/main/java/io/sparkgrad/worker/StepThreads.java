package io.sparkgrad.worker;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs the parts of one phase of a step (its row chunks, or its parameter ranges) on up to a
 * given number of threads and waits for all of them. Which thread runs a part never changes what
 * the part computes, so the thread count changes only the speed.
 */
final class StepThreads {
  private static final AtomicInteger NEXT_ID = new AtomicInteger();

  // One pool per JVM, shared by the tasks of an executor: threads are made once and reused at
  // every step, and they are daemons so that they never keep an executor alive.
  private static final ExecutorService POOL = Executors.newCachedThreadPool(work -> {
    Thread thread = new Thread(work, "sparkgrad-step-" + NEXT_ID.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });

  private StepThreads() {}

  /** Calls {@code work} for parts 0..parts−1, on at most {@code threads} threads (the caller's one of them). */
  static void forEach(int parts, int threads, IntConsumer work) {
    int team = Math.min(parts, threads);
    if (team <= 1) {
      for (int p = 0; p < parts; p++) {
        work.accept(p);
      }
      return;
    }
    Future<?>[] helpers = new Future<?>[team - 1];
    for (int t = 1; t < team; t++) {
      int first = t;
      helpers[t - 1] = POOL.submit(() -> {
        for (int p = first; p < parts; p += team) {
          work.accept(p);
        }
      });
    }
    Throwable failure = null;
    try {
      for (int p = 0; p < parts; p += team) {
        work.accept(p);
      }
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    for (Future<?> helper : helpers) {
      try {
        helper.get();
      } catch (ExecutionException e) {
        failure = failure == null ? e.getCause() : failure;
      } catch (InterruptedException e) {
        // A killed task: stop the others and let Spark see the interruption.
        for (Future<?> other : helpers) {
          other.cancel(true);
        }
        Thread.currentThread().interrupt();
        throw new IllegalStateException("step interrupted", e);
      }
    }
    if (failure instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (failure instanceof Error error) {
      throw error;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }
}
