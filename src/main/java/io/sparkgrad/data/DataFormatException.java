package io.sparkgrad.data;

/**
 * Input data that cannot be used: a missing or empty file, a wrong IDX magic number, impossible
 * dimensions, a truncated file or trailing bytes, a corrupt gzip stream, a label outside the
 * class range, image and label counts that differ, a Parquet table with the wrong schema, an
 * ambiguous or unrecognised data folder.
 *
 * <p>The message always names the file (or table), the field, the expected and the found value,
 * in the form {@code <file>: <field>: expected <x>; found <y>}. It is a caller error, hence an
 * {@link IllegalArgumentException}; genuine I/O failures (a datanode down, a permission denied)
 * stay {@link java.io.IOException}s so that the two can be told apart (and map to different exit
 * codes).
 *
 * <p>Not to be confused with {@link java.util.zip.DataFormatException}, which is checked and
 * unrelated.
 */
public class DataFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public DataFormatException(String message) {
    super(message);
  }

  public DataFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code <file>: <field>: expected <expected>; found <found>}. */
  static DataFormatException of(Object file, String field, Object expected, Object found) {
    return new DataFormatException(file + ": " + field + ": expected " + expected + "; found " + found);
  }
}
