package io.sparkgrad.cli;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.ParquetData;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/** {@code sparkgrad prepare --data <IDX folder> --out <table>}: IDX → Parquet with Spark SQL. */
final class PrepareCommand {
  private final java.io.PrintStream out;

  PrepareCommand(java.io.PrintStream out) {
    this.out = out;
  }

  ExitCode run(List<String> args) throws IOException {
    Map<String, String> options =
        SimpleOptions.parse(args, List.of("data", "out", "master"), List.of());
    if (options.containsKey("help")) {
      this.out.println("usage: sparkgrad prepare --data <IDX folder> --out <Parquet table path>"
          + " [--master URL]\n\nWrites one row per example (split, index, label, rows, cols,"
          + " pixels), partitioned by split.");
      return ExitCode.OK;
    }
    String data = SimpleOptions.required(options, "data");
    String out = SimpleOptions.required(options, "out");
    // A table written into (or over) its own IDX folder would change the input.
    io.sparkgrad.io.OutputClaim.checkApart(out, "--out",
        List.of(new io.sparkgrad.io.OutputClaim.Input("--data", data)), new Configuration());
    DataSet dataSet = DataSetFolder.at(data, new Configuration()).load();
    try (SparkSessions sessions =
        SparkSessions.start("sparkgrad-prepare", options.getOrDefault("master", "local[*]"))) {
      ParquetData.write(sessions.session(), dataSet, out);
    }
    this.out.printf("prepared %d training and %d test examples from %s into %s%n",
        dataSet.train().count(), dataSet.test().count(), data, out);
    return ExitCode.OK;
  }
}
