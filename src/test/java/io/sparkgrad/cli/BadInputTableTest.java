package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.LabeledImages;
import io.sparkgrad.testing.IdxFolders;
import io.sparkgrad.testing.SparkTestSession;
import io.sparkgrad.testing.SyntheticImages;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import io.sparkgrad.io.OutputClaim;
import io.sparkgrad.io.OutputKind;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input sparkgrad is known to meet, run through the real command line, with its exact
 * message and exit code asserted — and the table in docs/bad-input.md checked against these
 * very cases, so the documentation cannot drift from the behaviour.
 */
class BadInputTableTest {
  @TempDir static Path work;
  static Path good;

  /** One bad input: how to make it, what the user runs, and what they must see. */
  record Case(String name, String input, String[] args, ExitCode code, String message) {
    String row() {
      return "| " + name + " | " + input + " | " + code.code() + " | `" + message + "` |";
    }
  }

  static Path model;
  static Path table;
  /** Held while the cases run: the "second writer" case meets it. */
  static OutputClaim busyClaim;

  @AfterAll
  static void releaseClaim() {
    if (busyClaim != null) {
      busyClaim.close();
    }
  }

  @BeforeAll
  static void writeGoodDataAndModel() throws IOException {
    LabeledImages train = SyntheticImages.make(300, 6, 5, 3, 1);
    LabeledImages test = SyntheticImages.make(60, 6, 5, 3, 2);
    good = IdxFolders.write(work.resolve("good"), train, test);
    SparkTestSession.get();
    model = work.resolve("model");
    CommandRun.Outcome trained = CommandRun.run("train", "--data", good.toString(), "--model",
        model.toString(), "--hidden", "8", "--epochs", "1");
    assertEquals(0, trained.code(), trained.err());
    table = work.resolve("table");
    assertEquals(0, CommandRun.run("prepare", "--data", good.toString(), "--out",
        table.toString()).code());
  }

  /** A copy of the good model with metadata.json's text changed by {@code edit}. */
  private static Path modelWithMetadata(String folder, java.util.function.UnaryOperator<String> edit)
      throws IOException {
    String metadata = Files.readString(model.resolve("metadata.json"));
    String edited = edit.apply(metadata);
    assertTrue(!edited.equals(metadata), "the edit changed nothing");
    return modelWith(folder, "metadata.json", edited.getBytes(StandardCharsets.UTF_8));
  }

  /** The good model with new weights written consistently: a valid CRC, and optionally a SHA-256. */
  private static Path modelWithWeights(String folder, double[] params, boolean updateSha)
      throws IOException {
    byte[] weights = io.sparkgrad.model.WeightsFile.encode(
        new io.sparkgrad.network.ParameterLayout(30, 8, 3), params);
    Path copy = modelWith(folder, "weights.bin", weights);
    if (updateSha) {
      String metadata = Files.readString(copy.resolve("metadata.json"));
      String sha = io.sparkgrad.io.Sha256.hex(Files.readAllBytes(
          model.resolve("weights.bin")));
      Files.writeString(copy.resolve("metadata.json"),
          metadata.replace(sha, io.sparkgrad.io.Sha256.hex(weights)));
    }
    return copy;
  }

  private static double[] goodWeights() throws IOException {
    Path file = model.resolve("weights.bin");
    try (java.io.InputStream in = Files.newInputStream(file)) {
      return io.sparkgrad.model.WeightsFile.decode(file.toString(), in, Files.size(file))
          .params();
    }
  }

  private static Path fifo(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    try {
      Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
      assertEquals(0, mkfifo.waitFor(), "mkfifo " + path);
    } catch (InterruptedException e) {
      throw new IOException(e);
    }
    return path;
  }

  /** A copy of the good IDX folder with one file replaced by a FIFO. */
  private static Path withFifo(String folder, String name) throws IOException {
    Path dir = withFile(folder, name, new byte[0]);
    Files.delete(dir.resolve(name));
    fifo(dir.resolve(name));
    return dir;
  }

