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
            ExitCode.OUTPUT_PROBLEM, "<dir>/a-file/model: cannot write in <dir>/a-file:"
                + " Parent path is not a directory: <dir>/a-file"),
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
            "training diverged in epoch 1 at step 1: a gradient or update value is …"));
  }

  @Test
  void everyBadInputGivesItsDocumentedMessageAndExitCode() throws IOException {
    List<String> rows = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Case c : cases()) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code;
      try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
          PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
        code = Main.run(c.args(), o, e);
      }
      String printed = err.toString(StandardCharsets.UTF_8);
      String message = lastErrorLine(printed).replace(work.toString(), "<dir>");
      if (c.message().endsWith("…") && message.startsWith(c.message().substring(0, c.message().length() - 1))) {
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
