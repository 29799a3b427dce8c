package io.sparkgrad.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * An IDX folder's file fingerprints ({@link FileDigests}: the same values), some of them taken
 * by the tasks that read the examples ({@link ReadDigests}) instead of a pass of their own, and
 * so complete only once the examples have been read. Read-only; the first look at it settles it:
 * a file no read has hashed by then (its examples not read yet, or a task that found it grown) is
 * hashed by a fingerprint job as before. So whoever reads the fingerprints after the blocks are
 * built (the checkpoints, the model's provenance) gets them for free, and whoever reads them
 * before (a resume's check) pays the pass then.
 */
final class Fingerprints extends AbstractMap<String, String> {
  private final JavaSparkContext jsc;
  private final Configuration conf;
  /** Every file's name, in the order of the fingerprints. */
  private final List<String> names;
  /** The fingerprints known from the start, by name. */
  private final Map<String, String> known;
  /** The files whose fingerprints the reads take, by name. */
  private final Map<String, Path> deferred;
  private final List<ReadDigests> reads;
  private Map<String, String> settled;

  Fingerprints(JavaSparkContext jsc, Configuration conf, List<String> names,
      Map<String, String> known, Map<String, Path> deferred, List<ReadDigests> reads) {
    if (known.size() + deferred.size() != names.size()) {
      throw new IllegalArgumentException("fingerprints: expected one of known ("
          + known.size() + ") or deferred (" + deferred.size() + ") for each of the "
          + names.size() + " files");
    }
    this.jsc = jsc;
    this.conf = conf;
    this.names = List.copyOf(names);
    this.known = Map.copyOf(known);
    this.deferred = new LinkedHashMap<>(deferred);
    this.reads = List.copyOf(reads);
  }

  @Override
  public Set<Entry<String, String>> entrySet() {
    return settled().entrySet();
  }

  @Override
  public String get(Object name) {
    return settled().get(name);
  }

  @Override
  public boolean containsKey(Object name) {
    return settled().containsKey(name);
  }

  /** How many of the deferred files the reads have hashed so far (tests). */
  int hashedByReads() {
    Map<String, byte[]> found = found();
    return (int) deferred.values().stream().filter(f -> found.containsKey(f.toString())).count();
  }

  private Map<String, byte[]> found() {
    Map<String, byte[]> found = new LinkedHashMap<>();
    for (ReadDigests read : reads) {
      for (Map.Entry<String, byte[]> e : read.found().entrySet()) {
        found.putIfAbsent(new Path(e.getKey()).toString(), e.getValue());
      }
    }
    return found;
  }

  private synchronized Map<String, String> settled() {
    if (settled != null) {
      return settled;
    }
    Map<String, byte[]> found = found();
    Map<String, String> values = new LinkedHashMap<>(known);
    List<Path> missing = new ArrayList<>();
    List<String> missingNames = new ArrayList<>();
    for (Map.Entry<String, Path> e : deferred.entrySet()) {
      byte[] digest = found.get(e.getValue().toString());
      if (digest != null) {
        values.put(e.getKey(), HexFormat.of().formatHex(digest));
      } else {
        missing.add(e.getValue());
        missingNames.add(e.getKey());
      }
    }
    if (!missing.isEmpty()) {
      try {
        values.putAll(FileDigests.sha256(jsc, conf, missing, missingNames));
      } catch (IOException e) {
        throw new UncheckedIOException("fingerprints of " + missing + ": " + e.getMessage(), e);
      }
    }
    Map<String, String> ordered = new LinkedHashMap<>();
    for (String name : names) {
      ordered.put(name, values.get(name));
    }
    settled = Collections.unmodifiableMap(ordered);
    return settled;
  }
}
