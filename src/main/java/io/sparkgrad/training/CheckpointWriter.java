package io.sparkgrad.training;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes checkpoints on a thread of its own, one at a time and in order, so that the next epoch
 * does not wait for the file system (about 0.1 s an epoch for the default network, a tenth of its
 * epoch; docs/benchmarks/startup.md). The trainer waits for each write at the end of the epoch
 * it ran beside ({@link #finish}), so a failed write stops the run there, not at the next
 * checkpoint: by time those may be minutes apart, and a run should not train on for minutes
 * without the protection it asked for. A write (about 0.1 s) is long done by then unless it
 * outlasts an epoch. Closing (also on a failure) waits for a write under way: a checkpoint is
 * never left half-written by the run's own exit.
 */
final class CheckpointWriter implements AutoCloseable {
  private final ExecutorService thread = Executors.newSingleThreadExecutor(work -> {
    Thread writer = new Thread(work, "sparkgrad-checkpoint");
    writer.setDaemon(true);
    return writer;
  });
  private Future<?> pending;

  /** Waits for the previous write (rethrowing its failure), then starts {@code write}. */
  void submit(Runnable write) {
    finish();
    pending = thread.submit(write);
  }

  /** Waits for the write under way, if any; rethrows its failure. */
  void finish() {
    if (pending == null) {
      return;
    }
    Future<?> waited = pending;
    pending = null;
    try {
      waited.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("writing a checkpoint failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing a checkpoint", e);
    }
  }

  @Override
  public void close() {
    try {
      if (pending != null) {
        pending.get();
      }
    } catch (ExecutionException | InterruptedException e) {
      // The run is ending on another failure (or has rethrown this one at finish).
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    } finally {
      thread.shutdown();
    }
  }
}
