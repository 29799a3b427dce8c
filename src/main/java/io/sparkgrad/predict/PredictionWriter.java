package io.sparkgrad.predict;

import io.sparkgrad.io.OutputClaim;
import io.sparkgrad.io.OutputKind;
import io.sparkgrad.model.ModelStore;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.Path;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Writes predictions with Spark SQL, to a temporary sibling renamed into place when complete,
 * with the hidden marker {@link OutputKind#PREDICTIONS_MARKER} (Spark's readers skip hidden
 * files) by which a later --overwrite knows the folder is sparkgrad's predictions.
 */
public final class PredictionWriter {
  /** The output formats of {@code sparkgrad predict}. */
  public enum Format {
    /** A Parquet table: a folder of part files, in input order by part number. */
    PARQUET,
    /** A folder holding one CSV part file with a header line. */
    CSV;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Format parse(String key, String value) {
      for (Format format : values()) {
        if (format.label().equalsIgnoreCase(value.trim())) {
          return format;
        }
      }
      throw new IllegalArgumentException(
          key + ": expected one of parquet, csv; found '" + value + "'");
    }
  }

  private PredictionWriter() {}

  public static void write(Dataset<Row> predictions, Format format, OutputClaim claim) {
    claim.write((fs, temporary) -> {
      switch (format) {
        case PARQUET -> predictions.write().mode(SaveMode.ErrorIfExists)
            .parquet(temporary.toString());
        // One partition (no shuffle): a single part file in input order, with one header.
        case CSV -> predictions.coalesce(1).write().mode(SaveMode.ErrorIfExists)
            .option("header", "true").csv(temporary.toString());
        default -> throw new IllegalStateException("unhandled format " + format);
      }
      ModelStore.writeBytes(fs, new Path(temporary, OutputKind.PREDICTIONS_MARKER),
          ("sparkgrad predictions, " + format.label() + "\n").getBytes(StandardCharsets.UTF_8));
    });
  }
}
