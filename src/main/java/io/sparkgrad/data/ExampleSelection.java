package io.sparkgrad.data;

import io.sparkgrad.math.IndexPermutation;
import io.sparkgrad.math.Seeds;
import java.io.Serializable;
import java.util.Objects;

/**
 * Which examples of a split a run uses, and the dense index 0..size−1 each gets: the whole split
 * (example e gets index e), or one side of the validation hold-out. Every answer is computed from
 * the example's own position, so a task holding some examples needs no list of the others.
 *
 * <p>The hold-out: with the seeded permutation π of the split's {@code count} examples, example e
 * is held out for validation when π(e) &lt; {@code heldOut} (validation index π(e)); otherwise it
 * is trained on with index π(e) − {@code heldOut}.
 */
public final class ExampleSelection implements Serializable {
  private static final long serialVersionUID = 1L;

  private enum Side { ALL, TRAINING, VALIDATION }

  private final Side side;
  private final int count;
  private final int heldOut;
  private final IndexPermutation holdout;

  private ExampleSelection(Side side, int count, int heldOut, long seed) {
    if (count < 0 || heldOut < 0 || heldOut > count) {
      throw new IllegalArgumentException(
          "hold-out: expected 0 ≤ held out ≤ count; found " + heldOut + " of " + count);
    }
    this.side = side;
    this.count = count;
    this.heldOut = heldOut;
    this.holdout = side == Side.ALL || heldOut == 0
        ? null
        : new IndexPermutation(count, seed, Seeds.Stream.VALIDATION_SPLIT, 0);
  }

  /** Every one of {@code count} examples, example e with index e. */
  public static ExampleSelection all(int count) {
    return new ExampleSelection(Side.ALL, count, 0, 0);
  }

  /** The examples trained on when {@code heldOut} of {@code count} are held out. */
  public static ExampleSelection training(int count, int heldOut, long seed) {
    return heldOut == 0 ? all(count) : new ExampleSelection(Side.TRAINING, count, heldOut, seed);
  }

  /** The {@code heldOut} examples of {@code count} held out for validation. */
  public static ExampleSelection validation(int count, int heldOut, long seed) {
    return new ExampleSelection(Side.VALIDATION, count, heldOut, seed);
  }

  /** How many examples the split has, selected or not. */
  public int splitCount() {
    return count;
  }

  /** How many examples are selected. */
  public int size() {
    return switch (side) {
      case ALL -> count;
      case TRAINING -> count - heldOut;
      case VALIDATION -> heldOut;
    };
  }

  /** Whether every example of the split is selected, example e with index e. */
  public boolean isAll() {
    return side == Side.ALL || (side == Side.TRAINING && heldOut == 0);
  }

  /** The split's example that has index {@code index} (0..size−1): {@link #indexOf}'s inverse. */
  public int exampleOf(int index) {
    Objects.checkIndex(index, size());
    if (isAll()) {
      return index;
    }
    return holdout.inverse(side == Side.VALIDATION ? index : index + heldOut);
  }

  /** The index of example {@code example} of the split, or −1 when it is not selected. */
  public int indexOf(int example) {
    if (side == Side.ALL || holdout == null) {
      return side == Side.VALIDATION ? -1 : example;
    }
    int position = holdout.apply(example);
    if (side == Side.VALIDATION) {
      return position < heldOut ? position : -1;
    }
    return position >= heldOut ? position - heldOut : -1;
  }
}
