package io.sparkgrad.config;

import java.io.Serializable;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When the trainer writes a checkpoint, at the end of an epoch: every {@code epochs} epochs (and
 * after the last), or once at least {@code seconds} of training have passed since the previous
 * checkpoint (or the start), or never. The key {@code checkpoint-every} reads {@code N} (epochs;
 * 0 = never) or a duration {@code Ns}, {@code Nm}, {@code Nh}.
 *
 * <p>Why time is the default: a checkpoint costs about as much whatever the epoch's length (0.1 s
 * of a 2-core machine for the default network: the state is copied, encoded and written while the
 * next epoch runs), so one per epoch takes a tenth of a 0.6 s MNIST epoch and nothing of an
 * mnist8m one. By time, a short run writes none and a long one writes one per interval: at most
 * a fraction of a percent of its time, and a crash loses at most the interval plus one epoch.
 *
 * @param epochs every this many epochs; 0 when the schedule is by time or never
 * @param seconds at least this long after the previous checkpoint; 0 when by epochs or never
 */
public record CheckpointSchedule(int epochs, long seconds) implements Serializable {
  public static final CheckpointSchedule NEVER = new CheckpointSchedule(0, 0);
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smh])");

  public CheckpointSchedule {
    if (epochs < 0 || seconds < 0 || (epochs > 0 && seconds > 0)) {
      throw new IllegalArgumentException("checkpoint schedule: expected epochs or seconds, not"
          + " both, neither negative; found " + epochs + " epochs, " + seconds + " s");
    }
  }

  public static CheckpointSchedule everyEpochs(int epochs) {
    return new CheckpointSchedule(epochs, 0);
  }

  public static CheckpointSchedule everySeconds(long seconds) {
    return new CheckpointSchedule(0, seconds);
  }

  /** Reads {@code N} (epochs, 0 = never) or {@code Ns}/{@code Nm}/{@code Nh} (N ≥ 1). */
  public static CheckpointSchedule parse(String key, String text) {
    String value = text.trim().toLowerCase(Locale.ROOT);
    Matcher duration = DURATION.matcher(value);
    if (duration.matches()) {
      long count = Long.parseLong(duration.group(1));
      long unit = switch (duration.group(2)) {
        case "s" -> 1;
        case "m" -> 60;
        default -> 3600;
      };
      if (count >= 1) {
        return everySeconds(count * unit);
      }
    } else if (value.matches("\\d{1,9}")) {
      return everyEpochs(Integer.parseInt(value));
    }
    throw new ConfigException(key + ": expected a number of epochs (0 = none) or a duration of"
        + " at least 1 such as 30s, 10m or 1h; found '" + text + "'");
  }

  /** The text {@link #parse} reads back: the epochs, or the duration in its largest whole unit. */
  public String label() {
    if (seconds == 0) {
      return Integer.toString(epochs);
    }
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
  }

  public boolean never() {
    return epochs == 0 && seconds == 0;
  }

  public boolean byTime() {
    return seconds > 0;
  }

  /**
   * Whether the epoch just ended is checkpointed: {@code epochsDone} epochs done, {@code last}
   * when the run ends with it, {@code secondsSinceLast} of training since the previous
   * checkpoint or the start.
   */
  public boolean due(int epochsDone, boolean last, double secondsSinceLast) {
    if (epochs > 0) {
      return epochsDone % epochs == 0 || last;
    }
    return seconds > 0 && secondsSinceLast >= seconds;
  }

  /** What a rerun finds when this run stops before its first checkpoint. */
  public String beforeFirst() {
    if (never()) {
      return "no checkpoints are written (checkpoint-every 0): a rerun starts over";
    }
    return byTime()
        ? "no checkpoint was written yet (checkpoint-every " + label() + ": the first after "
            + label() + " of training): a rerun starts over"
        : "no checkpoint was written yet: a rerun starts over";
  }
}
