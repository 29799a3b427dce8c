package io.sparkgrad.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;

/**
 * A split whose examples are fixed-size records that a task can read at any position (raw IDX
 * files): each task building the cached blocks reads its own runs of records straight from
 * storage, and no example crosses Spark's shuffle ({@link BlockReader}). Sources that can only
 * be read in order (gzip, Parquet, a DataFrame) have none.
 */
public interface PositionedRecords extends Serializable {
  /** Bytes of one record's pixels. */
  int features();

  /** Opens the split's files for positioned reads, on an executor (with the driver's settings). */
  Reader open();

  /** Positioned reads of one task; files are opened as first needed and closed together. */
  interface Reader extends Closeable {
    /**
     * Reads records {@code [first, first + count)} of the split (global numbers, across part
     * files): their pixels into {@code pixels} from {@code pixelOffset}, their labels (0..255;
     * {@code Example.NO_LABEL & 0xFF} for an unlabeled file) into {@code labels} from
     * {@code labelOffset}.
     */
    void read(int first, int count, byte[] pixels, int pixelOffset, int[] labels,
        int labelOffset) throws IOException;
  }
}
