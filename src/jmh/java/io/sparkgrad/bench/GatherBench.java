package io.sparkgrad.bench;

import io.sparkgrad.math.Blas;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.FloatKernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * µs to gather one chunk of a training step as {@code ReplicaWorker} does: 64 rows of 784 pixel
 * bytes, each from a random place among one task's 30,000 cached examples (blocks of 4096 rows),
 * scaled to float32 by {@link FloatKernels#scalePixels}; beside it the same bytes from 64
 * consecutive rows, and the random rows through a 256-entry table of b / 255 (the same bits) in
 * place of the conversion and division. Pixels look like MNIST's (81% zero). Measured here
 * (2026-12-03, loaded 2-core Xeon, {@code -XX:+UseTransparentHugePages} as the launcher runs):
 * the random gather costs about 0.85 µs a row whether it divides or reads the table, so it is
 * bound by reaching the rows, not by the arithmetic; docs/benchmarks/startup.md.
 *
 * <p>Run (after {@code mvn -q -Pbench -DskipTests test-compile}):
 *
 * <pre>
 *   java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
 *     org.openjdk.jmh.Main 'io.sparkgrad.bench.GatherBench' \
 *     -jvmArgsAppend "-XX:+UseParallelGC -XX:+UseTransparentHugePages"
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GatherBench {
  private static final int INPUTS = 784;
  private static final int ROWS = 64;
  private static final int CACHED = 30_000;
  private static final int BLOCK_ROWS = 4096;
  /** Chunks drawn in advance, taken in turn: more than the caches hold. */
  private static final int CHUNKS = 256;

  private static final float[] SCALE = new float[256];

  static {
    for (int b = 0; b < 256; b++) {
      SCALE[b] = b / 255.0f;
    }
  }

  private byte[][] blocks;
  private int[] slots;
  private float[] batch;
  private FloatKernels kernels;
  private int next;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(11);
    blocks = new byte[(CACHED + BLOCK_ROWS - 1) / BLOCK_ROWS][BLOCK_ROWS * INPUTS];
    for (byte[] block : blocks) {
      for (int i = 0; i < block.length; i++) {
        block[i] = random.nextDouble() < 0.19 ? (byte) (1 + random.nextInt(255)) : 0;
      }
    }
    slots = new int[CHUNKS * ROWS];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = random.nextInt(CACHED);
    }
    batch = new float[ROWS * INPUTS];
    kernels = new FloatKernels(Blas.get(BlasChoice.JAVA));
  }

  @Benchmark
  public float[] randomRows() {
    int first = nextChunk();
    for (int r = 0; r < ROWS; r++) {
      int slot = slots[first + r];
      kernels.scalePixels(batch, r * INPUTS, blocks[slot / BLOCK_ROWS],
          slot % BLOCK_ROWS * INPUTS, INPUTS);
    }
    return batch;
  }

  @Benchmark
  public float[] consecutiveRows() {
    int first = nextChunk() % (BLOCK_ROWS - ROWS);
    kernels.scalePixels(batch, 0, blocks[0], first * INPUTS, ROWS * INPUTS);
    return batch;
  }

  @Benchmark
  public float[] randomRowsThroughATable() {
    int first = nextChunk();
    for (int r = 0; r < ROWS; r++) {
      int slot = slots[first + r];
      byte[] src = blocks[slot / BLOCK_ROWS];
      int srcOff = slot % BLOCK_ROWS * INPUTS;
      int dstOff = r * INPUTS;
      for (int i = 0; i < INPUTS; i++) {
        batch[dstOff + i] = SCALE[src[srcOff + i] & 0xFF];
      }
    }
    return batch;
  }

  private int nextChunk() {
    next = (next + 1) % CHUNKS;
    return next * ROWS;
  }
}