  /** A copy of the prepared Parquet table with a FIFO among its train part files. */
  private static Path tableWithFifo() throws IOException {
    Path copy = copyTable("table-fifo");
    fifo(copy.resolve("split=train/part-99999-fifo.parquet"));
    return copy;
  }

  /** A copy of the prepared Parquet table with its first train part file's middle overwritten. */
  private static Path corruptTable() throws IOException {
    Path copy = copyTable("table-corrupt");
    try (java.util.stream.Stream<Path> parts = Files.list(copy.resolve("split=train"))) {
      Path part = parts.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted()
          .findFirst().orElseThrow();
      byte[] bytes = Files.readAllBytes(part);
      Arrays.fill(bytes, 4, bytes.length - 8, (byte) 0x5a);
      Files.write(part, bytes);
    }
    return copy;
  }

  /** A copy of the prepared Parquet table, without its checksum files. */
  private static Path copyTable(String folder) throws IOException {
    Path copy = work.resolve(folder);
    try (java.util.stream.Stream<Path> walk = Files.walk(table)) {
      for (Path from : (Iterable<Path>) walk::iterator) {
        Path to = copy.resolve(table.relativize(from).toString());
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else if (!from.getFileName().toString().endsWith(".crc")) {
          Files.copy(from, to);
        }
      }
    }
    return copy;
  }

  /** A copy of the good model's visible files, with {@code file} replaced by {@code content}. */
  private static Path modelWith(String folder, String file, byte[] content) throws IOException {
    Path copy = work.resolve(folder);
    Files.createDirectories(copy);
    for (String name : List.of("metadata.json", "weights.bin", "metrics.json")) {
      Files.copy(model.resolve(name), copy.resolve(name));
    }
    Files.write(copy.resolve(file), content);
    return copy;
  }

  private static String[] evaluate(Path modelFolder) {
    return new String[] {"evaluate", "--model", modelFolder.toString(), "--data", good.toString()};
  }

  private static String[] predict(Path input) {
    return new String[] {"predict", "--model", model.toString(), "--input", input.toString(),
        "--out", work.resolve("predictions-never").toString()};
  }

