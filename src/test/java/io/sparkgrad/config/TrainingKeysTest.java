package io.sparkgrad.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.data.augment.AugmentationSpec;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.BlasChoice;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.math.Precision;
import io.sparkgrad.network.LearningRateSchedule;
import io.sparkgrad.network.OptimizerKind;
import io.sparkgrad.network.WeightInit;
import io.sparkgrad.worker.SyncMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The training key table against everything derived from it or documenting it: the defaults
 * file, the README, the stored form of old models, the typed groups and the resume rules.
 */
class TrainingKeysTest {
  private static final Path PROJECT =
      Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();

  private static Map<String, String> resource(String name) throws IOException {
    try (InputStream in = TrainingKeysTest.class.getResourceAsStream(name)) {
      return TrainingOptions.parseConfigFile(name, new InputStreamReader(in,
          StandardCharsets.UTF_8));
    }
  }

  private static Map<String, String> stored(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  private static TrainingConfig config(String... pairs) {
    Map<String, String> texts = stored("data", "d", "model", "m");
    texts.putAll(stored(pairs));
    return TrainingOptions.resolve(Map.of(), texts);
  }

  @Test
  void defaultsFileListsExactlyTheTableKeysWithTheTableDefaults() throws IOException {
    Map<String, String> file = TrainingOptions.parseConfigFile("conf/sparkgrad-defaults.conf",
        new StringReader(Files.readString(PROJECT.resolve("conf/sparkgrad-defaults.conf"))));
    // The file groups the keys for people; the table keeps the stored order of old models.
    assertEquals(TrainingKeys.TABLE.defaults(), file, "conf/sparkgrad-defaults.conf, key by key");
    assertEquals(file, TrainingOptions.defaults(), "the packaged copy is the file in conf/");
  }

  @Test
  void readmeTableListsExactlyTheTableKeysDefaultsAndResumeRule() throws IOException {
    String readme = Files.readString(PROJECT.resolve("README.md"));
    int start = readme.indexOf("### Configuration reference");
    assertTrue(start >= 0, "README has a configuration reference");
    String section = readme.substring(start, readme.indexOf("\n#", start + 1));
    Matcher row =
        Pattern.compile("(?m)^\\| `([^`]+)` \\| ([^|]*) \\| (yes|no) \\|").matcher(section);
    List<String> documented = new ArrayList<>();
    while (row.find()) {
      documented.add(row.group(1) + " | " + row.group(2).trim() + " | " + row.group(3));
    }
    List<String> expected = new ArrayList<>();
    for (Key<?> key : TrainingKeys.TABLE.keys()) {
      expected.add(key.name() + " | " + (key.required() ? "(required)" : key.defaultText())
          + " | " + (key.resumable() ? "yes" : "no"));
    }
    assertEquals(expected, documented, "README rows: key | default | --resume may change");
  }

  @Test
  void theDefaultRunKeepsTheStoredFormOfOldModels() throws IOException {
    Map<String, String> stored = resource("stored-form-of-defaults.conf");
    // Defaults changed since, none of which changes what is trained: checkpoints by time
    // instead of after every epoch.
    TrainingConfig defaults =
        config().with(TrainingKeys.CHECKPOINT_EVERY, CheckpointSchedule.everyEpochs(1));
    assertEquals(Map.of("checkpoint-every", "30s"), changedFrom(defaults, config()));
    // Keys added since then come in addition; the old ones keep their text and their order.
    Map<String, String> oldKeysNow = new LinkedHashMap<>(defaults.toMap());
    oldKeysNow.keySet().retainAll(stored.keySet());
    assertEquals(List.copyOf(stored.entrySet()), List.copyOf(oldKeysNow.entrySet()));
    // An old model's stored configuration reads back to the same configuration.
    assertEquals(defaults, TrainingConfig.fromMap(stored));
  }

  /** The keys whose stored text differs in {@code now}, with their text there. */
  private static Map<String, String> changedFrom(TrainingConfig before, TrainingConfig now) {
    Map<String, String> changed = new LinkedHashMap<>(now.toMap());
    changed.entrySet().removeIf(e -> e.getValue().equals(before.toMap().get(e.getKey())));
    return changed;
  }

  @Test
  void everyKeyReadsBackThroughItsGroupAndRoundTripsThroughTheStoredForm() throws IOException {
    // A value for every key that differs from its default and from its neighbours', so that an
    // accessor reading the wrong key (e.g. input and hidden dropout swapped) fails.
    Map<String, String> changed = resource("every-key-changed.conf");
    TrainingConfig c = TrainingConfig.fromMap(changed);
    assertEquals("d", c.run().data());
    assertEquals("m", c.run().model());
    assertEquals(3, c.optimization().epochs());
    assertEquals(17, c.network().hidden());
    assertEquals(Activation.SIGMOID, c.network().activation());
    assertEquals(LossFunction.SUM_OF_SQUARES, c.network().loss());
    assertEquals(OutputFunction.SOFTMAX, c.network().output());
    assertEquals(OptimizerKind.MOMENTUM, c.optimization().optimizer());
    assertEquals(0.07, c.optimization().learningRate());
    assertEquals(LearningRateSchedule.STEP, c.optimization().lrSchedule());
    assertEquals(0.25, c.optimization().lrDecayFactor());
    assertEquals(4, c.optimization().lrDecayEpochs());
    assertEquals(1.5, c.optimization().warmupEpochs());
    assertEquals(0.0001, c.regularization().weightDecay());
    assertEquals(AugmentationSpec.parse("shift=2"), c.regularization().augment());
    assertEquals(0.1, c.regularization().inputDropout());
    assertEquals(0.3, c.regularization().dropout());
    assertEquals(64, c.optimization().batchSize());
    assertEquals(7, c.distribution().syncPeriod());
    assertEquals(SyncMode.LOCAL_STEPS, c.distribution().syncMode());
    assertEquals(5, c.distribution().partitions());
    assertEquals(-9L, c.run().seed());
    assertEquals(0.2, c.regularization().validationFraction());
    assertEquals(2, c.regularization().patience());
    assertEquals(Precision.FLOAT64, c.distribution().precision());
    assertEquals(BlasChoice.JAVA, c.distribution().blas());
    assertEquals(WeightInit.XAVIER, c.network().init());
    assertEquals(100, c.distribution().blockRows());
    assertEquals(12, c.network().classes());
    assertEquals(0.9, c.run().targetAccuracy());
    assertEquals("local[2]", c.distribution().master());
    assertTrue(c.run().overwrite());
    assertEquals(CheckpointSchedule.everyEpochs(6), c.run().checkpointEvery());
    assertTrue(c.run().resume());
    assertEquals(DivergencePolicy.BACKOFF, c.run().onDivergence());
    assertEquals(8, c.run().maxBackoffs());
    for (String name : changed.keySet()) {
      Key<?> key = TrainingKeys.TABLE.find(name);
      assertNotEquals(key.required() ? "" : defaultFormatted(key), c.toMap().get(name),
          name + " was set to a value other than its default");
    }
    Map<String, String> readBack = new LinkedHashMap<>(c.toMap());
    readBack.keySet().retainAll(changed.keySet());
    assertEquals(changed, readBack, "the stored form is the text it was read from");
    assertEquals(c, TrainingConfig.fromMap(c.toMap()), "the stored form reads back");
  }

  private static <T> String defaultFormatted(Key<T> key) {
    return key.format(key.parse(key.defaultText()));
  }

  @Test
  void autoValuesAreResolvedFromTheKeysTheyFollow() {
    TrainingConfig sgd = config("optimizer", "sgd", "learning-rate", "auto",
        "loss", "sum-of-squares");
    assertEquals(OptimizerKind.SGD.defaultLearningRate(), sgd.optimization().learningRate());
    assertEquals(OutputFunction.IDENTITY, sgd.network().output());
    assertEquals("identity", sgd.toMap().get("output"));
    assertEquals(0, config("partitions", "auto").distribution().partitions());
    assertEquals(0, config("sync-period", "epoch").distribution().syncPeriod());
    assertEquals(SyncMode.GRADIENT, config("sync-period", "1").distribution().syncMode());
    assertEquals(12, config("sync-period", "epoch").distribution().stepsPerJob(12));
  }

  @Test
  void badValuesNameTheKeyTheExpectedAndTheFoundValue() {
    assertRefused("hidden: expected an integer ≥ 1; found 0", "hidden", "0");
    assertRefused("hidden: expected an integer; found 'ten'", "hidden", "ten");
    assertRefused("input-dropout: expected a drop probability in [0, 1); found 1.5",
        "input-dropout", "1.5");
    assertRefused("dropout: expected a drop probability in [0, 1); found -0.1", "dropout", "-0.1");
    assertRefused("learning-rate: expected a finite number > 0; found -0.1",
        "learning-rate", "-0.1");
    assertRefused("lr-decay-factor: expected a value in (0, 1]; found 1.5", "lr-decay-factor",
        "1.5");
    assertRefused("classes: expected auto or 2..255; found 300", "classes", "300");
    assertRefused("partitions: expected an integer ≥ 1; found 0", "partitions", "0");
    assertRefused("overwrite: expected true or false; found 'maybe'", "overwrite", "maybe");
    assertRefused("activation: expected one of step, sigmoid, relu; found 'tanh'",
        "activation", "tanh");
    assertRefused("master: expected a Spark master URL; found ''", "master", " ");
    ConfigException missing = assertThrows(ConfigException.class,
        () -> TrainingOptions.resolve(Map.of(), Map.of("model", "m")));
    assertEquals("data: required", missing.getMessage());
  }

  @Test
  void checksAcrossKeysLiveInTheConfiguration() {
    assertRefused("output: cross-entropy needs the softmax output; found 'identity'",
        "output", "identity");
    assertRefused("patience: early stopping needs a validation split; set validation-fraction"
        + " above 0 (found patience 3 with validation-fraction 0)", "patience", "3");
    assertRefused("resume: needs checkpoints; found checkpoint-every 0 (set it to a number of epochs or a duration such as 30s)",
        "resume", "true", "checkpoint-every", "0");
    TrainingConfig ok = config();
    ConfigException changed = assertThrows(ConfigException.class,
        () -> ok.with(TrainingKeys.CHECKPOINT_EVERY, CheckpointSchedule.NEVER).with(TrainingKeys.RESUME, true));
    assertTrue(changed.getMessage().startsWith("resume: needs checkpoints"), changed.getMessage());
    assertThrows(ConfigException.class, () -> ok.with(TrainingKeys.HIDDEN, 0),
        "with() runs the key's own check too");
  }

  private static void assertRefused(String message, String... pairs) {
    ConfigException e = assertThrows(ConfigException.class, () -> config(pairs));
    assertEquals(message, e.getMessage());
  }

  @Test
  void resumeRulesComeFromTheTable() {
    assertEquals(Set.of("overwrite", "resume", "master", "on-divergence", "max-backoffs", "data",
        "model", "checkpoint-every", "learning-rate", "partitions"),
        TrainingKeys.TABLE.resumableNames());
  }

  @Test
  void readyConfigurationsAreTheConfigurationFilesOfConfAndAllLoad() throws IOException {
    Set<String> files = new TreeSet<>();
    try (Stream<Path> conf = Files.list(PROJECT.resolve("conf"))) {
      conf.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".conf"))
          .forEach(n -> files.add(n.substring(0, n.length() - ".conf".length())));
    }
    // Not ready configurations: the defaults themselves, and Spark's properties of the job.
    files.removeAll(Set.of("sparkgrad-defaults", "spark-defaults"));
    assertEquals(files, new TreeSet<>(TrainingOptions.READY_CONFIGURATIONS));
    for (String name : TrainingOptions.READY_CONFIGURATIONS) {
      Map<String, String> ready = TrainingOptions.readConfig(name);
      assertTrue(ready.containsKey("hidden"), name);
      TrainingConfig config = config("config", name);
      assertEquals(ready.get("hidden"), config.toMap().get("hidden"), name);
    }
    ConfigException unknown = assertThrows(ConfigException.class, () -> config("config", "best"));
    assertTrue(unknown.getMessage().startsWith("config: no such file: best"), unknown.getMessage());
  }

  @Test
  void configurationsSurviveJavaSerialization() throws Exception {
    TrainingConfig c = config("hidden", "33", "augment", "rotate=5");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(c);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(c, in.readObject());
    }
  }
}
