package io.sparkgrad.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The one pass over an IDX folder's files before its examples are read, on the executors: the
 * SHA-256 fingerprint of every file ({@link FileDigests}: the same values) and the largest label
 * of the splits, every label checked below the class bound. One Spark job of a few tasks that
 * share the pieces out by bytes ({@link TaskGroups}), instead of a job of a task per labels slice
 * and another of a task per file: on MNIST ×40 (82 files) those cost 1.1 s and 2.3 s.
 */
final class IdxFolderPass {
  /** The fingerprints, keyed as given, and the largest label (0 for a split of one class). */
  record Result(Map<String, String> sha256, int maxLabel) {}

  private IdxFolderPass() {}

  /**
   * A piece of the pass: a chunk of a file to hash, or a slice of a labels file to check; {@code
   * order} is its place in the order the splits' labels are read (train first).
   */
  private record Piece(int order, FileDigests.Chunk chunk, IdxSplit.Slice labels)
      implements Serializable {
    long bytes() {
      return chunk != null ? chunk.length() : labels.count();
    }
  }

  /**
   * What a piece found: a chunk's digest, or a labels slice's largest label, or what is wrong
   * with the slice.
   */
  private record Found(int order, String key, byte[] digest, int maxLabel,
      DataFormatException bad) implements Serializable {}

  /**
   * Hashes {@code files} (fingerprints keyed by {@code names}, same order) and checks the labels
   * of {@code splits} below {@code classes}.
   */
  static Result run(JavaSparkContext jsc, Configuration conf, List<Path> files,
      List<String> names, List<IdxSplit> splits, int classes) throws IOException {
    List<FileDigests.Chunk> chunks = FileDigests.chunks(conf, files);
    List<Piece> pieces = new ArrayList<>();
    for (FileDigests.Chunk chunk : chunks) {
      pieces.add(new Piece(pieces.size(), chunk, null));
    }
    for (IdxSplit split : splits) {
      for (IdxSplit.Slice slice : split.labelSlices()) {
        pieces.add(new Piece(pieces.size(), null, slice));
      }
    }
    List<List<Piece>> groups = TaskGroups.balanced(pieces, Piece::bytes,
        TaskGroups.count(jsc, pieces.size()));
    HadoopConf hadoop = new HadoopConf(conf);
    Map<String, byte[]> digests = new LinkedHashMap<>();
    int maxLabel = 0;
    Found firstBad = null;
    for (Found found : jsc.parallelize(groups, groups.size())
        .flatMap(group -> {
          List<Found> out = new ArrayList<>();
          for (Piece piece : group) {
            if (piece.chunk() != null) {
              out.add(new Found(piece.order(), piece.chunk().key(),
                  FileDigests.digest(hadoop.get(), piece.chunk()), -1, null));
              continue;
            }
            try {
              out.add(new Found(piece.order(), null, null,
                  IdxSplit.maxLabel(hadoop.get(), piece.labels(), classes), null));
            } catch (DataFormatException e) {
              out.add(new Found(piece.order(), null, null, -1, e));
            }
          }
          return out.iterator();
        })
        .collect()) {
      if (found.key() != null) {
        digests.put(found.key(), found.digest());
      } else if (found.bad() != null) {
        if (firstBad == null || found.order() < firstBad.order()) {
          firstBad = found;
        }
      } else {
        maxLabel = Math.max(maxLabel, found.maxLabel());
      }
    }
    if (firstBad != null) {
      // The first bad label in reading order (train, then test), whichever task found it first.
      throw firstBad.bad();
    }
    return new Result(FileDigests.fingerprints(files, names, chunks, digests), maxLabel);
  }
}
