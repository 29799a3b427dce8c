#!/usr/bin/env python3
"""Independent numpy oracle for sparkgrad's two-layer network.

Regenerate the fixture that OracleTest reads with:

    python3 scripts/numpy_oracle.py > src/test/resources/oracle/two_layer.json

Written from the textbook formulas, not from the Java code, in the row-major conventions of
"Deep Learning from Scratch" (TwoLayerNet):

    x[N, in]   W1[in, H]   b1[H]   W2[H, out]   b2[out]
    a1 = x @ W1 + b1        z1 = h(a1)
    a2 = z1 @ W2 + b2       y  = g(a2)       (g = softmax or identity)
    cross-entropy   L = mean_n ( logsumexp(a2[n]) - a2[n, t_n] )
    sum of squares  L = mean_n ( 1/2 * sum_k (y[n, k] - onehot(t_n)[k])^2 )

Gradients are of the MEAN loss, by hand-written backpropagation; every one of them is checked
here against numpy central differences, so a wrong oracle stops the script instead of writing
a fixture. Floats are written by json (Python's repr: the shortest string that reads back as
the same double), so nothing is lost between numpy and Java.

Flat arrays are row-major: x is N*in values, W1 is in*H values (row i = input i), W2 is H*out.
numpy's row-major W1[in, H] has the same memory as sparkgrad's column-major H x in W1, and
x[N, in] the same memory as sparkgrad's column-major in x N input block.

Needs only numpy (tested with numpy 2.x). Deterministic: a fixed seed, no time stamps.
"""

import json
import sys

import numpy as np

SEED = 20240607
N_IN, N_HIDDEN, N_OUT, N_ROWS = 12, 7, 5, 9
FD_EPS = 1e-6          # central-difference step
FD_TOL = 1e-7          # max |analytic - numeric| / max(1, max |analytic|) allowed
# The huge-logit cases have a loss near 600 and weights of 1000, which raise both the rounding
# error (|L| * 2^-52 / eps) and the truncation error (eps^2 * third derivative) of a central
# difference; their analytic gradients still agree to 1e-7, looser than FD_TOL only by that.
FD_TOL_HUGE = 1e-6
RELU_KINK_MARGIN = 1e-3  # |a1| must exceed this for ReLU central differences to be valid


# ---- functions, written from their definitions -------------------------------------------

def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def relu(a):
    return np.maximum(0.0, a)


def step(a):
    return (a > 0).astype(np.float64)


ACTIVATIONS = {"sigmoid": sigmoid, "relu": relu, "step": step}


def softmax(a):
    """Row-wise softmax, the row maximum subtracted first."""
    shifted = a - a.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def logsumexp(a):
    m = a.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=1, keepdims=True)))[:, 0]


def one_hot(t, k):
    out = np.zeros((t.size, k))
    out[np.arange(t.size), t] = 1.0
    return out


# ---- the network -------------------------------------------------------------------------

def forward(p, x, activation, output):
    a1 = x @ p["W1"] + p["b1"]
    z1 = ACTIVATIONS[activation](a1)
    a2 = z1 @ p["W2"] + p["b2"]
    y = softmax(a2) if output == "softmax" else a2
    return a1, z1, a2, y


def mean_loss(p, x, t, activation, output, loss):
    _, _, a2, y = forward(p, x, activation, output)
    n = x.shape[0]
    if loss == "cross_entropy":
        # -log softmax(a2)[t] = logsumexp(a2) - a2[t], finite for any finite logits
        return float(np.mean(logsumexp(a2) - a2[np.arange(n), t]))
    return float(np.mean(0.5 * np.sum((y - one_hot(t, y.shape[1])) ** 2, axis=1)))


def correct_count(y, t):
    # np.argmax returns the first maximum, as sparkgrad documents
    return int(np.sum(np.argmax(y, axis=1) == t))


def backprop(p, x, t, activation, output, loss):
    """Gradients of the mean loss, by the chain rule, layer by layer."""
    n = x.shape[0]
    a1, z1, a2, y = forward(p, x, activation, output)
    tt = one_hot(t, y.shape[1])
    if loss == "cross_entropy":
        assert output == "softmax"
        da2 = (y - tt) / n                      # d/da of logsumexp(a) - a_t is softmax(a) - t
    elif output == "identity":
        da2 = (y - tt) / n                      # d/dy of 1/2 |y - t|^2, y = a
    else:
        dy = (y - tt) / n                       # d/dy of 1/2 |y - t|^2
        # softmax Jacobian: dy_j/da_i = y_j (delta_ij - y_i)
        da2 = y * (dy - np.sum(dy * y, axis=1, keepdims=True))
    dW2 = z1.T @ da2
    db2 = da2.sum(axis=0)
    dz1 = da2 @ p["W2"].T
    if activation == "sigmoid":
        da1 = dz1 * z1 * (1.0 - z1)
    elif activation == "relu":
        da1 = dz1 * (a1 > 0)
    else:
        raise ValueError("no gradient for " + activation)
    dW1 = x.T @ da1
    db1 = da1.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def numeric_gradient(p, x, t, activation, output, loss):
    grads = {}
    for name, value in p.items():
        g = np.zeros_like(value)
        flat = value.reshape(-1)          # a view: edits change p[name]
        gflat = g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + FD_EPS
            plus = mean_loss(p, x, t, activation, output, loss)
            flat[i] = old - FD_EPS
            minus = mean_loss(p, x, t, activation, output, loss)
            flat[i] = old
            gflat[i] = (plus - minus) / (2 * FD_EPS)
        grads[name] = g
    return grads


