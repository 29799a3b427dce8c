package io.sparkgrad.export;

import io.sparkgrad.math.Activation;
import io.sparkgrad.math.OutputFunction;
import io.sparkgrad.network.NetworkSpec;
import io.sparkgrad.network.ParameterLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * The network as an ONNX model: one graph, float32 throughout.
 *
 * <pre>
 *   input          float [N, d]      pixels / 255, each image flattened row-major
 *   a1 = Gemm(input, W1, b1)         W1 [d, H], b1 [H]        (numpy layout: x @ W1 + b1)
 *   z1 = Relu(a1) | Sigmoid(a1) | Relu(Sign(a1)) for step
 *   a2 = Gemm(z1, W2, b2)            W2 [H, K], b2 [K]
 *   probabilities  float [N, K]      Softmax(a2) over the last axis; a2 itself for an identity
 *                                    output (then the values are the raw outputs)
 * </pre>
 *
 * <p>Written with the schema of {@code onnx/onnx.proto} (proto2), field numbers as there:
 *
 * <pre>
 *   ModelProto         ir_version 1, producer_name 2, producer_version 3, doc_string 6,
 *                      graph 7, opset_import 8, metadata_props 14
 *   OperatorSetIdProto domain 1, version 2
 *   GraphProto         node 1, name 2, initializer 5, doc_string 10, input 11, output 12
 *   NodeProto          input 1, output 2, name 3, op_type 4
 *   TensorProto        dims 1, data_type 2 (FLOAT = 1), name 8, raw_data 9 (little-endian)
 *   ValueInfoProto     name 1, type 2
 *   TypeProto          tensor_type 1 → Tensor: elem_type 1, shape 2
 *   TensorShapeProto   dim 1 → Dimension: dim_value 1, dim_param 2
 *   StringStringEntryProto key 1, value 2
 * </pre>
 *
 * <p>IR version 8 and opset 13 (Gemm, Relu, Sigmoid, Sign and Softmax as defined there), which
 * every ONNX Runtime since 1.10 reads.
 */
public final class OnnxExport {
  public static final int IR_VERSION = 8;
  public static final int OPSET = 13;
  public static final String INPUT = "input";
  public static final String OUTPUT = "probabilities";

  private static final int FLOAT = 1;

  private OnnxExport() {}

  /**
   * The serialized ModelProto.
   *
   * @param metadata written as the model's metadata_props (e.g. the sparkgrad model id)
   */
  public static byte[] encode(NetworkSpec spec, double[] params, Map<String, String> metadata) {
    ParameterLayout layout = spec.layout();
    layout.checkSize("parameters", params.length);
    int d = layout.inputs();
    int hidden = layout.hidden();
    int k = layout.outputs();

    ProtoWriter graph = new ProtoWriter();
    graph.message(1, node("gemm1", "Gemm", new String[] {INPUT, "W1", "b1"}, "a1"));
    String z1 = "z1";
    switch (spec.activation()) {
      case RELU -> graph.message(1, node("relu", "Relu", new String[] {"a1"}, z1));
      case SIGMOID -> graph.message(1, node("sigmoid", "Sigmoid", new String[] {"a1"}, z1));
      case STEP -> {
        // step(a) = 1 if a > 0 else 0 = Relu(Sign(a)).
        graph.message(1, node("sign", "Sign", new String[] {"a1"}, "sign1"));
        graph.message(1, node("step", "Relu", new String[] {"sign1"}, z1));
      }
      default -> throw new IllegalArgumentException(
          "activation: no ONNX form for '" + spec.activation().label() + "'");
    }
    boolean softmax = spec.output() == OutputFunction.SOFTMAX;
    graph.message(1, node("gemm2", "Gemm", new String[] {z1, "W2", "b2"}, softmax ? "a2" : OUTPUT));
    if (softmax) {
      // Softmax-13 normalizes over axis -1 by default: per example.
      graph.message(1, node("softmax", "Softmax", new String[] {"a2"}, OUTPUT));
    }
    graph.string(2, "sparkgrad_two_layer_network");
    // numpy layouts: W1 [d, H] row-major is the layout's W1 block as stored (H×d column-major).
    graph.message(5, tensor("W1", params, layout.w1Offset(), d, hidden));
    graph.message(5, tensor("b1", params, layout.b1Offset(), hidden));
    graph.message(5, tensor("W2", params, layout.w2Offset(), hidden, k));
    graph.message(5, tensor("b2", params, layout.b2Offset(), k));
    graph.string(10, spec.describe() + "; input: pixels / 255, row-major, float32 [N, " + d + "]");
    graph.message(11, valueInfo(INPUT, d));
    graph.message(12, valueInfo(OUTPUT, k));

    ProtoWriter model = new ProtoWriter()
        .varint(1, IR_VERSION)
        .string(2, "sparkgrad")
        .string(3, producerVersion())
        .string(6, "Two-layer network trained by sparkgrad: " + spec.describe()
            + (spec.activation() == Activation.STEP ? " (step activation as Relu(Sign(x)))" : ""))
        .message(7, graph)
        .message(8, new ProtoWriter().string(1, "").varint(2, OPSET));
    for (Map.Entry<String, String> entry : metadata.entrySet()) {
      model.message(14, new ProtoWriter().string(1, entry.getKey()).string(2, entry.getValue()));
    }
    return model.toByteArray();
  }

  private static ProtoWriter node(String name, String op, String[] inputs, String output) {
    ProtoWriter node = new ProtoWriter();
    for (String input : inputs) {
      node.string(1, input);
    }
    return node.string(2, output).string(3, name).string(4, op);
  }

  /** A float32 initializer with the given dims, from {@code params[offset ..]} in order. */
  private static ProtoWriter tensor(String name, double[] params, int offset, int... dims) {
    long count = 1;
    ProtoWriter tensor = new ProtoWriter();
    for (int dim : dims) {
      tensor.varint(1, dim);
      count *= dim;
    }
    ByteBuffer raw = ByteBuffer.allocate(Math.toIntExact(4 * count)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      raw.putFloat((float) params[offset + i]);
    }
    return tensor.varint(2, FLOAT).string(8, name).bytes(9, raw.array());
  }

  /** A float tensor value of shape [N, width], N symbolic. */
  private static ProtoWriter valueInfo(String name, int width) {
    ProtoWriter shape = new ProtoWriter()
        .message(1, new ProtoWriter().string(2, "N"))
        .message(1, new ProtoWriter().varint(1, width));
    ProtoWriter tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
  }

  private static String producerVersion() {
    String version = OnnxExport.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
