package io.sparkgrad.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Everything a run carries from one epoch to the next, and so everything a checkpoint holds. The
 * random streams need no position of their own: each derives from (seed, epoch), so
 * {@link #epochsDone} is their position.
 *
 * <p>{@link #FIELDS} lists every field once; {@link #copy()}, {@link Checkpoints#write} and
 * {@link Checkpoints#latest} all walk that table, so a new field is one new row.
 */
public final class TrainingState {
  int epochsDone;
  double[] params;
  double[] optimizerState;
  List<EpochMetrics> history = new ArrayList<>();
  /** The parameters written as the model (the best by validation loss, or the last). */
  double[] kept;
  int keptEpoch;
  double bestValidationLoss = Double.POSITIVE_INFINITY;
  int epochsWithoutImprovement;
  boolean stoppedEarly;
  /** Multiplies the scheduled learning rate; halved by each divergence back-off. */
  double learningRateScale = 1.0;
  int backoffs;
  double trainingSeconds;
  int epochReachingTarget;
  double secondsToTarget = Double.NaN;
  /** Test loss of the initial weights: the divergence guard's yardstick. */
  double initialLoss = Double.NaN;

  /** Which expected length an array field is checked against when a checkpoint is read. */
  enum ArraySize {
    PARAMETERS,
    OPTIMIZER_STATE
  }

  /** One field of the state: where a checkpoint keeps it, and how it is copied. */
  sealed interface Field permits Scalar, Array {
    /** The key in state.json, or the file name in the checkpoint folder. */
    String name();

    void copy(TrainingState from, TrainingState to);
  }

  /**
   * A field kept in {@code state.json}. {@code read} turns the stored node (missing or null
   * included) back into the value; {@code duplicate} gives an independent copy of a value.
   */
  record Scalar<T>(
      String name, Function<TrainingState, T> get, BiConsumer<TrainingState, T> set,
      Function<T, JsonNode> write, Function<JsonNode, T> read, UnaryOperator<T> duplicate)
      implements Field {
    @Override
    public void copy(TrainingState from, TrainingState to) {
      set.accept(to, duplicate.apply(get.apply(from)));
    }

    JsonNode toJson(TrainingState state) {
      return write.apply(get.apply(state));
    }

    void fromJson(TrainingState state, JsonNode node) {
      set.accept(state, read.apply(node));
    }
  }

  /** A field kept as an {@link io.sparkgrad.io.ArrayFile} of its own. */
  record Array(
      String name, ArraySize size, Function<TrainingState, double[]> get,
      BiConsumer<TrainingState, double[]> set) implements Field {
    @Override
    public void copy(TrainingState from, TrainingState to) {
      set.accept(to, get.apply(from).clone());
    }
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static Scalar<Integer> integer(
      String name, Function<TrainingState, Integer> get, BiConsumer<TrainingState, Integer> set) {
    return new Scalar<>(name, get, set, NODES::numberNode, JsonNode::asInt, v -> v);
  }

  /** A double written as null when not finite; null or missing reads back as {@code absent}. */
  private static Scalar<Double> number(
      String name, Function<TrainingState, Double> get, BiConsumer<TrainingState, Double> set,
      double absent) {
    return new Scalar<>(name, get, set,
        v -> Double.isFinite(v) ? NODES.numberNode(v) : NODES.nullNode(),
        node -> node.isNull() || node.isMissingNode() ? absent : node.asDouble(), v -> v);
  }

  /** The state's fields, each once: the one list that copy, write and read walk. */
  static final List<Field> FIELDS = List.of(
      integer("epochs_done", s -> s.epochsDone, (s, v) -> s.epochsDone = v),
      new Array("params.bin", ArraySize.PARAMETERS, s -> s.params, (s, v) -> s.params = v),
      new Array("optimizer.bin", ArraySize.OPTIMIZER_STATE,
          s -> s.optimizerState, (s, v) -> s.optimizerState = v),
      new Scalar<List<EpochMetrics>>("epochs", s -> s.history, (s, v) -> s.history = v,
          MetricsJson::epochsNode, MetricsJson::readEpochs, ArrayList::new),
      new Array("kept.bin", ArraySize.PARAMETERS, s -> s.kept, (s, v) -> s.kept = v),
      integer("kept_epoch", s -> s.keptEpoch, (s, v) -> s.keptEpoch = v),
      number("best_validation_loss", s -> s.bestValidationLoss,
          (s, v) -> s.bestValidationLoss = v, Double.POSITIVE_INFINITY),
      integer("epochs_without_improvement", s -> s.epochsWithoutImprovement,
          (s, v) -> s.epochsWithoutImprovement = v),
      new Scalar<>("stopped_early", s -> s.stoppedEarly, (s, v) -> s.stoppedEarly = v,
          NODES::booleanNode, JsonNode::asBoolean, v -> v),
      new Scalar<>("learning_rate_scale", s -> s.learningRateScale,
          (s, v) -> s.learningRateScale = v, NODES::numberNode, JsonNode::asDouble, v -> v),
      integer("backoffs", s -> s.backoffs, (s, v) -> s.backoffs = v),
      new Scalar<>("training_seconds", s -> s.trainingSeconds, (s, v) -> s.trainingSeconds = v,
          NODES::numberNode, JsonNode::asDouble, v -> v),
      integer("epoch_reaching_target", s -> s.epochReachingTarget,
          (s, v) -> s.epochReachingTarget = v),
      number("seconds_to_target", s -> s.secondsToTarget, (s, v) -> s.secondsToTarget = v,
          Double.NaN),
      number("initial_loss", s -> s.initialLoss, (s, v) -> s.initialLoss = v, Double.NaN));

  TrainingState(double[] params, double[] optimizerState) {
    this.params = params;
    this.optimizerState = optimizerState;
    this.kept = params.clone();
  }

  /** An independent copy (arrays and history copied). */
  TrainingState copy() {
    TrainingState copy = new TrainingState(params, optimizerState);
    for (Field field : FIELDS) {
      field.copy(this, copy);
    }
    return copy;
  }

  public int epochsDone() {
    return epochsDone;
  }

  public double[] params() {
    return params.clone();
  }

  public List<EpochMetrics> history() {
    return List.copyOf(history);
  }
}
