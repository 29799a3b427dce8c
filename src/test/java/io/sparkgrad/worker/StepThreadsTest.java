package io.sparkgrad.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * A team runs every part of every phase exactly once, also when phases alternate between
 * fewer parts than threads (some helpers sit out) and more: a helper that missed a phase must
 * not take the next phase's work for it; and a thread held up in its share of a phase leaves the
 * parts it has not started to the others.
 */
class StepThreadsTest {
  @Test
  void everyPartOfEveryPhaseRunsExactlyOnce() {
    int phases = 5_000;
    AtomicIntegerArray small = new AtomicIntegerArray(2);
    AtomicIntegerArray large = new AtomicIntegerArray(3);
    try (StepThreads team = new StepThreads(3)) {
      for (int phase = 0; phase < phases; phase++) {
        // As a replica's step: its chunks (here 2), then its parameter ranges (one a thread).
        team.forEach(2, small::incrementAndGet);
        team.forEach(3, large::incrementAndGet);
      }
    }
    int[] expectedSmall = new int[2];
    int[] expectedLarge = new int[3];
    Arrays.fill(expectedSmall, phases);
    Arrays.fill(expectedLarge, phases);
    assertArrayEquals(expectedSmall, toArray(small));
    assertArrayEquals(expectedLarge, toArray(large));
  }

  @Test
  void aThreadHeldUpInItsShareLeavesTheRestOfItToTheOthers() {
    // Six parts on two threads: the caller's share is 0-2, the helper's 3-5. Part 0 stands for
    // a thread the operating system preempted: it cannot end before part 2, of the same share,
    // has run, which only the other thread can do meanwhile. A team that left each share to its
    // owner alone would run part 2 only after part 0 had given up waiting.
    CountDownLatch partTwoDone = new CountDownLatch(1);
    AtomicIntegerArray runs = new AtomicIntegerArray(6);
    boolean[] partZeroWaitedInVain = new boolean[1];
    try (StepThreads team = new StepThreads(2)) {
      team.forEach(6, p -> {
        runs.incrementAndGet(p);
        if (p == 0) {
          try {
            partZeroWaitedInVain[0] = !partTwoDone.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        } else if (p == 2) {
          partTwoDone.countDown();
        }
      });
    }
    assertFalse(partZeroWaitedInVain[0], "part 2 ran only after part 0 gave up waiting for it");
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1}, toArray(runs));
  }

  @Test
  void aPartsFailureReachesTheCaller() {
    try (StepThreads team = new StepThreads(4)) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> team.forEach(4, p -> {
            if (p == 3) {
              throw new IllegalStateException("part 3 failed");
            }
          }));
      assertEquals("part 3 failed", e.getMessage());
    }
  }

  private static int[] toArray(AtomicIntegerArray counts) {
    int[] out = new int[counts.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = counts.get(i);
    }
    return out;
  }
}
