package io.sparkgrad.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The SHA-256 of every file under a path (hidden ones included), by relative path: taken before
 * and after a refused command, equal maps prove the command left the path byte-identical.
 */
public final class FileHashes {
  private FileHashes() {}

  public static Map<String, String> of(Path root) throws IOException {
    Map<String, String> hashes = new TreeMap<>();
    if (!Files.exists(root)) {
      return hashes;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path file : (Iterable<Path>) walk.sorted()::iterator) {
        String name = root.relativize(file).toString();
        if (Files.isDirectory(file)) {
          hashes.put(name + "/", "folder");
        } else if (Files.isRegularFile(file)) {
          hashes.put(name, sha256(Files.readAllBytes(file)));
        } else {
          hashes.put(name, "special");
        }
      }
    }
    return hashes;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
