package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Without Spark: how the pieces of the folder pass are shared out to tasks. */
class TaskGroupsTest {
  /** MNIST ×40's files: 40 image parts of 47 MB, 40 label parts of 60 kB, two test files. */
  private static List<Long> x40() {
    List<Long> bytes = new ArrayList<>();
    for (int p = 0; p < 40; p++) {
      bytes.add(47_040_016L);
      bytes.add(60_008L);
    }
    bytes.add(1_616_508L);
    bytes.add(4_517L);
    return bytes;
  }

  @Test
  void everyPieceLandsOnceInGroupsOfAboutEqualBytes() {
    List<Long> pieces = x40();
    List<List<Long>> groups = TaskGroups.balanced(pieces, Long::longValue, 4);
    assertEquals(4, groups.size());
    List<Long> all = new ArrayList<>();
    long most = 0;
    long least = Long.MAX_VALUE;
    for (List<Long> group : groups) {
      all.addAll(group);
      long sum = group.stream().mapToLong(Long::longValue).sum();
      most = Math.max(most, sum);
      least = Math.min(least, sum);
    }
    all.sort(null);
    List<Long> expected = new ArrayList<>(pieces);
    expected.sort(null);
    assertEquals(expected, all);
    // Largest first to the least loaded: groups differ by at most the largest piece.
    assertTrue(most - least <= 47_040_016L, most + " vs " + least);
    assertEquals(groups, TaskGroups.balanced(pieces, Long::longValue, 4),
        "a function of the pieces");
  }

  @Test
  void fewerPiecesThanGroupsGiveNoEmptyGroup() {
    List<List<Long>> groups = TaskGroups.balanced(List.of(5L, 0L), Long::longValue, 8);
    assertEquals(2, groups.size());
    assertEquals(List.of(List.of(5L), List.of(0L)), groups);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TaskGroups.balanced(List.of(1L), Long::longValue, 0));
    assertEquals("groups: expected at least 1; found 0", e.getMessage());
  }
}