def check_gradient(case_name, p, x, t, activation, output, loss, tol):
    """Stops the script if backprop and central differences disagree; returns the max error."""
    analytic = backprop(p, x, t, activation, output, loss)
    numeric = numeric_gradient(p, x, t, activation, output, loss)
    worst = 0.0
    for name in ("W1", "b1", "W2", "b2"):
        scale = max(1.0, float(np.max(np.abs(analytic[name]))))
        err = float(np.max(np.abs(analytic[name] - numeric[name]))) / scale
        worst = max(worst, err)
        if not err <= tol:
            sys.exit("oracle self-check failed: %s d%s backprop vs central differences: %.3g > %g"
                     % (case_name, name, err, tol))
    print("# %-34s backprop vs central differences: max err %.2e (tol %.0e)"
          % (case_name, worst, tol), file=sys.stderr)
    return worst


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def make_case(name, p, x, t, activation, output, loss, with_gradient=True, fd_tol=FD_TOL):
    a1, _, _, y = forward(p, x, activation, output)
    case = {
        "name": name,
        "activation": activation,
        "output": output,
        "loss": loss,
        "y": flat(y),
        "meanLoss": mean_loss(p, x, t, activation, output, loss),
        "correct": correct_count(y, t),
    }
    if with_gradient:
        if activation == "relu":
            margin = float(np.min(np.abs(a1)))
            assert margin > RELU_KINK_MARGIN, "%s: a ReLU input %.3g is too close to 0" % (name, margin)
        case["fdMaxError"] = check_gradient(name, p, x, t, activation, output, loss, fd_tol)
        g = backprop(p, x, t, activation, output, loss)
        case["gradient"] = {k: flat(g[k]) for k in ("W1", "b1", "W2", "b2")}
    return case


def network(p, x, t, cases):
    n_in, n_hidden = p["W1"].shape
    n_out = p["W2"].shape[1]
    return {
        "inputs": n_in, "hidden": n_hidden, "outputs": n_out, "rows": x.shape[0],
        "params": {k: flat(p[k]) for k in ("W1", "b1", "W2", "b2")},
        "x": flat(x),
        "labels": [int(v) for v in t],
        "cases": cases,
    }


def small_network():
    """Random 12 -> 7 -> 5 network on 9 rows: no square shapes, so a transpose shows."""
    rng = np.random.default_rng(SEED)
    p = {
        "W1": rng.normal(0.0, 0.6, (N_IN, N_HIDDEN)),
        "b1": rng.normal(0.0, 0.5, N_HIDDEN),
        "W2": rng.normal(0.0, 0.8, (N_HIDDEN, N_OUT)),
        "b2": rng.normal(0.0, 0.5, N_OUT),
    }
    x = rng.uniform(0.0, 1.0, (N_ROWS, N_IN))
    t = rng.integers(0, N_OUT, N_ROWS)
    cases = []
    for activation in ("sigmoid", "relu"):
        for output, loss in (("softmax", "cross_entropy"), ("identity", "sum_of_squares"),
                             ("softmax", "sum_of_squares")):
            cases.append(make_case("%s/%s/%s" % (activation, output, loss),
                                   p, x, t, activation, output, loss))
    cases.append(make_case("step/softmax/cross_entropy", p, x, t, "step", "softmax",
                           "cross_entropy", with_gradient=False))
    return network(p, x, t, cases)


def huge_logits_network():
    """3 -> 3 -> 3 ReLU network whose logits are rows like [1000, 1000, -1000].

    W1 = I, b1 = 0, W2 = 1000 I, b2 = [0, 0, -1000]; x rows pick which logits are huge. A
    naive exp overflows; the first row also has a tie between classes 0 and 1 (first wins).
    """
    p = {
        "W1": np.eye(3),
        "b1": np.zeros(3),
        "W2": 1000.0 * np.eye(3),
        "b2": np.array([0.0, 0.0, -1000.0]),
    }
    x = np.array([[1.0, 1.0, -1.0],    # a2 = [1000, 1000, -1000]
                  [1.0, 1.0, -1.0],    # the same, labelled 2: loss 2000 + log 2
                  [-1.0, 1.0, 1.0],    # a2 = [0, 1000, 0]
                  [0.5, -1.0, 1.0]])   # a2 = [500, 0, 0]
    t = np.array([0, 2, 1, 1])
    cases = [make_case("huge/relu/softmax/cross_entropy", p, x, t, "relu", "softmax",
                       "cross_entropy", fd_tol=FD_TOL_HUGE),
             make_case("huge/relu/softmax/sum_of_squares", p, x, t, "relu", "softmax",
                       "sum_of_squares", fd_tol=FD_TOL_HUGE)]
    return network(p, x, t, cases)


def main():
    fixture = {
        "generator": "python3 scripts/numpy_oracle.py > src/test/resources/oracle/two_layer.json",
        "numpy": np.__version__,
        "seed": SEED,
        "layout": "row-major: x[rows, inputs], W1[inputs, hidden], W2[hidden, outputs]",
        "networks": [small_network(), huge_logits_network()],
    }
    json.dump(fixture, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
