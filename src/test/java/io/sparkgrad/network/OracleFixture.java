package io.sparkgrad.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.math.Activation;
import io.sparkgrad.math.LossFunction;
import io.sparkgrad.math.OutputFunction;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The numpy reference values in {@code src/test/resources/oracle/two_layer.json}, written by
 * {@code python3 scripts/numpy_oracle.py > src/test/resources/oracle/two_layer.json}.
 *
 * <p>The script is row-major (x[rows, inputs], W1[inputs, hidden], W2[hidden, outputs]); those
 * flat arrays are, unchanged, sparkgrad's column-major inputs×rows block and hidden×inputs /
 * outputs×hidden weights. So the parameter array is W1 ‖ b1 ‖ W2 ‖ b2 as read, and the gradient
 * blocks compare element for element.
 */
record OracleFixture(String generator, List<Network> networks) {
  static final String RESOURCE = "/oracle/two_layer.json";

  /** One network of the fixture: sizes, parameters, a block of inputs with labels, cases. */
  record Network(
      int inputs, int hidden, int outputs, int rows,
      double[] w1, double[] b1, double[] w2, double[] b2,
      double[] x, int[] labels, List<Case> cases) {

    ParameterLayout layout() {
      return new ParameterLayout(inputs, hidden, outputs);
    }

    /** The parameters in sparkgrad's layout: W1 ‖ b1 ‖ W2 ‖ b2, each block as numpy wrote it. */
    double[] params() {
      ParameterLayout layout = layout();
      double[] p = new double[layout.size()];
      System.arraycopy(w1, 0, p, layout.w1Offset(), w1.length);
      System.arraycopy(b1, 0, p, layout.b1Offset(), b1.length);
      System.arraycopy(w2, 0, p, layout.w2Offset(), w2.length);
      System.arraycopy(b2, 0, p, layout.b2Offset(), b2.length);
      return p;
    }
  }

  /**
   * One activation/output/loss combination: y (rows×outputs row-major = outputs×rows
   * column-major), the mean loss, the correct count and, unless forward-only, the gradients of
   * the mean loss.
   */
  record Case(
      String name, Activation activation, OutputFunction output, LossFunction loss,
      double[] y, double meanLoss, int correct,
      double[] dW1, double[] db1, double[] dW2, double[] db2) {

    boolean hasGradient() {
      return dW1 != null;
    }
  }

  static OracleFixture load() {
    try (InputStream in = OracleFixture.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            RESOURCE + ": not on the test classpath; regenerate it with"
                + " python3 scripts/numpy_oracle.py > src/test/resources/oracle/two_layer.json");
      }
      JsonNode root = new ObjectMapper().readTree(in);
      List<Network> networks = new ArrayList<>();
      for (JsonNode n : root.get("networks")) {
        networks.add(network(n));
      }
      return new OracleFixture(root.get("generator").asText(), networks);
    } catch (IOException e) {
      throw new UncheckedIOException(RESOURCE + ": " + e.getMessage(), e);
    }
  }

  private static Network network(JsonNode n) {
    int inputs = n.get("inputs").asInt();
    int hidden = n.get("hidden").asInt();
    int outputs = n.get("outputs").asInt();
    int rows = n.get("rows").asInt();
    JsonNode p = n.get("params");
    List<Case> cases = new ArrayList<>();
    for (JsonNode c : n.get("cases")) {
      String name = c.get("name").asText();
      JsonNode g = c.get("gradient");
      cases.add(new Case(
          name,
          Activation.parse("activation", c.get("activation").asText()),
          OutputFunction.parse("output", c.get("output").asText()),
          LossFunction.parse("loss", c.get("loss").asText()),
          doubles(c, "y", name, rows * outputs),
          c.get("meanLoss").asDouble(),
          c.get("correct").asInt(),
          g == null ? null : doubles(g, "W1", name + " dW1", inputs * hidden),
          g == null ? null : doubles(g, "b1", name + " db1", hidden),
          g == null ? null : doubles(g, "W2", name + " dW2", hidden * outputs),
          g == null ? null : doubles(g, "b2", name + " db2", outputs)));
    }
    int[] labels = new int[rows];
    JsonNode l = n.get("labels");
    check(l.size() == rows, "labels", rows, l.size());
    for (int i = 0; i < rows; i++) {
      labels[i] = l.get(i).asInt();
    }
    return new Network(
        inputs, hidden, outputs, rows,
        doubles(p, "W1", "W1", inputs * hidden), doubles(p, "b1", "b1", hidden),
        doubles(p, "W2", "W2", hidden * outputs), doubles(p, "b2", "b2", outputs),
        doubles(n, "x", "x", rows * inputs), labels, cases);
  }

  private static double[] doubles(JsonNode parent, String field, String what, int expected) {
    JsonNode a = parent.get(field);
    check(a != null && a.isArray(), what, expected, a == null ? 0 : a.size());
    check(a.size() == expected, what, expected, a.size());
    double[] out = new double[expected];
    for (int i = 0; i < expected; i++) {
      out[i] = a.get(i).asDouble();
    }
    return out;
  }

  private static void check(boolean ok, String what, int expected, int found) {
    if (!ok) {
      throw new IllegalStateException(
          RESOURCE + ": " + what + ": expected " + expected + " values; found " + found);
    }
  }
}
