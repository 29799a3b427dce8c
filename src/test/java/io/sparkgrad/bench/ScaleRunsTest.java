package io.sparkgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the scale section reads from a train log: the layout (for the limit's rows) and epochs. */
class ScaleRunsTest {
  /** Lines as ConsoleListener prints them, amid Spark's warnings. */
  private static final String LOG = String.join("\n",
      "data: 8100000 training (0 held out for validation) and 10000 test images of 28×28",
      "WARN BlockManager: something",
      "layout: 12 partitions, 1 model replica on 2 threads each",
      "epoch   1/3  train loss 0.1234 acc  96.12%  test loss 0.0345 acc  99.00%   53.70 s"
          + "    151,159 ex/s  lr 2.25e-03  eta 110 s",
      "epoch   2/3  train loss 0.0555 acc  98.31%  test loss 0.0301 acc  99.18%   55.20 s"
          + "    146,812 ex/s  lr 7.50e-04  eta 54 s",
      "epoch   3/3  train loss 0.0400 acc  98.77%  test loss 0.0290 acc  99.21%   59.00 s"
          + "    137,394 ex/s  lr 0.00e+00  eta -");

  @Test
  void readsTheLayout() {
    assertEquals(new ScaleRuns.Layout(12, 1, 2), ScaleRuns.Layout.parse(LOG));
    assertEquals(new ScaleRuns.Layout(4, 2, 1), ScaleRuns.Layout.parse(
        "layout: 4 partitions, 2 model replicas on 1 thread each"));
    assertEquals(new ScaleRuns.Layout(1, 1, 1), ScaleRuns.Layout.parse(
        "layout: 1 partition, 1 model replica on 1 thread each"));
  }

  @Test
  void aLogWithoutALayoutIsAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScaleRuns.Layout.parse("data: 60000 training\nepoch 1/1 ..."));
    assertEquals(true, e.getMessage().contains("layout:"), e.getMessage());
  }

  @Test
  void readsEveryEpoch() {
    List<ScaleRuns.Epoch> epochs = ScaleRuns.Epoch.parseAll(LOG);
    assertEquals(List.of(
        new ScaleRuns.Epoch(1, 53.70, 151_159, 99.00),
        new ScaleRuns.Epoch(2, 55.20, 146_812, 99.18),
        new ScaleRuns.Epoch(3, 59.00, 137_394, 99.21)), epochs);
  }
}
