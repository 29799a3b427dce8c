package io.sparkgrad.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one command-line parser, on a small table and on the training table. */
class CommandLineTest {
  private static final KeyTable.Builder O = KeyTable.builder("--");
  private static final Key<String> IN = O.key("in", "input").text().required();
  private static final Key<Integer> COUNT = O.key("count", "how many").hint("N").integer()
      .check(n -> n >= 1, "an integer ≥ 1").defaultValue("3");
  private static final Key<String> NOTE = O.key("note", "a note").text().optional("none");
  private static final Key<Boolean> FORCE = O.key("force", "go on").flag().defaultValue("false");
  private static final KeyTable SMALL = O.build();

  private static Values parse(String... args) {
    return CommandLine.parse(List.of(args), SMALL).values(SMALL);
  }

  private static void assertRefused(String message, String... args) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(args));
    assertEquals(message, e.getMessage());
  }

  @Test
  void readsValuesFlagsAndDefaults() {
    Values v = parse("--in", "a", "--count=5", "--force");
    assertEquals("a", v.get(IN));
    assertEquals(5, v.get(COUNT));
    assertTrue(v.get(FORCE));
    assertNull(v.get(NOTE));
    assertFalse(v.given(NOTE));
    Values defaults = parse("--in", "b", "--force=false", "--in", "c");
    assertEquals("c", defaults.get(IN), "a later occurrence wins");
    assertEquals(3, defaults.get(COUNT));
    assertFalse(defaults.get(FORCE));
    assertTrue(CommandLine.parse(List.of("--bogus", "-h"), SMALL).help(), "help wins");
  }

  @Test
  void refusesWithTheOptionTheExpectedAndTheFoundValue() {
    assertRefused("--in: required", "--count", "2");
    assertRefused("--count: expected an integer ≥ 1; found 0", "--in", "a", "--count", "0");
    assertRefused("--count: expected an integer; found 'x'", "--in", "a", "--count", "x");
    assertRefused("--count: expected a value after the option", "--in", "a", "--count");
    assertRefused("--count: expected a value after the option", "--count", "--in", "a");
    assertRefused("--force: expected true or false; found 'perhaps'", "--in", "a",
        "--force=perhaps");
    assertRefused("unexpected argument 'a'; options look like --key value", "a");
    assertRefused("unknown option '--cont'; expected one of --in, --count, --note, --force",
        "--cont", "2");
    // A long table points to --help instead of listing every key.
    ConfigException train = assertThrows(ConfigException.class,
        () -> TrainingOptions.parseArguments(List.of("--hiden", "5")));
    assertEquals("unknown option '--hiden'; run with --help for the list of options",
        train.getMessage());
  }

  @Test
  void helpListsEveryKeyWithItsDefault() {
    String help = SMALL.help();
    assertTrue(help.contains("  --in X"), help);
    assertTrue(help.contains("(required)"), help);
    assertTrue(help.contains("--count N"), help);
    assertTrue(help.contains("how many [default: 3]"), help);
    assertTrue(help.contains("a note [default: none]"), help);
    assertTrue(help.contains("  --force "), help);
    assertEquals(4, help.lines().count());
  }

  @Test
  void trainingCommandLineTakesEveryTrainingKeyAndConfig() {
    Map<String, String> given = TrainingOptions.parseArguments(
        List.of("--overwrite", "--hidden=7", "--config", "best-plain"));
    assertEquals(Map.of("overwrite", "true", "hidden", "7", "config", "best-plain"), given);
    assertEquals(TrainingKeys.TABLE.keys().size() + 1, TrainingOptions.COMMAND_LINE.keys().size());
  }
}
