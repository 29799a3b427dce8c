package io.sparkgrad.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;

/**
 * The SHA-256 of the files the tasks read whole while they read a split's examples, gathered on
 * the driver: on MNIST ×40 the fingerprint pass read the 1.9 GB of pixels once more only to hash
 * them, before the build read them again ({@link IdxSplit#filesHashedWhenRead}). Each read of the
 * examples registers an accumulator; Spark adds a task's values when the task succeeds, so a
 * file appears once its task has read it to its end (a task run again adds the same value).
 */
final class ReadDigests {
  /** A file's SHA-256 as a task read it. */
  record Found(String file, byte[] sha256) implements Serializable {}

  private final List<CollectionAccumulator<Found>> reads = new ArrayList<>();

  /** A new accumulator for one read of the examples. */
  synchronized CollectionAccumulator<Found> register(JavaSparkContext jsc) {
    CollectionAccumulator<Found> read = jsc.sc().collectionAccumulator("sparkgrad file digests");
    reads.add(read);
    return read;
  }

  /** The digests found so far, keyed by file as the split names it. */
  synchronized Map<String, byte[]> found() {
    Map<String, byte[]> found = new LinkedHashMap<>();
    for (CollectionAccumulator<Found> read : reads) {
      for (Found f : read.value()) {
        found.putIfAbsent(f.file(), f.sha256());
      }
    }
    return found;
  }
}
