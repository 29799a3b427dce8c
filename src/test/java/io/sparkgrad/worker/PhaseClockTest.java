package io.sparkgrad.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The cost model's opt-in timing of a replica task's phases: phases are measured between
 * marks, an unmarked phase counts 0, and a thread without a started clock records nothing (that
 * a timed replica computes the same bits as an untimed one: {@code ReplicaWorkerTest}). The
 * sleeps make phases of a known least length (a sleep never ends early) and a thread CPU time of
 * nearly none (CPU time, unlike wall time, does not grow when the machine is loaded).
 */
class PhaseClockTest {
  @Test
  void phasesRunFromMarkToMarkAndAnUnmarkedPhaseCountsZero() throws Exception {
    PhaseClock.start();
    Thread.sleep(20);
    PhaseClock.mark(PhaseClock.Phase.BLOCKS);
    // READ_WEIGHTS and CREATE not marked: CREATE's time goes to the next marked phase.
    Thread.sleep(30);
    PhaseClock.mark(PhaseClock.Phase.ORDER);
    long[] nanos = PhaseClock.stop();
    assertEquals(PhaseClock.Phase.values().length + 2, nanos.length);
    // Sleeping takes no CPU of this thread; the JVM's CPU is at least the thread's.
    assertTrue(nanos[PhaseClock.THREAD_CPU] < 20_000_000L, "thread CPU " + nanos[PhaseClock.THREAD_CPU]);
    assertTrue(nanos[PhaseClock.PROCESS_CPU] >= 0, "process CPU " + nanos[PhaseClock.PROCESS_CPU]);
    assertTrue(nanos[PhaseClock.Phase.BLOCKS.ordinal()] >= 20_000_000L,
        "blocks: " + nanos[PhaseClock.Phase.BLOCKS.ordinal()]);
    assertEquals(0, nanos[PhaseClock.Phase.READ_WEIGHTS.ordinal()]);
    assertEquals(0, nanos[PhaseClock.Phase.CREATE.ordinal()]);
    assertTrue(nanos[PhaseClock.Phase.ORDER.ordinal()] >= 30_000_000L,
        "order: " + nanos[PhaseClock.Phase.ORDER.ordinal()]);
    assertEquals(0, nanos[PhaseClock.Phase.STEPS.ordinal()]);
  }

  @Test
  void withoutAStartedClockMarksRecordNothing() {
    PhaseClock.mark(PhaseClock.Phase.STEPS); // off: no effect, no error
    IllegalStateException e = assertThrows(IllegalStateException.class, PhaseClock::stop);
    assertTrue(e.getMessage().contains("expected a started clock"), e.getMessage());
  }
}
