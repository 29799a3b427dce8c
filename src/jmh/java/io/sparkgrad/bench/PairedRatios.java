package io.sparkgrad.bench;

import java.util.Arrays;

/**
 * The ratio of two workloads' times measured by alternation, for a machine whose CPUs are shared.
 *
 * <p>JMH runs one benchmark after another, so when the other user of the 2 cores is busy during
 * one and idle during the next, their ratio is off by the difference (runs here saw a GEMM-only
 * time above the time of the pass that contains those GEMMs). Here A and B alternate in short
 * rounds, in the order A B B A ..., each side about {@code roundSeconds / 2} long, and the
 * result is the median over rounds of (time per call of B) / (time per call of A): contention
 * that lasts longer than a round slows both sides of it alike.
 *
 * <p>A plain timing loop, not JMH: it runs in the runner JVM (same flags and environment as the
 * forks) after a warm-up of both workloads, and feeds every result into a volatile sink.
 */
final class PairedRatios {
  private PairedRatios() {}

  /** Median and quartiles of the per-round ratios B/A. */
  record Ratio(double median, double q25, double q75, int rounds) {}

  /** A workload that returns something to sink, so that the JIT cannot drop it. */
  interface Work {
    double run();
  }

  private static volatile double sink;

  static Ratio measure(Work a, Work b, double warmupSeconds, int rounds, double roundSeconds) {
    long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    double perCallA = 0;
    double perCallB = 0;
    while (System.nanoTime() < warmupEnd) {
      perCallA = time(a, 1);
      perCallB = time(b, 1);
    }
    int callsA = Math.max(1, (int) (roundSeconds / 2 / perCallA));
    int callsB = Math.max(1, (int) (roundSeconds / 2 / perCallB));
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      double tA;
      double tB;
      if (r % 2 == 0) {
        tA = time(a, callsA);
        tB = time(b, callsB);
      } else {
        tB = time(b, callsB);
        tA = time(a, callsA);
      }
      ratios[r] = tB / tA;
    }
    Arrays.sort(ratios);
    return new Ratio(quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75), rounds);
  }

  /** Seconds per call over {@code calls} calls. */
  private static double time(Work w, int calls) {
    double acc = 0;
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      acc += w.run();
    }
    long elapsed = System.nanoTime() - start;
    sink += acc;
    return elapsed / 1e9 / calls;
  }

  private static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
