#!/usr/bin/env python3
"""Independent check of `sparkgrad export --format npz` with numpy alone.

Runs the README's numpy lines on an IDX images file and compares the result with the
predictions `sparkgrad predict --format csv` wrote for the same file:

    cd FOLDER_WITH_model.npz
    python3 /path/to/scripts/npz-check.py IMAGES_IDX[.gz] PREDICTIONS_CSV_FOLDER [PRECISION]

Prints the number of images, how many predicted classes differ from sparkgrad's and the
largest difference of a class probability; exits 0 when no class differs and every
probability agrees within the tolerance of the model's precision (PRECISION, float64 when
not given: 1e-9; float32: 1e-5, since sparkgrad predicts in the model's own precision and
float32 rounding over a 784-term dot product reaches about 1e-6), 1 otherwise, 2 on bad
input.
"""
import csv
import glob
import gzip
import json
import os
import sys

import numpy as np

TOLERANCES = {"float64": 1e-9, "float32": 1e-5}


def read_idx_images(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    magic, count, rows, cols = np.frombuffer(data[:16], dtype=">i4")
    if magic != 2051:
        sys.exit(f"{path}: magic: expected 2051 (IDX images); found {magic}")
    if len(data) != 16 + count * rows * cols:
        sys.exit(f"{path}: length: expected {16 + count * rows * cols} bytes; found {len(data)}")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows, cols)


def read_predictions(folder):
    parts = sorted(glob.glob(os.path.join(folder, "part-*.csv")))
    if not parts:
        sys.exit(f"{folder}: expected CSV part files (part-*.csv); found none")
    rows = []
    for part in parts:
        with open(part, newline="") as f:
            rows.extend(csv.DictReader(f))
    classes = sum(1 for key in rows[0] if key.startswith("p") and key[1:].isdigit())
    index = np.array([int(r["index"]) for r in rows])
    predicted = np.array([int(r["predicted"]) for r in rows])
    probabilities = np.array([[float(r[f"p{k}"]) for k in range(classes)] for r in rows])
    order = np.argsort(index)
    if not np.array_equal(index[order], np.arange(len(rows))):
        sys.exit(f"{folder}: column 'index': expected 0..{len(rows) - 1} once each")
    return predicted[order], probabilities[order]


if len(sys.argv) not in (3, 4):
    sys.exit(__doc__)
precision = sys.argv[3] if len(sys.argv) == 4 else "float64"
if precision not in TOLERANCES:
    sys.exit(f"PRECISION: expected one of {sorted(TOLERANCES)}; found {precision!r}")
TOLERANCE = TOLERANCES[precision]
images = read_idx_images(sys.argv[1])

# README begin: the numpy forward pass, exactly as the README shows it.
m = np.load("model.npz")
x = images.reshape(len(images), -1) / 255.0
z = np.maximum(0.0, x @ m["W1"] + m["b1"])
predicted = (z @ m["W2"] + m["b2"]).argmax(axis=1)
# README end

meta = json.loads(m["meta.json"])
if meta["activation"] != "relu" or meta["output"] != "softmax":
    sys.exit(f"the README lines are for a ReLU/softmax model; this one is "
             f"{meta['activation']}/{meta['output']}")
if (meta["image_rows"], meta["image_cols"]) != images.shape[1:]:
    sys.exit(f"model.npz: image size {meta['image_rows']}×{meta['image_cols']}; "
             f"the images are {images.shape[1]}×{images.shape[2]}")
a = z @ m["W2"] + m["b2"]
p = np.exp(a - a.max(axis=1, keepdims=True))
p /= p.sum(axis=1, keepdims=True)

theirs, their_p = read_predictions(sys.argv[2])
if len(theirs) != len(images):
    sys.exit(f"{sys.argv[2]}: expected {len(images)} predictions; found {len(theirs)}")
differ = int((predicted != theirs).sum())
max_diff = float(np.abs(p - their_p).max())
print(f"images: {len(images)} of {images.shape[1]}×{images.shape[2]}; "
      f"model {meta['inputs']}→{meta['hidden']}({meta['activation']})→{meta['outputs']}")
print(f"predicted classes that differ from sparkgrad's: {differ} of {len(images)}")
print(f"largest |p - p_sparkgrad| over all classes: {max_diff:.3e} (tolerance {TOLERANCE:g})")
sys.exit(0 if differ == 0 and max_diff <= TOLERANCE else 1)
