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
 * One partition's share of a training job, in plain Java (no Spark), so it can be tested and
 * reasoned about alone. It gathers, for each step of the plan, the partition's members of the
 * global mini-batch into one contiguous block, then either sums their gradient
 * ({@link SyncMode#GRADIENT}) or takes a local optimizer step on their mean gradient
 * ({@link SyncMode#LOCAL_STEPS}).
 */
public final class PartitionWorker<A> {
  private final StepPlan plan;
  private final Kernels<A> k;
  private final List<ExampleBlock> blocks;
  private final int blockStride;
  private final TwoLayerNetwork<A> network;
  private final ParameterLayout layout;
  private final int inputs;
  private final A batchFeatures;
  private final int[] batchLabels;
  /** Example index of each gathered row: the coordinate of its random streams. */
  private final int[] batchIndices;
  /** Resamples each gathered image, or null without augmentation. */
  private final ImageAugmenter augmenter;
  /** One scaled image, the augmenter's source, or null without augmentation. */
  private final A scaledImage;
  private final Dropout inputDropout;
  private final Dropout hiddenDropout;
  /** H×batchSize hidden dropout mask, or null without hidden dropout. */
  private final A hiddenMask;
  private final A paramsA;
  private final A gradA;

  @SuppressWarnings("unchecked")
  public static PartitionWorker<?> create(StepPlan plan, List<ExampleBlock> blocks) {
    Kernels<?> kernels = plan.precision().kernels(Blas.get(plan.blas()));
    return new PartitionWorker<>(plan, (Kernels<Object>) kernels, blocks);
  }

  PartitionWorker(StepPlan plan, Kernels<A> kernels, List<ExampleBlock> blocks) {
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
    this.network = new TwoLayerNetwork<>(plan.spec(), k, plan.batchSize());
    this.batchFeatures = k.allocate(inputs * plan.batchSize());
    this.batchLabels = new int[plan.batchSize()];
    this.batchIndices = new int[plan.batchSize()];
    AugmentationSpec augmentation = plan.noise().augmentation();
    if (augmentation.enabled() && plan.imageRows() * plan.imageCols() != inputs) {
      throw new IllegalArgumentException("augment: images of " + plan.imageRows() + "×"
          + plan.imageCols() + " pixels expected; found " + inputs + " inputs per example");
    }
    this.augmenter = augmentation.enabled()
        ? new ImageAugmenter(augmentation, plan.imageCols(), plan.imageRows())
        : null;
    this.scaledImage = augmenter == null ? null : k.allocate(inputs);
    this.inputDropout = plan.noise().input();
    this.hiddenDropout = plan.noise().hidden();
    this.hiddenMask =
        hiddenDropout.active() ? k.allocate(layout.hidden() * plan.batchSize()) : null;
    this.paramsA = k.allocate(layout.size());
    this.gradA = k.allocate(layout.size());
  }

  /** Runs the plan's steps from the broadcast parameters and optimizer state. */
  public JobResult run(double[] params, double[] optimizerState) {
    long[] order = epochOrder();
    return plan.mode() == SyncMode.GRADIENT
        ? sumGradients(order, params)
        : localSteps(order, params, optimizerState);
  }

  private JobResult sumGradients(long[] order, double[] params) {
    JobResult result = new JobResult(layout.size(), 0);
    k.copyFromDouble(paramsA, params, layout.size());
    k.zero(gradA, layout.size());
    for (int s = 0; s < plan.stepCount(); s++) {
      int rows = gather(order, plan.firstStep() + s);
      if (rows == 0) {
        continue;
      }
      BlockStats stats = network.accumulateGradient(
          paramsA, batchFeatures, 0, batchLabels, 0, rows, gradA, 1.0, hiddenMask);
      result.addExamples(rows, stats.lossSum(), stats.correct());
    }
    double[] grad = new double[layout.size()];
    k.addToDouble(grad, 0, gradA, layout.size());
    result.addVector(grad);
    return result;
  }

  private JobResult localSteps(long[] order, double[] startParams, double[] startState) {
    Optimizer optimizer = plan.optimizer().create(layout, plan.weightDecay());
    optimizer.setState(startState);
    // Parameters, gradient and optimizer state stay in the plan's precision for all the steps:
    // converting them at every step cost as much as a third of a step.
    k.copyFromDouble(paramsA, startParams, layout.size());
    JobResult result = new JobResult(layout.size(), startState.length);
    for (int s = 0; s < plan.stepCount(); s++) {
      int rows = gather(order, plan.firstStep() + s);
      if (rows == 0) {
        continue;
      }
      BlockStats stats = network.computeGradient(
          paramsA, batchFeatures, 0, batchLabels, 0, rows, gradA, 1.0 / rows, hiddenMask);
      result.addExamples(rows, stats.lossSum(), stats.correct());
      step(optimizer, plan.learningRates()[s]);
    }
    double weight = result.examples();
    if (weight > 0) {
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

  /** One optimizer step on the working parameters from the working gradient. */
  private void step(Optimizer optimizer, double learningRate) {
    if (paramsA instanceof float[] params) {
      optimizer.step(params, (float[]) gradA, learningRate);
    } else {
      optimizer.step((double[]) paramsA, (double[]) gradA, learningRate);
    }
  }

  /**
   * Gathers (and augments) this partition's members of step {@code step} of the plan's epoch
   * into the batch, as training does, and returns how many there are; {@link #batchFeatures()}
   * and {@link #batchIndices()} then hold them. For tests of what training sees.
   */
  int gatherStep(int step) {
    return gather(epochOrder(), step);
  }

  /** This partition's examples in the epoch's order ({@link EpochOrders}). */
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
   * Scales this partition's members of global step {@code step} (positions [step·batchSize,
   * (step+1)·batchSize) of the epoch's order) into the batch buffers, in that order, and returns
   * how many there are.
   */
  private int gather(long[] order, int step) {
    long to = Math.min((long) (step + 1) * plan.batchSize(), plan.trainCount());
    int rows = 0;
    for (int j = EpochOrders.firstAt(order, step * plan.batchSize());
        j < order.length && (order[j] >>> 32) < to; j++) {
      int slot = (int) order[j];
      ExampleBlock block = blocks.get(slot / blockStride);
      int row = slot % blockStride;
      int index = block.indices()[row];
      if (augmenter == null) {
        block.scaleRows(k, batchFeatures, rows * inputs, row, 1);
      } else {
        block.scaleRows(k, scaledImage, 0, row, 1);
        augment(scaledImage, 0, rows * inputs, index);
      }
      batchLabels[rows] = block.labels()[row];
      batchIndices[rows] = index;
      rows++;
    }
    if (inputDropout.active() || hiddenDropout.active()) {
      drawDropout(rows);
    }
    return rows;
  }

  /**
   * Resamples the image at {@code src[srcOff..]} into row {@code dstOff} of the batch, from the
   * example's own stream at (seed, epoch, example index); the cached block stays untouched.
   */
  private void augment(A src, int srcOff, int dstOff, int example) {
    long seed = Seeds.derive(plan.seed(), Seeds.Stream.AUGMENTATION, plan.epoch(), example);
    if (src instanceof float[] pixels) {
      augmenter.augment(pixels, srcOff, (float[]) batchFeatures, dstOff, seed);
    } else {
      augmenter.augment((double[]) src, srcOff, (double[]) batchFeatures, dstOff, seed);
    }
  }

  /** Each row's dropout from its own stream at (seed, epoch, example index): input, then hidden. */
  private void drawDropout(int rows) {
    int hidden = layout.hidden();
    for (int r = 0; r < rows; r++) {
      SplittableRandom random =
          Seeds.random(plan.seed(), Seeds.Stream.DROPOUT, plan.epoch(), batchIndices[r]);
      if (inputDropout.active()) {
        k.dropoutInPlace(batchFeatures, r * inputs, inputs, inputDropout, random);
      }
      if (hiddenDropout.active()) {
        k.dropoutMask(hiddenMask, r * hidden, hidden, hiddenDropout, random);
      }
    }
  }
}
