package io.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.math.Precision;
import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** Stacked blocks: complete, scaled once, and laid out by the seed alone. */
class BlockedDataTest {
  private static final LabeledImages IMAGES = SyntheticImages.make(1000, 5, 4, 3, 9);

  private static List<ExampleBlock<?>> blocks(int[] members, int partitions, long seed, Precision precision) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    try (BlockedData data =
        BlockedData.build(jsc, IMAGES, members, partitions, seed, 64, precision, "test")) {
      assertEquals(partitions, data.rdd().getNumPartitions());
      return data.rdd().collect();
    }
  }

  @Test
  void everyMemberAppearsOnceWithItsScaledPixelsAndLabel() {
    int[] members = new int[700];
    for (int i = 0; i < members.length; i++) {
      members[i] = 1 + i; // examples 1..700: member i is example i+1
    }
    boolean[] seen = new boolean[members.length];
    for (ExampleBlock<?> block : blocks(members, 3, 5, Precision.FLOAT64)) {
      assertTrue(block.rows() <= 64 && block.rows() > 0);
      double[] features = (double[]) block.features();
      assertEquals(block.rows() * 20, features.length);
      for (int r = 0; r < block.rows(); r++) {
        int index = block.indices()[r];
        assertFalse(seen[index], "index " + index + " twice");
        seen[index] = true;
        int example = members[index];
        assertEquals(IMAGES.label(example), block.labels()[r]);
        for (int p = 0; p < 20; p++) {
          assertEquals((IMAGES.pixels()[example * 20 + p] & 0xFF) / 255.0, features[r * 20 + p], 0.0);
        }
      }
    }
    for (int i = 0; i < seen.length; i++) {
      assertTrue(seen[i], "member " + i + " missing");
    }
  }

  @Test
  void layoutIsAFunctionOfTheSeed() {
    int[] all = BlockedData.all(IMAGES);
    List<ExampleBlock<?>> first = blocks(all, 4, 21, Precision.FLOAT32);
    List<ExampleBlock<?>> again = blocks(all, 4, 21, Precision.FLOAT32);
    List<ExampleBlock<?>> otherSeed = blocks(all, 4, 22, Precision.FLOAT32);
    assertEquals(first.size(), again.size());
    for (int i = 0; i < first.size(); i++) {
      assertArrayEquals(first.get(i).indices(), again.get(i).indices());
      assertArrayEquals((float[]) first.get(i).features(), (float[]) again.get(i).features(), 0f);
    }
    assertFalse(Arrays.equals(first.get(0).indices(), otherSeed.get(0).indices()));
  }
}
