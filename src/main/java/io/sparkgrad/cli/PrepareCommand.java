package io.sparkgrad.cli;

import io.sparkgrad.data.DataSet;
import io.sparkgrad.data.DataSetFolder;
import io.sparkgrad.data.ParquetData;
import java.io.IOException;
import java.util.List;
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
    DataSet dataSet = DataSetFolder.at(data, new Configuration()).load();
    try (SparkSessions sessions =
        SparkSessions.start("sparkgrad-prepare", options.get(MASTER))) {
      ParquetData.write(sessions.session(), dataSet, out);
    }
    this.out.printf("prepared %d training and %d test examples from %s into %s%n",
        dataSet.train().count(), dataSet.test().count(), data, out);
    return ExitCode.OK;
  }
}
