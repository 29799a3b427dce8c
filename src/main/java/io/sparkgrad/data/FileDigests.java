package io.sparkgrad.data;

import io.sparkgrad.io.Sha256;
import java.io.IOException;
import java.io.Serializable;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * SHA-256 fingerprints of input files for provenance, computed by the executors so that the
 * driver never reads the data. Each file is hashed in chunks of {@link #CHUNK_BYTES}, a few tasks
 * sharing the chunks out by bytes ({@link TaskGroups}): a file of one chunk (every MNIST file) gets the plain SHA-256 of its bytes, as
 * {@code sha256sum} prints it; a larger file gets the SHA-256 of the concatenated SHA-256 digests
 * of its chunks, in order (a hash list: any changed byte changes it, and the chunks are hashed in
 * parallel).
 */
public final class FileDigests {
  /** 64 MiB. */
  public static final long CHUNK_BYTES = 64L << 20;

  private FileDigests() {}

  /** Bytes [offset, offset+length) of {@code file}: its {@code number}th chunk. */
  record Chunk(String file, int number, long offset, long length) implements Serializable {
    String key() {
      return file + "#" + number;
    }
  }

  /** Fingerprints of {@code files}, keyed by {@code names} (same order), in that order. */
  public static Map<String, String> sha256(
      JavaSparkContext jsc, Configuration conf, List<Path> files, List<String> names)
      throws IOException {
    List<Chunk> chunks = chunks(conf, files);
    HadoopConf hadoop = new HadoopConf(conf);
    Map<String, byte[]> digests = new LinkedHashMap<>();
    List<List<Chunk>> groups = TaskGroups.balanced(chunks, Chunk::length,
        TaskGroups.count(jsc, chunks.size()));
    for (Tuple2<String, byte[]> d : jsc.parallelize(groups, Math.max(1, groups.size()))
        .flatMapToPair(group -> {
          List<Tuple2<String, byte[]>> out = new ArrayList<>();
          for (Chunk chunk : group) {
            out.add(new Tuple2<>(chunk.key(), digest(hadoop.get(), chunk)));
          }
          return out.iterator();
        })
        .collect()) {
      digests.put(d._1(), d._2());
    }
    return fingerprints(files, names, chunks, digests);
  }

  /** The chunks {@code files} are hashed in, file after file (the driver reads their lengths). */
  static List<Chunk> chunks(Configuration conf, List<Path> files) throws IOException {
    List<Chunk> chunks = new ArrayList<>();
    for (Path file : files) {
      FileSystem fs = IdxReader.fileSystem(file, conf);
      long length = fs.getFileStatus(file).getLen();
      int count = (int) Math.max(1, (length + CHUNK_BYTES - 1) / CHUNK_BYTES);
      for (int c = 0; c < count; c++) {
        long offset = c * CHUNK_BYTES;
        chunks.add(new Chunk(file.toString(), c, offset, Math.min(CHUNK_BYTES, length - offset)));
      }
    }
    return chunks;
  }

  /**
   * One file's fingerprint, hashed chunk after chunk in this thread: for a writer that has just
   * written the file ({@code expand}'s tasks, {@link FingerprintManifest}).
   */
  static String fingerprint(Configuration conf, Path file) throws IOException {
    List<Chunk> chunks = chunks(conf, List.of(file));
    Map<String, byte[]> digests = new LinkedHashMap<>();
    for (Chunk chunk : chunks) {
      digests.put(chunk.key(), digest(conf, chunk));
    }
    return fingerprints(List.of(file), List.of(file.getName()), chunks, digests)
        .get(file.getName());
  }

  /**
   * Each file's fingerprint from the digests of its {@code chunks} (keyed by {@link Chunk#key}):
   * the chunk's own for a file of one chunk, the hash list of them for a larger one.
   */
  static Map<String, String> fingerprints(List<Path> files, List<String> names,
      List<Chunk> chunks, Map<String, byte[]> digests) {
    Map<String, Integer> chunkCounts = new LinkedHashMap<>();
    for (Chunk chunk : chunks) {
      chunkCounts.merge(chunk.file(), 1, Integer::sum);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (int f = 0; f < files.size(); f++) {
      String file = files.get(f).toString();
      int count = chunkCounts.get(file);
      byte[] value;
      if (count == 1) {
        value = digests.get(file + "#0");
      } else {
        MessageDigest list = Sha256.digest();
        for (int c = 0; c < count; c++) {
          list.update(digests.get(file + "#" + c));
        }
        value = list.digest();
      }
      out.put(names.get(f), HexFormat.of().formatHex(value));
    }
    return out;
  }

  /**
   * The SHA-256 of one chunk's bytes as stored. A local file's Hadoop checksums (a {@code .crc}
   * file beside it, as {@code expand} writes) are not verified on the way: the fingerprint is of
   * the bytes whatever they are, and the pass that trains on them verifies them.
   */
  static byte[] digest(Configuration conf, Chunk chunk) throws IOException {
    MessageDigest sha = Sha256.digest();
    Path path = new Path(chunk.file());
    FileSystem fs = path.getFileSystem(conf);
    if (fs instanceof ChecksumFileSystem checked) {
      fs = checked.getRawFileSystem();
    }
    try (FSDataInputStream in = fs.open(path)) {
      in.seek(chunk.offset());
      byte[] buffer = new byte[4 << 20];
      long left = chunk.length();
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new IOException(chunk.file() + ": the file shrank while it was hashed");
        }
        sha.update(buffer, 0, n);
        left -= n;
      }
    }
    return sha.digest();
  }
}