  private static String[] train(Path data, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--model",
        work.resolve("model-never").toString(), "--hidden", "8", "--epochs", "1"));
    args.addAll(Arrays.asList(extra));
    return args.toArray(String[]::new);
  }

  /** A copy of the good folder with one file replaced (raw IDX) by {@code content}. */
  private static Path withFile(String folder, String name, byte[] content) throws IOException {
    Path dir = work.resolve(folder);
    Files.createDirectories(dir);
    for (String file : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")) {
      if (!file.equals(name)) {
        Files.copy(good.resolve(file + ".gz"), dir.resolve(file + ".gz"));
      }
    }
    Files.write(dir.resolve(name), content);
    return dir;
  }

  private static Path imageFolder(String folder, String name, byte[] content) throws IOException {
    Path dir = work.resolve(folder);
    Files.createDirectories(dir);
    Files.write(dir.resolve(name), content);
    return dir;
  }

  private static byte[] idx(int magic, int... headerAndBytes) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(magic);
      for (int value : headerAndBytes) {
        out.writeInt(value);
      }
    }
    return bytes.toByteArray();
  }

  private static String[] concat(String[] args, String... extra) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(Arrays.asList(extra));
    return all.toArray(String[]::new);
  }

  private static Path fifoMetadata() throws IOException {
    Path copy = modelWith("model-fifo", "weights.bin",
        Files.readAllBytes(model.resolve("weights.bin")));
    Files.delete(copy.resolve("metadata.json"));
    fifo(copy.resolve("metadata.json"));
    return copy;
  }

  private static byte[] concat(byte[] a, int extra) {
    return Arrays.copyOf(a, a.length + extra);
  }

  private List<Case> cases() throws IOException {
    Path existing = work.resolve("model-exists");
    Files.createDirectories(existing);
    Path fileAsParent = work.resolve("a-file");
    Files.writeString(fileAsParent, "not a folder");
    Path badConfig = work.resolve("bad.conf");
    Files.writeString(badConfig, "hidden = 64\nepochs 3\n");
    Path ownPage = work.resolve("page.html");
    Files.writeString(ownPage, "<html>the user's own page</html>\n");
    Path resumable = work.resolve("model-resumable");
    Files.createDirectories(work.resolve("model-resumable.checkpoints/epoch-000002"));
    Files.writeString(work.resolve("model-resumable.checkpoints/epoch-000002/state.json"), "{}\n");
    Path busy = work.resolve("model-busy");
    if (busyClaim == null) {
      busyClaim = OutputClaim.take(OutputKind.MODEL, busy.toString(), "--model", false,
          List.of(), new Configuration());
    }
    Path staleCrc = work.resolve("model-stale-crc");
    Files.createDirectories(staleCrc);
    try (java.util.stream.Stream<Path> files = Files.list(model)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.copy(file, staleCrc.resolve(file.getFileName()));
      }
    }
    Files.writeString(staleCrc.resolve("metadata.json"), Files.readString(
        model.resolve("metadata.json")).replace("\"hidden\" : 8", "\"hidden\" : 9"));
    double[] changed = goodWeights();
    changed[0] += 0.5;
    double[] nan = new double[changed.length];
    Arrays.fill(nan, Double.NaN);
    Path configFolder = Files.createDirectories(work.resolve("conf.d"));
    return List.of(
        new Case("unknown command", "`sparkgrad fly`", new String[] {"fly"}, ExitCode.USAGE,
            "unknown command 'fly'; expected one of: train, evaluate, predict, export, prepare, expand"),
        new Case("unknown option", "`train … --hiden 5`", train(good, "--hiden", "5"),
            ExitCode.USAGE, "unknown option '--hiden'; run with --help for the list of options"),
        new Case("malformed configuration file", "`--config bad.conf` with a line `epochs 3`",
            train(good, "--config", badConfig.toString()), ExitCode.USAGE,
            "<dir>/bad.conf:2: expected 'key = value'; found 'epochs 3'"),
        new Case("hidden size 0", "`--hidden 0`", train(good, "--hidden", "0"), ExitCode.USAGE,
            "hidden: expected an integer ≥ 1; found 0"),
        new Case("negative learning rate", "`--learning-rate -0.1`",
            train(good, "--learning-rate", "-0.1"), ExitCode.USAGE,
            "learning-rate: expected a finite number > 0; found -0.1"),
        new Case("unknown activation", "`--activation tanh`", train(good, "--activation", "tanh"),
            ExitCode.USAGE, "activation: expected one of step, sigmoid, relu; found 'tanh'"),
        new Case("unknown BLAS", "`--blas fast`", train(good, "--blas", "fast"),
            ExitCode.USAGE, "blas: expected one of auto, bundled, system, native, java; found 'fast'"),
        new Case("step function for training", "`--activation step`",
            train(good, "--activation", "step"), ExitCode.USAGE,
            "activation: 'step' cannot be trained: its derivative is 0 everywhere except at 0,"
                + " where it is undefined, so backpropagation would never change the first layer;"
                + " use 'sigmoid' or 'relu' (step remains available for forward passes)"),
        new Case("checkpoint interval of no unit", "`--checkpoint-every 10x`",
            train(good, "--checkpoint-every", "10x"), ExitCode.USAGE,
            "checkpoint-every: expected a number of epochs (0 = none) or a duration of at least 1"
                + " such as 30s, 10m or 1h; found '10x'"),
        new Case("batch larger than the data", "`--batch-size 301` for 300 examples",
            train(good, "--batch-size", "301"), ExitCode.USAGE,
            "batch-size: expected at most the 300 training examples; found 301"),
        new Case("output folder exists", "`--model` an existing folder",
            new String[] {"train", "--data", good.toString(), "--model", existing.toString()},
            ExitCode.OUTPUT_PROBLEM,
            "<dir>/model-exists: already exists; choose another --model or pass --overwrite"),
        new Case("output folder not writable", "`--model` inside a plain file",
            new String[] {"train", "--data", good.toString(), "--model",
                fileAsParent.resolve("model").toString()},
            ExitCode.OUTPUT_PROBLEM,
            "<dir>/a-file/model: cannot write in <dir>/a-file: it is a file, not a folder"),
        new Case("missing data folder", "`--data` a path that does not exist",
            train(work.resolve("nowhere")), ExitCode.BAD_DATA,
            "<dir>/nowhere: data set not found (expected an IDX folder or a Parquet table)"),
        new Case("wrong magic number", "labels file given as images",
            train(withFile("magic", "train-images-idx3-ubyte", idx(2049, 300))),
            ExitCode.BAD_DATA, "file:<dir>/magic/train-images-idx3-ubyte: magic number: expected"
                + " 0x00000803 (2051, IDX images: unsigned bytes, 3 dimensions); found 0x00000801"
                + " (2049, IDX labels: unsigned bytes, 1 dimension): an IDX labels file where an"
                + " IDX images file was expected (images and labels swapped?)"),
        new Case("truncated images", "header declares 300 images of 6×5, 1000 bytes present",
            train(withFile("truncated", "train-images-idx3-ubyte",
                concat(idx(2051, 300, 6, 5), 1000))), ExitCode.BAD_DATA,
            "file:<dir>/truncated/train-images-idx3-ubyte: file length: expected 16-byte header"
                + " + 300 images × 6×5 = 9016 bytes, as the header declares; found 1016 bytes"
                + " (truncated: room for only 33 complete images)"),
        new Case("trailing garbage", "300 images of 6×5 and 7 bytes more",
            train(withFile("trailing", "train-images-idx3-ubyte",
                concat(idx(2051, 300, 6, 5), 300 * 30 + 7))), ExitCode.BAD_DATA,
            "file:<dir>/trailing/train-images-idx3-ubyte: file length: expected 16-byte header"
                + " + 300 images × 6×5 = 9016 bytes, as the header declares; found 9023 bytes"
                + " (7 bytes of trailing data after the last image)"),
        new Case("huge declared count", "header claims 2^31−1 images in a 1 KiB file",
            train(withFile("huge", "train-images-idx3-ubyte",
                concat(idx(2051, Integer.MAX_VALUE, 28, 28), 1008))), ExitCode.BAD_DATA,
            "file:<dir>/huge/train-images-idx3-ubyte: file length: expected 16-byte header"
                + " + 2147483647 images × 28×28 = 1683627179264 bytes, as the header declares;"
                + " found 1024 bytes (truncated: room for only 1 complete images)"),
        new Case("empty file", "an empty labels file",
            train(withFile("empty", "train-labels-idx1-ubyte", new byte[0])), ExitCode.BAD_DATA,
            "file:<dir>/empty/train-labels-idx1-ubyte: file length: expected an IDX labels file"
                + " (a 8-byte header, then data); found an empty file (0 bytes)"),
        new Case("corrupt gzip", "a .gz file whose stream is cut",
            train(withFile("gzip", "train-labels-idx1-ubyte.gz",
                Arrays.copyOf(Files.readAllBytes(good.resolve("train-labels-idx1-ubyte.gz")), 30))),
            ExitCode.BAD_DATA, "file:<dir>/gzip/train-labels-idx1-ubyte.gz: gzip stream:"
                + " expected a valid gzip stream; found corrupt or truncated compressed data"
                + " (EOFException: Unexpected end of ZLIB input stream)"),
        new Case("label outside the classes", "`--classes 2` with labels up to 2",
            train(good, "--classes", "2"), ExitCode.BAD_DATA,
            "file:<dir>/good/train-labels-idx1-ubyte.gz: label of example 0: expected 0..1"
                + " (2 classes); found 2"),
        new Case("image and label counts differ", "299 labels for 300 images",
            train(withFile("counts", "train-labels-idx1-ubyte",
                concat(idx(2049, 299), 299))), ExitCode.BAD_DATA,
            "file:<dir>/counts/train-images-idx3-ubyte.gz and"
                + " file:<dir>/counts/train-labels-idx1-ubyte: example count: expected the same"
                + " number of images and labels; found 300 images and 299 labels"),
        new Case("model folder missing", "`evaluate --model` a path that does not exist",
            evaluate(work.resolve("no-model")), ExitCode.BAD_MODEL,
            "<dir>/no-model: no such model folder"),
        new Case("model weights truncated", "`weights.bin` cut to 100 bytes",
            evaluate(modelWith("model-truncated", "weights.bin",
                Arrays.copyOf(Files.readAllBytes(model.resolve("weights.bin")), 100))),
            ExitCode.BAD_MODEL, "<dir>/model-truncated/weights.bin: length: expected 2228 bytes for 275 values;"
                + " found 100"),
        new Case("model weights of the wrong size", "`weights.bin` of a 30→9→3 network",
            evaluate(modelWith("model-resized", "weights.bin",
                io.sparkgrad.model.WeightsFile.encode(
                    new io.sparkgrad.network.ParameterLayout(30, 9, 3), new double[30 * 9 + 9 + 27 + 3]))),
            ExitCode.BAD_MODEL, "<dir>/model-resized/weights.bin: shape: expected 30→8→3 as metadata.json"
                + " declares; found 30→9→3"),
        new Case("model of an unknown format version", "`metadata.json` says format_version 99",
            evaluate(modelWith("model-future", "metadata.json",
                Files.readString(model.resolve("metadata.json"))
                    .replace("\"format_version\" : 1", "\"format_version\" : 99")
                    .getBytes(StandardCharsets.UTF_8))),
            ExitCode.BAD_MODEL, "<dir>/model-future/metadata.json: format_version: expected 1; found 99"),
        new Case("a PNG that is not an image", "`predict --input` a folder with a garbage `.png`",
            predict(imageFolder("not-an-image", "digit.png", "not a picture".getBytes(StandardCharsets.UTF_8))),
            ExitCode.BAD_DATA, "file:<dir>/not-an-image/digit.png: content: expected a PNG or JPEG image (or"
                + " another format javax.imageio reads); found bytes no image reader recognises"
                + " (they start 6e 6f 74 20 61 20 70 69)"),
        new Case("an image too large to decode", "a PNG whose header declares 100000×100000 pixels",
            predict(imageFolder("huge-image", "huge.png",
                io.sparkgrad.predict.CraftedPng.declaring(100_000, 100_000))),
            ExitCode.BAD_DATA, "file:<dir>/huge-image/huge.png: image size: expected at most 50000000 pixels"
                + " (--max-pixels); found 100000×100000 = 10000000000 pixels declared by its PNG"
                + " header (refused before decoding)"),
        new Case("training diverges", "`--learning-rate 1e6 --optimizer sgd`",
            train(good, "--learning-rate", "1e6", "--optimizer", "sgd"), ExitCode.DIVERGED,
            // The offending value depends on the BLAS's rounding: the message is matched up to it.
            "training diverged in epoch 1 at step 1: a gradient or update value is …"),
        // Data loss (issue 16): outputs are replaced only when sparkgrad wrote them.
        new Case("the data folder as the model folder", "`train --data X --model X --overwrite`",
            new String[] {"train", "--data", good.toString(), "--model", good.toString(),
                "--overwrite"}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/good: --model: expected a path apart from the command's inputs; found the"
                + " --data input itself (nothing was changed)"),
        new Case("a model folder holding the data", "`--model` the folder that holds `--data`,"
            + " with `--overwrite`",
            new String[] {"train", "--data", good.toString(), "--model", work.toString(),
                "--overwrite"}, ExitCode.OUTPUT_PROBLEM,
            "<dir>: --model: expected a path apart from the command's inputs; found a folder"
                + " holding the --data input <dir>/good (nothing was changed)"),
        new Case("overwrite a folder that is no model", "`--model` an existing folder without"
            + " `metadata.json`, with `--overwrite`",
            new String[] {"train", "--data", good.toString(), "--model", existing.toString(),
                "--overwrite"}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/model-exists: --model --overwrite: expected a model folder written by"
                + " sparkgrad; found a folder that is not one, so it is left as it is (choose"
                + " another --model, or remove it yourself)"),
        new Case("predictions onto their input", "`predict --input X --out X --overwrite`",
            new String[] {"predict", "--model", model.toString(), "--input", good.toString(),
                "--out", good.toString(), "--overwrite"}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/good: --out: expected a path apart from the command's inputs; found the"
                + " --input input itself (nothing was changed)"),
        new Case("predictions onto the model", "`predict --out` the `--model` folder",
            new String[] {"predict", "--model", model.toString(), "--input", good.toString(),
                "--out", model.toString(), "--overwrite"}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/model: --out: expected a path apart from the command's inputs; found the"
                + " --model input itself (nothing was changed)"),
        new Case("export onto the model folder", "`export --out` the `--model` folder",
            new String[] {"export", "--model", model.toString(), "--format", "npz", "--out",
                model.toString(), "--overwrite"}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/model: --out: expected a path apart from the command's inputs; found the"
                + " --model input itself (nothing was changed)"),
        new Case("report onto a model file", "`evaluate --report <model>/weights.bin`",
            new String[] {"evaluate", "--model", model.toString(), "--data", good.toString(),
                "--report", model.resolve("weights.bin").toString()}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/model/weights.bin: --report: expected a path apart from the command's inputs;"
                + " found a path inside the --model input <dir>/model (nothing was changed)"),
        new Case("existing report file", "`evaluate --report` an existing file, no `--overwrite`",
            new String[] {"evaluate", "--model", model.toString(), "--data", good.toString(),
                "--report", ownPage.toString()}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/page.html: already exists; choose another --report or pass --overwrite"),
        new Case("overwrite a page that is no report", "`evaluate --report` the user's own page,"
            + " with `--overwrite`",
            new String[] {"evaluate", "--model", model.toString(), "--data", good.toString(),
                "--report", ownPage.toString(), "--overwrite"}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/page.html: --report --overwrite: expected a report written by sparkgrad;"
                + " found a file that is not one, so it is left as it is (choose another"
                + " --report, or remove it yourself)"),
        new Case("metrics into a data table", "`evaluate --metrics-out` a Parquet data table",
            new String[] {"evaluate", "--model", model.toString(), "--data", good.toString(),
                "--metrics-out", table.toString()}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/table: --metrics-out: expected a metrics table (a folder of"
                + " run_date=YYYY-MM-DD partitions written by sparkgrad evaluate); found a folder"
                + " that is not one, so nothing was appended (choose another --metrics-out)"),
        new Case("checkpoints of an earlier run", "`train` over `<model>.checkpoints` without"
            + " `--resume`",
            new String[] {"train", "--data", good.toString(), "--model", resumable.toString(),
                "--hidden", "8", "--checkpoint-every", "1"}, ExitCode.OUTPUT_PROBLEM,
            "<dir>/model-resumable.checkpoints: holds the checkpoints of an earlier run; pass"
                + " --resume to continue that run, or --overwrite to discard them"),
        new Case("a second run to the same model", "`train --model M` while another run"
            + " writes M",
            new String[] {"train", "--data", good.toString(), "--model", busy.toString()},
            ExitCode.OUTPUT_PROBLEM,
            "<dir>/model-busy: another sparkgrad run is writing this --model (process …"),
        // Hangs and runaway work.
        new Case("block-rows 0 in a model", "`metadata.json` says `block-rows` 0",
            evaluate(modelWithMetadata("model-blockrows",
                m -> m.replace("\"block-rows\" : \"4096\"", "\"block-rows\" : \"0\""))),
            ExitCode.BAD_MODEL,
            "<dir>/model-blockrows/metadata.json: config.block-rows: expected an integer ≥ 1;"
                + " found 0"),
        new Case("a FIFO as an IDX file", "`train-labels-idx1-ubyte` is a named pipe",
            train(withFifo("fifo-data", "train-labels-idx1-ubyte")), ExitCode.BAD_DATA,
            "file:<dir>/fifo-data/train-labels-idx1-ubyte: file type: expected an IDX labels file"
                + " (a regular file); found a FIFO (named pipe)"),
        new Case("a FIFO named like an image", "`predict --input` a folder with a FIFO"
            + " `digit.png`",
            predict(fifo(work.resolve("fifo-images/digit.png")).getParent()), ExitCode.BAD_DATA,
            "file:<dir>/fifo-images/digit.png: file type: expected a regular image file; found a"
                + " FIFO (named pipe)"),
        new Case("a FIFO as the model's metadata", "`metadata.json` is a named pipe",
            evaluate(fifoMetadata()), ExitCode.BAD_MODEL,
            "<dir>/model-fifo/metadata.json: file type: expected a regular file; found a FIFO"
                + " (named pipe)"),
        new Case("more partitions than examples", "`--partitions 1000` for 300 examples",
            train(good, "--partitions", "1000"), ExitCode.USAGE,
            "partitions: expected at most the 300 training examples (a partition without"
                + " examples is an empty task); found 1000"),
        new Case("evaluate: more partitions than examples", "`evaluate --partitions 61` for 60"
            + " test examples",
            concat(evaluate(model), "--partitions", "61"), ExitCode.USAGE,
            "--partitions: expected at most the 60 examples of the test split (a partition"
                + " without examples is an empty task); found 61"),
        // Unclean failures.
        new Case("weights changed with a valid CRC", "one weight changed, CRC recomputed",
            evaluate(modelWithWeights("model-tampered", changed, false)), ExitCode.BAD_MODEL,
            "<dir>/model-tampered/weights.bin: SHA-256: expected … as metadata.json's"
                + " weights_sha256 declares; found …"),
        new Case("non-finite weights: evaluate", "all-NaN weights, CRC and SHA-256 consistent",
            evaluate(modelWithWeights("model-nan", nan, true)), ExitCode.BAD_MODEL,
            "<dir>/model-nan/weights.bin: value 0 of 275: expected a finite number; found NaN"),
        new Case("non-finite weights: export", "the same model exported to .npz",
            new String[] {"export", "--model", work.resolve("model-nan").toString(), "--out",
                work.resolve("nan.npz").toString()}, ExitCode.BAD_MODEL,
            "<dir>/model-nan/weights.bin: value 0 of 275: expected a finite number; found NaN"),
        new Case("stale .crc of metadata.json", "`metadata.json` edited, its `.crc` left",
            evaluate(staleCrc), ExitCode.BAD_MODEL,
            "<dir>/model-stale-crc/metadata.json: checksum: the content does not match its"
                + " .metadata.json.crc file (the file was changed after it was written, or the"
                + " .crc is stale)"),
        new Case("master local[0]", "`--master local[0]`", train(good, "--master", "local[0]"),
            ExitCode.USAGE, "master: expected local, local[N] or local[N,F] (N, F ≥ 1), local[*],"
                + " local-cluster[N,C,M], spark://HOST:PORT, yarn or k8s://URL; found"
                + " 'local[0]' (a count of 0)"),
        new Case("misspelt master", "`--master spark:/127.0.0.1:7077`",
            train(good, "--master", "spark:/127.0.0.1:7077"), ExitCode.USAGE,
            "master: expected local, local[N] or local[N,F] (N, F ≥ 1), local[*],"
                + " local-cluster[N,C,M], spark://HOST:PORT, yarn or k8s://URL; found"
                + " 'spark:/127.0.0.1:7077'"),
        new Case("unreachable master", "`--master spark://127.0.0.1:1` (nothing listens)",
            train(good, "--master", "spark://127.0.0.1:1"), ExitCode.USAGE,
            "master: cannot reach the Spark master spark://127.0.0.1:1 (ConnectException:"
                + " Connection refused); check the host and port, and that the master is"
                + " running"),
        new Case("corrupt Parquet part file", "a part file of a prepared table overwritten"
            + " in the middle",
            train(corruptTable()), ExitCode.BAD_DATA,
            "file:<dir>/table-corrupt/split=train/part-00000-….parquet: content: expected a"
                + " Parquet file of the data set; found a corrupt, truncated or non-Parquet file"
                + " that Spark cannot read"),
        new Case("a FIFO as a Parquet part file", "a named pipe among a prepared table's part"
            + " files",
            train(tableWithFifo()), ExitCode.BAD_DATA,
            "<dir>/table-fifo/split=train/part-99999-fifo.parquet: file type: expected a file of a"
                + " Parquet table (a regular file); found a FIFO (named pipe)"),
        new Case("a folder as --config", "`--config` a directory",
            train(good, "--config", configFolder.toString()), ExitCode.USAGE,
            "config: <dir>/conf.d: expected a regular file of 'key = value' lines; found a"
                + " directory"),
        new Case("a FIFO as the predict input", "`predict --input` a named pipe",
            predict(fifo(work.resolve("fifo-input"))), ExitCode.BAD_DATA,
            "<dir>/fifo-input: input: expected an IDX images file, an IDX folder, a Parquet table"
                + " from 'sparkgrad prepare', a PNG or JPEG image, or a folder or glob of them;"
                + " found a FIFO (named pipe)"),
        new Case("a network that cannot fit", "`--hidden 500000`",
            new String[] {"train", "--data", good.toString(), "--model",
                work.resolve("model-never").toString(), "--hidden", "500000"}, ExitCode.USAGE,
            "memory: expected the run to fit in the driver's heap of … found it needs about …"
                + " with the local master's … task slots: lower --hidden, --block-rows or the"
                + " data, or give the driver more memory (SPARKGRAD_DRIVER_MEMORY for"
                + " scripts/sparkgrad, --driver-memory / spark.driver.memory for spark-submit)"),
        new Case("run date out of range", "`evaluate --run-date 0001-01-01`",
            concat(evaluate(model), "--run-date", "0001-01-01"), ExitCode.USAGE,
            "--run-date: expected a date from 1900-01-01 to 9999-12-31; found '0001-01-01'"));
  }

  @Test
  void everyBadInputGivesItsDocumentedMessageAndExitCode() throws IOException {
    List<String> rows = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Case c : cases()) {
      java.util.Map<String, String> before = io.sparkgrad.testing.FileHashes.of(work);
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code;
      try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
          PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
        code = Main.run(c.args(), o, e);
      }
      String printed = err.toString(StandardCharsets.UTF_8);
      java.util.Map<String, String> after = io.sparkgrad.testing.FileHashes.of(work);
      if (!before.equals(after)) {
        problems.add(c.name() + ": changed the files of " + work + ": before " + before
            + "\nafter " + after);
      }
      String message = lastErrorLine(printed).replace(work.toString(), "<dir>");
      System.out.println(c.name() + " → exit " + code + ": " + message);
      if (c.message().contains("…") && matchesWithElisions(c.message(), message)) {
        message = c.message();
      }
      Case actual = new Case(c.name(), c.input(), c.args(), exitCode(code), message);
      rows.add(actual.row());
      if (code != c.code().code() || !message.equals(c.message())) {
        problems.add(c.name() + ": expected exit " + c.code().code() + " and\n  " + c.message()
            + "\nfound exit " + code + " and\n  " + message);
      }
    }
    String table = String.join("\n", rows);
    System.out.println(table);
    assertEquals(List.of(), problems, "cases whose behaviour changed");
    Path doc = Paths.get(System.getProperty("sparkgrad.project.dir", ".")).resolve("docs/bad-input.md");
    String documented = Files.readString(doc);
    assertTrue(documented.contains(table),
        "docs/bad-input.md must hold this table exactly (copy it from here):\n" + table);
  }

  /** Whether {@code actual} is {@code pattern} with each "…" standing for any text. */
  private static boolean matchesWithElisions(String pattern, String actual) {
    String[] parts = pattern.split("…", -1);
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      regex.append(java.util.regex.Pattern.quote(parts[i]));
      if (i < parts.length - 1) {
        regex.append(".*");
      }
    }
    return actual.matches(regex.toString());
  }

  private static String lastErrorLine(String printed) {
    for (String line : printed.split("\n")) {
      if (line.startsWith("sparkgrad: error: ")) {
        return line.substring("sparkgrad: error: ".length());
      }
    }
    return "(no error line) " + printed;
  }

  private static ExitCode exitCode(int code) {
    for (ExitCode value : ExitCode.values()) {
      if (value.code() == code) {
        return value;
      }
    }
    throw new IllegalStateException("undocumented exit code " + code);
  }
}
