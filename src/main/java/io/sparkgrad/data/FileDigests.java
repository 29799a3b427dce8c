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
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * SHA-256 fingerprints of input files for provenance, computed by the executors so that the
 * driver never reads the data. Each file is hashed in chunks of {@link #CHUNK_BYTES}, one task a
 * chunk: a file of one chunk (every MNIST file) gets the plain SHA-256 of its bytes, as
 * {@code sha256sum} prints it; a larger file gets the SHA-256 of the concatenated SHA-256 digests
 * of its chunks, in order (a hash list: any changed byte changes it, and the chunks are hashed in
 * parallel).
 */
public final class FileDigests {
  /** 64 MiB. */
  public static final long CHUNK_BYTES = 64L << 20;

  private FileDigests() {}

  private record Chunk(String file, int number, long offset, long length)
      implements Serializable {}

  /** Fingerprints of {@code files}, keyed by {@code names} (same order), in that order. */
  public static Map<String, String> sha256(
      JavaSparkContext jsc, Configuration conf, List<Path> files, List<String> names)
      throws IOException {
    List<Chunk> chunks = new ArrayList<>();
    List<Integer> chunkCounts = new ArrayList<>();
    for (Path file : files) {
      FileSystem fs = IdxReader.fileSystem(file, conf);
      long length = fs.getFileStatus(file).getLen();
      int count = (int) Math.max(1, (length + CHUNK_BYTES - 1) / CHUNK_BYTES);
      for (int c = 0; c < count; c++) {
        long offset = c * CHUNK_BYTES;
        chunks.add(new Chunk(file.toString(), c, offset, Math.min(CHUNK_BYTES, length - offset)));
      }
      chunkCounts.add(count);
    }
    HadoopConf hadoop = new HadoopConf(conf);
    Map<String, byte[]> digests = new LinkedHashMap<>();
    for (Tuple2<String, byte[]> d : jsc.parallelize(chunks, Math.max(1, chunks.size()))
        .mapToPair(chunk -> new Tuple2<>(chunk.file() + "#" + chunk.number(),
            digest(hadoop.get(), chunk)))
        .collect()) {
      digests.put(d._1(), d._2());
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (int f = 0; f < files.size(); f++) {
      String file = files.get(f).toString();
      int count = chunkCounts.get(f);
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

  private static byte[] digest(Configuration conf, Chunk chunk) throws IOException {
    MessageDigest sha = Sha256.digest();
    Path path = new Path(chunk.file());
    try (FSDataInputStream in = path.getFileSystem(conf).open(path)) {
      in.seek(chunk.offset());
      byte[] buffer = new byte[1 << 20];
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
