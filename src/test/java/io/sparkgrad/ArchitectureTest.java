package io.sparkgrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering, checked on the sources so that a new file cannot slip past: every package has a
 * row in {@link #LAYERS} naming the sparkgrad packages it may use and whether it may touch
 * Spark (only where data moves) or the Hadoop FileSystem API; the packages form no cycle; and
 * the math and network tests start no Spark.
 */
class ArchitectureTest {
  private static final Path PROJECT =
      Paths.get(System.getProperty("sparkgrad.project.dir", ".")).toAbsolutePath();
  private static final Path MAIN = PROJECT.resolve("src/main/java/io/sparkgrad");
  private static final List<String> PURE_PACKAGES = List.of("math", "network");

  /** A package's row: the sparkgrad packages it may import, and Spark and Hadoop or not. */
  private record Layer(Set<String> uses, boolean spark, boolean hadoop) {}

  private static Layer layer(boolean spark, boolean hadoop, String... uses) {
    return new Layer(Set.of(uses), spark, hadoop);
  }

  private static final boolean SPARK = true;
  private static final boolean NO_SPARK = false;
  private static final boolean HADOOP = true;
  private static final boolean NO_HADOOP = false;

  /** One row per package (its job in the README's layout section). */
  private static final Map<String, Layer> LAYERS = Map.ofEntries(
      Map.entry("nativeblas", layer(NO_SPARK, NO_HADOOP)),
      Map.entry("math", layer(NO_SPARK, NO_HADOOP, "nativeblas")),
      Map.entry("network", layer(NO_SPARK, NO_HADOOP, "math")),
      Map.entry("data.augment", layer(NO_SPARK, NO_HADOOP)),
      Map.entry("io", layer(NO_SPARK, HADOOP)),
      Map.entry("worker", layer(NO_SPARK, NO_HADOOP, "math", "network", "data", "data.augment")),
      Map.entry("config",
          layer(NO_SPARK, NO_HADOOP, "io", "math", "network", "worker", "data.augment")),
      Map.entry("model", layer(NO_SPARK, HADOOP, "io", "math", "network")),
      Map.entry("data", layer(SPARK, HADOOP, "data.augment", "io", "math", "model")),
      Map.entry("evaluation", layer(SPARK, HADOOP, "data", "io", "math", "network")),
      Map.entry("training", layer(SPARK, HADOOP,
          "config", "data", "evaluation", "io", "math", "model", "network", "worker")),
      Map.entry("predict",
          layer(SPARK, HADOOP, "data", "evaluation", "io", "math", "model", "network")),
      Map.entry("export", layer(NO_SPARK, HADOOP, "data", "io", "math", "model", "network")),
      Map.entry("report", layer(NO_SPARK, NO_HADOOP, "data", "evaluation", "network")),
      Map.entry("cli", layer(SPARK, HADOOP, "config", "data", "data.augment", "evaluation",
          "export", "io", "math", "model", "network", "predict", "report", "training",
          "worker")));

  private static final Pattern SPARKGRAD_REFERENCE =
      Pattern.compile("\\bio\\.sparkgrad\\.([a-z][a-z0-9]*(?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");
  private static final Pattern SPARK_REFERENCE =
      Pattern.compile("\\b(org\\.apache\\.spark|scala)\\.[a-zA-Z]");
  private static final Pattern HADOOP_REFERENCE = Pattern.compile("\\borg\\.apache\\.hadoop\\.");
  private static final Pattern COMMENTS = Pattern.compile("(?s)/\\*.*?\\*/|//[^\\n]*");

  /** The package of each main source file and the code of the file without its comments. */
  private static Map<Path, String> codeByFile() throws IOException {
    Map<Path, String> code = new TreeMap<>();
    for (Path file : javaFiles(MAIN)) {
      code.put(file, COMMENTS.matcher(Files.readString(file)).replaceAll(""));
    }
    return code;
  }

  private static String packageOf(Path file) {
    return MAIN.relativize(file.getParent()).toString().replace('/', '.');
  }

  /** Which sparkgrad packages each package's code refers to. */
  private static Map<String, Set<String>> importGraph() throws IOException {
    Map<String, Set<String>> graph = new TreeMap<>();
    for (Map.Entry<Path, String> file : codeByFile().entrySet()) {
      String from = packageOf(file.getKey());
      Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
      Matcher m = SPARKGRAD_REFERENCE.matcher(file.getValue());
      while (m.find()) {
        if (!m.group(1).equals(from)) {
          to.add(m.group(1));
        }
      }
    }
    return graph;
  }

  @Test
  void everyPackageHasARow() throws IOException {
    Set<String> packages = importGraph().keySet();
    assertTrue(packages.size() >= 14, "found only " + packages + ": wrong folder?");
    Set<String> withoutRow = new TreeSet<>(packages);
    withoutRow.removeAll(LAYERS.keySet());
    Set<String> rowWithoutPackage = new TreeSet<>(LAYERS.keySet());
    rowWithoutPackage.removeAll(packages);
    assertEquals(Set.of(), withoutRow, "packages without a row in LAYERS: add one (its job and"
        + " what it may use) and describe the package in the README's layout section");
    assertEquals(Set.of(), rowWithoutPackage, "rows in LAYERS for packages that do not exist");
  }

  @Test
  void everyFileUsesOnlyWhatItsPackageMay() throws IOException {
    List<String> offenders = new ArrayList<>();
    for (Map.Entry<Path, String> file : codeByFile().entrySet()) {
      String pkg = packageOf(file.getKey());
      Layer layer = LAYERS.get(pkg);
      if (layer == null) {
        continue; // everyPackageHasARow names it
      }
      String name = PROJECT.relativize(file.getKey()).toString();
      Matcher m = SPARKGRAD_REFERENCE.matcher(file.getValue());
      while (m.find()) {
        String used = m.group(1);
        if (!used.equals(pkg) && !layer.uses().contains(used)) {
          offenders.add(name + " uses io.sparkgrad." + used);
        }
      }
      if (!layer.spark() && SPARK_REFERENCE.matcher(file.getValue()).find()) {
        offenders.add(name + " uses Spark or Scala (package " + pkg + " may not)");
      }
      if (!layer.hadoop() && HADOOP_REFERENCE.matcher(file.getValue()).find()) {
        offenders.add(name + " uses Hadoop (package " + pkg + " may not)");
      }
    }
    assertEquals(List.of(), offenders);
  }

  @Test
  void packagesFormNoCycle() throws IOException {
    assertEquals(List.of(), cycle(importGraph()), "a cycle in the code");
    Map<String, Set<String>> allowed = new TreeMap<>();
    LAYERS.forEach((pkg, layer) -> allowed.put(pkg, layer.uses()));
    assertEquals(List.of(), cycle(allowed), "a cycle that the table would allow");
  }

  @Test
  void aCycleIsFound() {
    // The cycle finder itself, on a graph with one: a → b → c → a.
    Map<String, Set<String>> graph =
        Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a", "d"), "d", Set.of());
    assertEquals(List.of("a", "b", "c", "a"), cycle(graph));
  }

  /** A cycle of the graph as a path that ends where it starts, or an empty list when none. */
  private static List<String> cycle(Map<String, Set<String>> graph) {
    Map<String, Integer> state = new HashMap<>(); // 1: on the current path, 2: done
    Deque<String> path = new ArrayDeque<>();
    for (String start : new TreeSet<>(graph.keySet())) {
      List<String> found = visit(start, graph, state, path);
      if (!found.isEmpty()) {
        return found;
      }
    }
    return List.of();
  }

  private static List<String> visit(String node, Map<String, Set<String>> graph,
      Map<String, Integer> state, Deque<String> path) {
    Integer seen = state.get(node);
    if (seen != null && seen == 2) {
      return List.of();
    }
    if (seen != null) {
      List<String> onPath = new ArrayList<>(path);
      java.util.Collections.reverse(onPath);
      List<String> loop = new ArrayList<>(onPath.subList(onPath.indexOf(node), onPath.size()));
      loop.add(node);
      return loop;
    }
    state.put(node, 1);
    path.push(node);
    for (String next : new TreeSet<>(graph.getOrDefault(node, Set.of()))) {
      List<String> found = visit(next, graph, state, path);
      if (!found.isEmpty()) {
        return found;
      }
    }
    path.pop();
    state.put(node, 2);
    return List.of();
  }

  @Test
  void mathAndNetworkTestsStartNoSpark() throws IOException {
    List<String> offenders = new ArrayList<>();
    int files = 0;
    for (String pkg : PURE_PACKAGES) {
      for (Path file : javaFiles(PROJECT.resolve("src/test/java/io/sparkgrad/" + pkg))) {
        files++;
        String text = Files.readString(file);
        for (String marker : List.of("org.apache.spark", "SparkTestSession", "SparkSession")) {
          if (text.contains(marker)) {
            offenders.add(PROJECT.relativize(file) + " mentions " + marker);
          }
        }
      }
    }
    assertTrue(files >= 4, "found only " + files + " test files: wrong folder?");
    assertEquals(List.of(), offenders);
  }

  private static List<Path> javaFiles(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }
}
