package io.sparkgrad.data;

import java.io.Serializable;

/**
 * A stack of up to {@code blockRows} examples, cached on the executors: features as one
 * contiguous column-major {@code inputs × rows} array of the training precision (already scaled
 * to [0, 1]), their labels, and each example's index in its data set. One GEMM can consume a
 * whole block.
 */
public record ExampleBlock<A>(A features, int[] labels, int[] indices, int rows, int inputs)
    implements Serializable {}
