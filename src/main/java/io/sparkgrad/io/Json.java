package io.sparkgrad.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The project's one JSON mapper: every JSON file it writes (model metadata, metrics, checkpoints,
 * exports) is indented UTF-8 ending in a newline, and a number that is not finite is written as
 * null (JSON has no NaN).
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** The node as indented UTF-8 JSON text with a final newline. */
  public static byte[] toBytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node).concat("\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize JSON", e);
    }
  }

  /** Puts {@code value}, or null when it is NaN or infinite. */
  public static void putNumber(ObjectNode node, String field, double value) {
    if (Double.isFinite(value)) {
      node.put(field, value);
    } else {
      node.putNull(field);
    }
  }

  /** The number in {@code field}, NaN when it is missing or null. */
  public static double number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? Double.NaN : value.asDouble();
  }
}
