#!/usr/bin/env python3
"""Writes scikit-learn's bundled digits data set (1,797 8x8 images, 10 classes) to
notebooks-data/digits.h5 as X (1797 x 64, float64, pixels scaled to [0, 1]) and y (int32),
the layout `federation.dataset.kind: hdf5` reads.

Usage: scripts/export_digits.py [OUTPUT.h5]      (needs scikit-learn and h5py: scripts/setup --examples)
"""
import os
import sys

import h5py
import numpy as np
try:
    from sklearn.datasets import load_digits
except ImportError:
    sys.exit("export_digits.py needs scikit-learn: run scripts/setup --examples (or pip install scikit-learn)")

output = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "notebooks-data", "digits.h5")
digits = load_digits()
os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
temporary = output + ".partial"
with h5py.File(temporary, "w") as f:
    f.create_dataset("X", data=(digits.data / 16.0).astype(np.float64))
    f.create_dataset("y", data=digits.target.astype(np.int32))
    f.attrs["source"] = "scikit-learn load_digits (UCI optical recognition of handwritten digits, test set)"
os.replace(temporary, output)
print(f"wrote {output}: {digits.data.shape[0]} examples, {digits.data.shape[1]} features, 10 classes")
