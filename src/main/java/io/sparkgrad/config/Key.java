package io.sparkgrad.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One configuration key, declared once with everything the code needs to know about it: its
 * name, its help text, how its text is read and written back, its checks, its default and
 * whether a resumed run may change it. Parsing, help, defaults files, documentation checks and
 * resume rules all walk a {@link KeyTable} of these (modelled on Spark's {@code ConfigBuilder}).
 *
 * <p>A value may be {@code null}: an optional key that was not given, or {@code auto} where the
 * value follows from other keys (see {@link Builder#orAuto()}).
 *
 * <p>Keys are made by {@link KeyTable.Builder#key}, which registers them in their table.
 *
 * @param label how messages name the key: the bare name, or {@code --name} for command options
 * @param hint the placeholder of the value in help ({@code --max-pixels N})
 * @param flag the key takes no value on the command line ({@code --overwrite} means true)
 * @param resumable a run continued with {@code --resume} may give this key another value
 * @param required the key has no default and must be given
 * @param defaultText the default as a defaults file writes it; null when there is none
 * @param defaultShown what help shows as the default
 * @param nullText the text of a null value ("auto", or "" for an optional key not given)
 * @param <T> the type of the value
 */
public record Key<T>(
    String name, String label, String help, String hint, boolean flag, boolean resumable,
    boolean required, String defaultText, String defaultShown, Key.Parser<T> parser,
    Function<? super T, String> formatter, String nullText, List<Key.Check<T>> checks) {
  /** Reads a key's text; {@code label} names the key in messages ("hidden" or "--split"). */
  @FunctionalInterface
  public interface Parser<T> {
    T parse(String label, String text);
  }

  /** A condition on the value, and what the message says is expected when it fails. */
  public record Check<T>(Predicate<? super T> ok, String expected) {}

  public Key {
    Objects.requireNonNull(name, "name");
    checks = List.copyOf(checks);
  }

  private static <T> Key<T> of(Typed<T> b, boolean required, String defaultText,
      String defaultShown) {
    Builder u = b.untyped;
    return new Key<>(u.name, u.labelPrefix + u.name, u.help, u.hint, u.flag, u.resumable,
        required, defaultText, defaultShown, b.parser, b.formatter, b.nullText, b.checks);
  }

  /** The value of {@code text} (trimmed), checked; errors name the key, expected and found. */
  public T parse(String text) {
    T value;
    try {
      value = parser.parse(label, text.trim());
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      // The word parsers of other packages (activation, loss, ...) name the key and the value.
      throw new ConfigException(e.getMessage(), e);
    }
    return check(value);
  }

  /** {@code value} if it passes the key's checks (null passes: unset or auto). */
  public T check(T value) {
    if (value != null) {
      for (Check<T> check : checks) {
        if (!check.ok().test(value)) {
          String found = value instanceof String ? "'" + format(value) + "'" : format(value);
          throw new ConfigException(label + ": expected " + check.expected() + "; found " + found);
        }
      }
    }
    return value;
  }

  /** The text form that {@link #parse} reads back to the same value. */
  public String format(T value) {
    return value == null ? nullText : formatter.apply(value);
  }

  /** One help line: {@code --name HINT  help [default: X]}. */
  String helpLine() {
    String shown;
    if (required) {
      shown = " (required)";
    } else if (defaultShown != null) {
      shown = " [default: " + defaultShown + "]";
    } else {
      shown = "";
    }
    return String.format(Locale.ROOT, "  --%-22s %s%s%n",
        name + (flag ? "" : " " + hint), help, shown);
  }

  @Override
  public String toString() {
    return name;
  }

  // A key is itself: two tables never share one, and lambdas have no useful equality.
  @Override
  public boolean equals(Object other) {
    return this == other;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }

  /** A key being declared, before its type is known. */
  public static final class Builder {
    private final KeyTable.Builder table;
    private final String name;
    private final String help;
    private final String labelPrefix;
    private String hint = "X";
    private boolean flag;
    private boolean resumable;

    Builder(KeyTable.Builder table, String labelPrefix, String name, String help) {
      this.table = table;
      this.labelPrefix = labelPrefix;
      this.name = Objects.requireNonNull(name, "name");
      this.help = Objects.requireNonNull(help, "help");
    }

    /** The placeholder of the value in help ({@code --max-pixels N}). */
    public Builder hint(String placeholder) {
      this.hint = placeholder;
      return this;
    }

    /** A resumed run ({@code --resume}) may give this key another value. */
    public Builder resumable() {
      this.resumable = true;
      return this;
    }

    /** {@code true}/{@code false}; on the command line, the bare option means true. */
    public Typed<Boolean> flag() {
      this.flag = true;
      return parsedBy(Parsers::bool, b -> Boolean.toString(b));
    }

    public Typed<Boolean> bool() {
      return parsedBy(Parsers::bool, b -> Boolean.toString(b));
    }

    public Typed<Integer> integer() {
      return parsedBy(Parsers::integer, i -> Integer.toString(i));
    }

    /** An integer refused below {@code minimum}: "expected an integer ≥ minimum". */
    public Typed<Integer> integerAtLeast(int minimum) {
      return integer().check(n -> n >= minimum, "an integer ≥ " + minimum);
    }

    /** A finite double refused below {@code minimum}: "expected a finite number ≥ minimum". */
    public Typed<Double> finiteAtLeast(int minimum) {
      return number().check(x -> x >= minimum && Double.isFinite(x),
          "a finite number ≥ " + minimum);
    }

    /** The probability of dropping a unit: in [0, 1), 1 would drop everything. */
    public Typed<Double> dropProbability() {
      return number().check(p -> p >= 0 && p < 1, "a drop probability in [0, 1)");
    }

    public Typed<Long> longInteger() {
      return parsedBy(Parsers::longInteger, l -> Long.toString(l));
    }

    /** A double, written back with {@link Double#toString} (the stored form of old models). */
    public Typed<Double> number() {
      return parsedBy(Parsers::number, d -> Double.toString(d));
    }

    public Typed<String> text() {
      return parsedBy((label, text) -> text, s -> s);
    }

    /**
     * A count where {@code word} (e.g. {@code auto}) means 0 and is written back as the word;
     * any other value must be an integer ≥ 1.
     */
    public Typed<Integer> countOr(String word) {
      return parsedBy((label, text) -> text.equalsIgnoreCase(word) ? 0 : atLeastOne(label, text),
          i -> i == 0 ? word : Integer.toString(i));
    }

    private static int atLeastOne(String label, String text) {
      int value = Parsers.integer(label, text);
      if (value < 1) {
        throw new ConfigException(label + ": expected an integer ≥ 1; found " + value);
      }
      return value;
    }

    public <T> Typed<T> parsedBy(Parser<T> parser, Function<? super T, String> formatter) {
      return new Typed<>(this, parser, formatter);
    }
  }

  /** A key being declared whose type is known: checks, then the default, which registers it. */
  public static final class Typed<T> {
    private final Builder untyped;
    private Parser<T> parser;
    private final Function<? super T, String> formatter;
    private final List<Check<T>> checks = new ArrayList<>();
    private String nullText = "";

    Typed(Builder untyped, Parser<T> parser, Function<? super T, String> formatter) {
      this.untyped = untyped;
      this.parser = parser;
      this.formatter = formatter;
    }

    /** Refuses a value for which {@code ok} is false: "key: expected EXPECTED; found VALUE". */
    public Typed<T> check(Predicate<? super T> ok, String expected) {
      checks.add(new Check<>(ok, expected));
      return this;
    }

    /** {@code auto} reads as null: the value follows from other keys (resolved by the user). */
    public Typed<T> orAuto() {
      Parser<T> explicit = parser;
      this.parser = (label, text) ->
          text.equalsIgnoreCase("auto") ? null : explicit.parse(label, text);
      this.nullText = "auto";
      return this;
    }

    /** Declares the key with this default (as it appears in a defaults file). */
    public Key<T> defaultValue(String text) {
      return register(of(this, false, Objects.requireNonNull(text), text));
    }

    /** Declares the key with this default, shown in help as {@code shown} (what it means). */
    public Key<T> defaultValue(String text, String shown) {
      return register(of(this, false, Objects.requireNonNull(text), shown));
    }

    /** Declares a key without a default that must be given. */
    public Key<T> required() {
      return register(of(this, true, null, null));
    }

    /** Declares a key without a default whose absence means null; help shows {@code shown}. */
    public Key<T> optional(String shown) {
      return register(of(this, false, null, shown));
    }

    private Key<T> register(Key<T> key) {
      // Checks the default here, so that a table with a bad default fails when it is loaded.
      if (key.defaultText() != null) {
        key.parse(key.defaultText());
      }
      untyped.table.add(key);
      return key;
    }
  }
}
