#!/usr/bin/env python3
"""Writes labelled-data files (X, y) that a run must refuse with a located error.

    scripts/fuzz/hostile_data.py OUT_DIR

One file per case, named after it; a file `good.h5` that loads. Declared shapes too large for
memory or for Int, no feature columns, labels out of range or not integers, NaN/inf features,
wrong ranks and types, too few rows for the clients. Prints the number of files written.
"""
import os
import sys

import h5py
import numpy as np


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    good_x = rng.normal(size=(200, 4))
    good_y = rng.integers(0, 3, size=200)

    def write(name, x=None, y=None, x_shape=None, x_dtype="f8", y_shape=None, y_dtype="i8"):
        with h5py.File(os.path.join(out, name + ".h5"), "w") as f:
            if x is not None:
                f["X"] = x
            elif x_shape is not None:
                f.create_dataset("X", shape=x_shape, dtype=x_dtype, chunks=tuple(min(s, 64) or 1 for s in x_shape) if all(x_shape) else None)
            if y is not None:
                f["y"] = y
            elif y_shape is not None:
                f.create_dataset("y", shape=y_shape, dtype=y_dtype, chunks=(min(y_shape[0], 64) or 1,) if y_shape[0] else None)

    write("good", good_x, good_y)
    write("huge_declared", x_shape=(2**40, 4), y_shape=(2**40,))
    write("int_overflow_declared", x_shape=(2**62, 2**62), y_shape=(2**62,))
    write("no_feature_columns", np.zeros((200, 0)), good_y)
    write("no_rows", np.zeros((0, 4)), np.zeros(0, dtype=np.int64))
    for label, value in [("int32_max", 2**31 - 1), ("1e5", 1e5), ("inf", np.inf), ("nan", np.nan), ("negative", -1),
                         ("fractional", 1.5), ("int64_max", 2**63 - 1)]:
        y = good_y.astype(np.float64 if isinstance(value, float) else np.int64)
        y[17] = value
        write(f"label_{label}", good_x, y)
    for label, value in [("nan", np.nan), ("inf", np.inf), ("neg_inf", -np.inf)]:
        x = good_x.copy()
        x[5, 2] = value
        write(f"feature_{label}", x, good_y)
    write("fewer_rows_than_clients", good_x[:5], good_y[:5])
    write("x_rank_3", np.zeros((200, 2, 2)), good_y)
    write("y_rank_2", good_x, good_y.reshape(100, 2))
    write("rows_differ", good_x, good_y[:150])
    write("string_labels", good_x, np.array([b"a"] * 200))
    write("missing_y", good_x, None)
    with open(os.path.join(out, "not_hdf5.h5"), "w") as f:
        f.write("X,y\n1,2\n")
    print(len([n for n in os.listdir(out) if n.endswith(".h5")]))


if __name__ == "__main__":
    main()
