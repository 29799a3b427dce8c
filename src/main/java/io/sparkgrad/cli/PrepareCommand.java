package io.sparkgrad.cli;

import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.IdxSplit;
import io.sparkgrad.data.ParquetData;
import io.sparkgrad.data.Split;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import io.sparkgrad.config.CommandLine;
import io.sparkgrad.config.Key;
import io.sparkgrad.config.KeyTable;
import io.sparkgrad.config.Values;
import org.apache.hadoop.conf.Configuration;

/** {@code sparkgrad prepare --data <IDX folder> --out <table>}: IDX → Parquet with Spark SQL. */
final class PrepareCommand {
  private final java.io.PrintStream out;

  PrepareCommand(java.io.PrintStream out) {
    this.out = out;
  }

  private static final KeyTable.Builder O = KeyTable.builder("--");
  static final Key<String> DATA = O.key("data", "the IDX folder").hint("FOLDER").text().required();
  static final Key<String> OUT = O.key("out", "the Parquet table to write").hint("PATH").text()
      .required();
  static final Key<String> MASTER = O.key("master", "Spark master when not set by spark-submit")
      .hint("URL").text().defaultValue("local[*]");
  static final KeyTable OPTIONS = O.build();

  ExitCode run(List<String> args) throws IOException {
    CommandLine line = CommandLine.parse(args, OPTIONS);
    if (line.help()) {
      this.out.print("usage: sparkgrad prepare --data <IDX folder> --out <Parquet table path>"
          + " [--master URL]\n\nWrites one row per example (split, index, label, rows, cols,"
          + " pixels), partitioned by split.\n\noptions:\n" + OPTIONS.help());
      return ExitCode.OK;
    }
    Values options = line.values(OPTIONS);
    String data = options.get(DATA);
    String out = options.get(OUT);
    // A table written into (or over) its own IDX folder would change the input.
    io.sparkgrad.io.OutputClaim.checkApart(out, "--out",
        List.of(new io.sparkgrad.io.OutputClaim.Input("--data", data)), new Configuration());
    // The driver reads and checks the headers; the executors read the examples.
    Configuration conf = new Configuration();
    DataSetFolder folder = DataSetFolder.at(data, conf);
    IdxSplit train = IdxSplit.open(folder, Split.TRAIN, conf);
    IdxSplit test = IdxSplit.open(folder, Split.TEST, conf);
    try (SparkSessions sessions =
        SparkSessions.start("sparkgrad-prepare", options.get(MASTER))) {
      ParquetData.write(sessions.session(), Map.of(Split.TRAIN, train, Split.TEST, test), out);
    }
    this.out.printf("prepared %d training and %d test examples from %s into %s%n",
        train.count(), test.count(), data, out);
    return ExitCode.OK;
  }
}
