package io.sparkgrad.bench;

import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.data.augment.ImageAugmenter;
import io.sparkgrad.math.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * µs per augmented 28×28 image ({@link ImageAugmenter#augment}, one call = one image): the
 * affine part alone (shift 2, rotate 10, scale 0.1) and with the elastic field (α = 34, σ = 4
 * and 6), float32 and float64. Images look like MNIST (81% zero pixels, the others uniform in
 * (0, 1]); the time does not depend on the pixel values (no branch reads them). 64 different
 * images are taken in turn, each call with the next example's seed, as training would.
 *
 * <p>{@link #main} runs it and then puts the figure beside the training it would slow down: the
 * time to augment 128 images over the time of one training pass (forward + backward) over a
 * 128-row block of the default network (784→256→10, float32, BLAS auto; see
 * {@link TrainingPassBench}), measured by alternation in one JVM ({@link PairedRatios}), so that
 * the other user of the 2 CPUs slows both alike. Training augments each example once per epoch
 * and passes over it once, so that ratio is the compute an epoch gains.
 *
 * <p>Run (after {@code mvn -q -Pbench -DskipTests test-compile}):
 *
 * <pre>
 *   java -Xmx2g --add-modules=jdk.incubator.vector \
 *     -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
 *     io.sparkgrad.bench.AugmentBench [--quick]
 * </pre>
 *
 * <p>{@code --quick} is a smoke run (1 fork, short iterations) whose numbers are not for the
 * record. Results are printed, and JMH's JSON goes to {@code target/jmh-augment.json}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
public class AugmentBench {
  public static final String AFFINE = "shift=2,rotate=10,scale=0.1";
  public static final String ELASTIC_4 = AFFINE + ",elastic-alpha=34,elastic-sigma=4";
  public static final String ELASTIC_6 = AFFINE + ",elastic-alpha=34,elastic-sigma=6";
  public static final int SIDE = 28;
  public static final int PIXELS = SIDE * SIDE;
  /** Distinct input images, used in turn. */
  public static final int IMAGES = 64;
  private static final long RUN_SEED = 20240607L;

  /** affine = {@link #AFFINE}, elastic4 = {@link #ELASTIC_4}, elastic6 = {@link #ELASTIC_6}. */
  @Param({"affine", "elastic4", "elastic6"})
  public String spec;

  @Param({"float32", "float64"})
  public String precision;

  private ImageAugmenter augmenter;
  private boolean doublePrecision;
  private float[] floats;
  private double[] doubles;
  private float[] floatOut;
  private double[] doubleOut;
  private long example;

  @Setup
  public void setUp() {
    augmenter = new ImageAugmenter(AugmentationSpec.parse(spec(spec)), SIDE, SIDE);
    doublePrecision = precision.equals("float64");
    if (!doublePrecision && !precision.equals("float32")) {
      throw new IllegalArgumentException(
          "precision: expected float32 or float64; found '" + precision + "'");
    }
    SplittableRandom random = new SplittableRandom(RUN_SEED);
    floats = new float[IMAGES * PIXELS];
    doubles = new double[IMAGES * PIXELS];
    for (int i = 0; i < floats.length; i++) {
      floats[i] = random.nextDouble() < 0.81 ? 0f : (float) (1.0 - random.nextDouble());
      doubles[i] = floats[i];
    }
    floatOut = new float[PIXELS];
    doubleOut = new double[PIXELS];
  }

  /** The spec a {@link #spec} parameter names. */
  static String spec(String name) {
    switch (name) {
      case "affine":
        return AFFINE;
      case "elastic4":
        return ELASTIC_4;
      case "elastic6":
        return ELASTIC_6;
      default:
        throw new IllegalArgumentException(
            "spec: expected affine, elastic4 or elastic6; found '" + name + "'");
    }
  }

  /** Augments the next image with the next example's seed. */
  @Benchmark
  public Object augment() {
    int offset = (int) (example % IMAGES) * PIXELS;
    long seed = Seeds.derive(RUN_SEED, Seeds.Stream.AUGMENTATION, example++);
    if (doublePrecision) {
      augmenter.augment(doubles, offset, doubleOut, 0, seed);
      return doubleOut;
    }
    augmenter.augment(floats, offset, floatOut, 0, seed);
    return floatOut;
  }

  /** Augments {@code count} images in turn: the work of one block. */
  double augmentBlock(int count) {
    double sum = 0;
    for (int i = 0; i < count; i++) {
      Object out = augment();
      sum += doublePrecision ? ((double[]) out)[PIXELS / 2] : ((float[]) out)[PIXELS / 2];
    }
    return sum;
  }

  public static void main(String[] args) throws IOException, RunnerException {
    boolean quick = false;
    for (String arg : args) {
      if (arg.equals("--quick")) {
        quick = true;
      } else {
        throw new IllegalArgumentException("arguments: expected [--quick]; found '" + arg + "'");
      }
    }
    System.out.println("# load average at start: " + loadAverage() + "; cores: "
        + Runtime.getRuntime().availableProcessors() + "; " + System.getProperty("java.vm.name")
        + " " + System.getProperty("java.vm.version"));
    Files.createDirectories(Paths.get("target"));
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(AugmentBench.class.getName() + "\\.augment$")
        .result("target/jmh-augment.json")
        .resultFormat(ResultFormatType.JSON);
    if (quick) {
      options.forks(1).warmupIterations(2).warmupTime(TimeValue.milliseconds(500))
          .measurementIterations(5).measurementTime(TimeValue.milliseconds(200));
    }
    Collection<RunResult> results = new Runner(options.build()).run();

    System.out.println();
    System.out.println("| spec | precision | µs per image, best | median | mean ± 99.9% |"
        + " s per 60 000 images, one core (best) |");
    System.out.println("|---|---|---:|---:|---:|---:|");
    for (RunResult r : results) {
      Result<?> result = r.getPrimaryResult();
      double best = result.getStatistics().getMin();
      System.out.printf(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f ± %.2f | %.2f |%n",
          spec(r.getParams().getParam("spec")), r.getParams().getParam("precision"), best,
          result.getStatistics().getPercentile(50), result.getScore(), result.getScoreError(),
          best * 60_000 / 1e6);
    }

    System.out.println();
    System.out.println("# augmenting 128 images / one training pass over 128 rows (784→256→10,"
        + " float32, BLAS auto), alternating rounds in this JVM: median (quartiles)");
    TrainingPassBench pass = new TrainingPassBench();
    pass.hidden = 256;
    pass.precision = "float32";
    pass.blas = "auto";
    pass.setUp();
    double warmup = quick ? 0.5 : 2.0;
    int rounds = quick ? 10 : 30;
    for (String name : new String[] {"affine", "elastic4", "elastic6"}) {
      AugmentBench bench = new AugmentBench();
      bench.spec = name;
      bench.precision = "float32";
      bench.setUp();
      PairedRatios.Ratio ratio = PairedRatios.measure(() -> pass.pass().lossSum(),
          () -> bench.augmentBlock(TrainingPassBench.ROWS), warmup, rounds, 0.1);
      System.out.printf(Locale.ROOT, "#   %s: %.2f (%.2f–%.2f)%n", spec(name), ratio.median(),
          ratio.q25(), ratio.q75());
    }
    System.out.println("# load average at end: " + loadAverage());
  }

  private static String loadAverage() throws IOException {
    Path loadavg = Paths.get("/proc/loadavg");
    if (!Files.isReadable(loadavg)) {
      return "unknown";
    }
    String[] fields = Files.readString(loadavg).trim().split("\\s+");
    return fields[0] + " " + fields[1] + " " + fields[2];
  }
}
