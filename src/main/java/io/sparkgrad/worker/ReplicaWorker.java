package io.sparkgrad.worker;

import io.sparkgrad.math.Seeds;
import io.sparkgrad.data.ExampleBlock;
import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.data.augment.ImageAugmenter;
import io.sparkgrad.math.Blas;
import io.sparkgrad.math.Dropout;
import io.sparkgrad.math.Kernels;
import io.sparkgrad.network.BlockStats;
import io.sparkgrad.network.Optimizer;
import io.sparkgrad.network.ParameterLayout;
import io.sparkgrad.network.TwoLayerNetwork;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One model replica's share of a training job, in plain Java (no Spark), so it can be tested and
 * reasoned about alone. The replica holds the blocks of its partitions; for each step of the plan
 * it gathers its members of the global mini-batch, cuts them into chunks of {@link #CHUNK_ROWS}
 * rows, computes each chunk's gradient apart (on up to {@link StepPlan#threads()} threads), sums
 * the chunks' gradients in chunk order, and then either adds the sum to the job's gradient
 * ({@link SyncMode#GRADIENT}) or takes a local optimizer step with it
 * ({@link SyncMode#LOCAL_STEPS}), range of the parameters by range, the ranges shared out among
 * the threads. Chunks never depend on the thread count, and sums and updates are elementwise, so
 * no value computed depends on the thread count or on how the parameters are cut.
 */
public final class ReplicaWorker<A> {
  /**
   * Rows of one chunk of a step. A chunk is the unit of a step's parallel work: at the default
   * batch of 128, one replica's step is two chunks, the two cores of a laptop.
   */
  public static final int CHUNK_ROWS = 64;

  /**
   * Parameter ranges of a step's update per thread. More than one, so that a thread that is done
   * with its own ranges can take some of a preempted thread's ({@link StepThreads}); every update
   * is elementwise, so no value depends on how the parameters are cut.
   */
  private static final int RANGES_PER_THREAD = 8;

  private final StepPlan plan;
  private final Kernels<A> k;
  private final List<ExampleBlock> blocks;
  private final int blockStride;
  private final ParameterLayout layout;
  private final int inputs;
  private final int threads;
  /** Parameter ranges of a step's update (one on one thread). */
  private final int ranges;
  private final A batchFeatures;
  private final int[] batchLabels;
  /** Example index of each gathered row: the coordinate of its random streams. */
  private final int[] batchIndices;
  /** Cached slot (block·stride + row) of each gathered row. */
  private final int[] batchSlots;
  private final Chunk[] chunks;
  private final Dropout inputDropout;
  private final Dropout hiddenDropout;
  private final A paramsA;
  private final A gradA;

  /** What one chunk of a step computes with: its own network buffers, gradient and scratch. */
  private final class Chunk {
    final TwoLayerNetwork<A> network;
    final A grad;
    /** H×CHUNK_ROWS hidden dropout mask, or null without hidden dropout. */
    final A hiddenMask;
    /** Resamples each gathered image, or null without augmentation. */
    final ImageAugmenter augmenter;
    /** One scaled image, the augmenter's source, or null without augmentation. */
    final A scaledImage;
    BlockStats stats;
    /** The sum {@link #fill} read to start the rows loading; kept so the reads are not dropped. */
    int touched;

    Chunk() {
      this.network = new TwoLayerNetwork<>(plan.spec(), k, CHUNK_ROWS);
      this.grad = k.allocate(layout.size());
      this.hiddenMask = hiddenDropout.active() ? k.allocate(layout.hidden() * CHUNK_ROWS) : null;
      AugmentationSpec augmentation = plan.noise().augmentation();
      this.augmenter = augmentation.enabled()
          ? new ImageAugmenter(augmentation, plan.imageCols(), plan.imageRows())
          : null;
      this.scaledImage = augmenter == null ? null : k.allocate(inputs);
    }
  }

  @SuppressWarnings("unchecked")
  public static ReplicaWorker<?> create(StepPlan plan, List<ExampleBlock> blocks) {
    Kernels<?> kernels = plan.precision().kernels(Blas.get(plan.blas()));
    return new ReplicaWorker<>(plan, (Kernels<Object>) kernels, blocks);
  }

  ReplicaWorker(StepPlan plan, Kernels<A> kernels, List<ExampleBlock> blocks) {
    this.plan = plan;
    this.k = kernels;
    this.blocks = blocks;
    this.layout = plan.spec().layout();
    this.inputs = layout.inputs();
    int maxRows = 1;
    for (int b = 0; b < blocks.size(); b++) {
      ExampleBlock block = blocks.get(b);
      if (block.inputs() != inputs) {
        throw new IllegalArgumentException(
            "block " + b + ": expected " + inputs + " inputs per example; found " + block.inputs());
      }
      maxRows = Math.max(maxRows, block.rows());
    }
    this.blockStride = maxRows;
    this.threads = plan.threads() > 0 ? plan.threads() : Runtime.getRuntime().availableProcessors();
    this.ranges = threads == 1 ? 1 : threads * RANGES_PER_THREAD;
    this.batchFeatures = k.allocate(inputs * plan.batchSize());
    this.batchLabels = new int[plan.batchSize()];
    this.batchIndices = new int[plan.batchSize()];
    this.batchSlots = new int[plan.batchSize()];
    AugmentationSpec augmentation = plan.noise().augmentation();
    if (augmentation.enabled() && plan.imageRows() * plan.imageCols() != inputs) {
      throw new IllegalArgumentException("augment: images of " + plan.imageRows() + "×"
          + plan.imageCols() + " pixels expected; found " + inputs + " inputs per example");
    }
    this.inputDropout = plan.noise().input();
    this.hiddenDropout = plan.noise().hidden();
    this.chunks = new ReplicaWorker.Chunk[(plan.batchSize() + CHUNK_ROWS - 1) / CHUNK_ROWS];
    for (int c = 0; c < chunks.length; c++) {
      chunks[c] = new Chunk();
    }
    this.paramsA = k.allocate(layout.size());
    // Only a gradient job sums into a gradient of its own; local steps sum into chunk 0's.
    this.gradA = plan.mode() == SyncMode.GRADIENT ? k.allocate(layout.size()) : null;
  }

  /**
   * Runs the plan's steps from the parameters and optimizer state, in this JVM: a float32
   * result's update is measured from {@code params} itself where it settles.
   */
  public JobResult run(double[] params, double[] optimizerState) {
    return run(params, optimizerState, () -> params);
  }

  /**
   * Runs the plan's steps from the broadcast parameters and optimizer state; {@code start} gives
   * the same parameters where the results meet (e.g. the broadcast's value), so that a float32
   * result need not carry them.
   */
  public JobResult run(
      double[] params, double[] optimizerState, JobResult.StartWeights start) {
    long[] order = epochOrder();
    PhaseClock.mark(PhaseClock.Phase.ORDER);
    try (StepThreads team = new StepThreads(threads)) {
      return plan.mode() == SyncMode.GRADIENT
          ? sumGradients(team, order, params)
          : localSteps(team, order, params, optimizerState, start);
    }
  }

  private JobResult sumGradients(StepThreads team, long[] order, double[] params) {
    JobResult result = new JobResult(layout.size(), 0);
    k.copyFromDouble(paramsA, params, layout.size());
    k.zero(gradA, layout.size());
    for (int s = 0; s < plan.stepCount(); s++) {
      int rows = members(order, plan.firstStep() + s);
      if (rows == 0) {
        continue;
      }
      int used = chunkGradients(team, rows, 1.0);
      team.forEach(ranges, part -> {
        int from = rangeStart(part);
        int to = rangeStart(part + 1);
        for (int c = 0; c < used; c++) {
          add(gradA, chunks[c].grad, from, to);
        }
      });
      addStats(result, rows, used);
    }
    PhaseClock.mark(PhaseClock.Phase.STEPS);
    double[] grad = new double[layout.size()];
    k.addToDouble(grad, 0, gradA, layout.size());
    result.addVector(grad);
    return result;
  }

  private JobResult localSteps(StepThreads team, long[] order, double[] startParams,
      double[] startState, JobResult.StartWeights start) {
    Optimizer optimizer = plan.optimizer().create(layout, plan.weightDecay());
    optimizer.setState(startState);
    // Parameters, gradient and optimizer state stay in the plan's precision for all the steps:
    // converting them at every step cost as much as a third of a step.
    k.copyFromDouble(paramsA, startParams, layout.size());
    boolean inFloat = paramsA instanceof float[];
    JobResult result = new JobResult(layout.size(), startState.length);
    for (int s = 0; s < plan.stepCount(); s++) {
      int rows = members(order, plan.firstStep() + s);
      if (rows == 0) {
        continue;
      }
      int used = chunkGradients(team, rows, 1.0 / rows);
      addStats(result, rows, used);
      Optimizer.Step step = optimizer.begin(plan.learningRates()[s], inFloat);
      A sum = chunks[0].grad;
      team.forEach(ranges, part -> {
        int from = rangeStart(part);
        int to = rangeStart(part + 1);
        if (inFloat && used > 1) {
          // The chunks' sum in chunk order, the last addition taken by the update as it goes.
          for (int c = 1; c < used - 1; c++) {
            add(sum, chunks[c].grad, from, to);
          }
          step.applySum((float[]) paramsA, (float[]) sum, (float[]) chunks[used - 1].grad,
              from, to);
        } else if (inFloat) {
          step.apply((float[]) paramsA, (float[]) sum, from, to);
        } else {
          for (int c = 1; c < used; c++) {
            add(sum, chunks[c].grad, from, to);
          }
          step.apply((double[]) paramsA, (double[]) sum, from, to);
        }
      });
    }
    PhaseClock.mark(PhaseClock.Phase.STEPS);
    double weight = result.examples();
    if (weight > 0 && inFloat) {
      // Handed on as they are (this worker and its optimizer end with the task): half the bytes
      // of doubles, and the update is formed where the results meet, with the same arithmetic.
      result.addFloatSteps((float[]) paramsA, optimizer.floatStateVectors(),
          optimizer.scalarState(), weight, start);
    } else if (weight > 0) {
      double[] update = new double[layout.size()];
      k.copyToDouble(update, paramsA, layout.size());
      for (int i = 0; i < update.length; i++) {
        update[i] = weight * (update[i] - startParams[i]);
      }
      result.addVector(update);
      double[] state = optimizer.state();
      for (int i = 0; i < state.length; i++) {
        state[i] *= weight;
      }
      result.addState(state);
    }
    return result;
  }

  /**
   * Gathers the step's {@code rows} members chunk by chunk and computes each chunk's gradient of
   * the summed loss times {@code scale} into its own array; returns how many chunks there are.
   */
  private int chunkGradients(StepThreads team, int rows, double scale) {
    int used = (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
    team.forEach(used, c -> {
      Chunk chunk = chunks[c];
      int first = c * CHUNK_ROWS;
      int count = Math.min(CHUNK_ROWS, rows - first);
      fill(chunk, first, count);
      chunk.stats = chunk.network.computeGradient(paramsA, batchFeatures, first * inputs,
          batchLabels, first, count, chunk.grad, scale, chunk.hiddenMask);
    });
    return used;
  }

  /** Adds the chunks' loss sums and correct counts to {@code result}, in chunk order. */
  private void addStats(JobResult result, int rows, int used) {
    double lossSum = 0;
    long correct = 0;
    for (int c = 0; c < used; c++) {
      lossSum += chunks[c].stats.lossSum();
      correct += chunks[c].stats.correct();
    }
    result.addExamples(rows, lossSum, correct);
  }

  /** Start of parameter range {@code part} of {@link #ranges}. */
  private int rangeStart(int part) {
    return (int) ((long) layout.size() * part / ranges);
  }

  /** {@code sum[from, to) += values[from, to)}. */
  private void add(A sum, A values, int from, int to) {
    if (sum instanceof float[] f) {
      float[] v = (float[]) values;
      for (int i = from; i < to; i++) {
        f[i] += v[i];
      }
    } else {
      double[] d = (double[]) sum;
      double[] v = (double[]) values;
      for (int i = from; i < to; i++) {
        d[i] += v[i];
      }
    }
  }

  /**
   * Gathers (and augments) this replica's members of step {@code step} of the plan's epoch into
   * the batch, as training does, and returns how many there are; {@link #batchFeatures()} and
   * {@link #batchIndices()} then hold them. For tests of what training sees.
   */
  int gatherStep(int step) {
    int rows = members(epochOrder(), step);
    int used = (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
    try (StepThreads team = new StepThreads(threads)) {
      team.forEach(used,
          c -> fill(chunks[c], c * CHUNK_ROWS, Math.min(CHUNK_ROWS, rows - c * CHUNK_ROWS)));
    }
    return rows;
  }

  /** This replica's examples in the epoch's order ({@link EpochOrders}). */
  private long[] epochOrder() {
    return EpochOrders.get(plan.seed(), plan.epoch(), plan.trainCount(), blocks, blockStride);
  }

  A batchFeatures() {
    return batchFeatures;
  }

  int[] batchIndices() {
    return batchIndices;
  }

  /**
   * Finds this replica's members of global step {@code step} (positions [step·batchSize,
   * (step+1)·batchSize) of the epoch's order), in that order: their cached slots, labels and
   * example indices; returns how many there are.
   */
  private int members(long[] order, int step) {
    long to = Math.min((long) (step + 1) * plan.batchSize(), plan.trainCount());
    int rows = 0;
    for (int j = EpochOrders.firstAt(order, step * plan.batchSize());
        j < order.length && (order[j] >>> 32) < to; j++) {
      int slot = (int) order[j];
      ExampleBlock block = blocks.get(slot / blockStride);
      int row = slot % blockStride;
      batchSlots[rows] = slot;
      batchLabels[rows] = block.labels()[row];
      batchIndices[rows] = block.indices()[row];
      rows++;
    }
    return rows;
  }

  /** Scales (and augments, and drops out) the batch rows [first, first+count) with {@code chunk}. */
  private void fill(Chunk chunk, int first, int count) {
    // Every row's memory starts loading before the first is scaled (ExampleBlock.touchRow):
    // gathering rows from a cache larger than the processor's took twice as long one by one.
    int touched = 0;
    for (int r = first; r < first + count; r++) {
      int slot = batchSlots[r];
      touched += blocks.get(slot / blockStride).touchRow(slot % blockStride);
    }
    chunk.touched = touched;
    for (int r = first; r < first + count; r++) {
      int slot = batchSlots[r];
      ExampleBlock block = blocks.get(slot / blockStride);
      int row = slot % blockStride;
      if (chunk.augmenter == null) {
        block.scaleRows(k, batchFeatures, r * inputs, row, 1);
      } else {
        block.scaleRows(k, chunk.scaledImage, 0, row, 1);
        augment(chunk, r * inputs, batchIndices[r]);
      }
    }
    if (inputDropout.active() || hiddenDropout.active()) {
      drawDropout(chunk, first, count);
    }
  }

  /**
   * Resamples the chunk's scaled image into row offset {@code dstOff} of the batch, from the
   * example's own stream at (seed, epoch, example index); the cached block stays untouched.
   */
  private void augment(Chunk chunk, int dstOff, int example) {
    long seed = Seeds.derive(plan.seed(), Seeds.Stream.AUGMENTATION, plan.epoch(), example);
    if (chunk.scaledImage instanceof float[] pixels) {
      chunk.augmenter.augment(pixels, 0, (float[]) batchFeatures, dstOff, seed);
    } else {
      chunk.augmenter.augment((double[]) chunk.scaledImage, 0, (double[]) batchFeatures, dstOff,
          seed);
    }
  }

  /**
   * Each row's dropout from its own stream at (seed, epoch, example index): input, then hidden
   * (into the chunk's mask, column r − first).
   */
  private void drawDropout(Chunk chunk, int first, int count) {
    int hidden = layout.hidden();
    for (int r = first; r < first + count; r++) {
      SplittableRandom random =
          Seeds.random(plan.seed(), Seeds.Stream.DROPOUT, plan.epoch(), batchIndices[r]);
      if (inputDropout.active()) {
        k.dropoutInPlace(batchFeatures, r * inputs, inputs, inputDropout, random);
      }
      if (hiddenDropout.active()) {
        k.dropoutMask(chunk.hiddenMask, (r - first) * hidden, hidden, hiddenDropout, random);
      }
    }
  }
}
