"""Reads the data set FedChain names in a client's config, once per worker process.

FedChain hands `client_fn` the dataset (`dataset_kind`, `dataset_path`) and the client's rows
(`train_indices`, `test_indices`); this module turns the first two into arrays:

- `fashion_mnist`: the IDX files of Debian's `dataset-fashion-mnist` (gzip or plain), pixels
  scaled to [0, 1], images of shape (N, 28, 28);
- `hdf5`: a file with `X` (rows x features) and `y` (classes from 0); its single set serves as
  both the training and the test set (FedChain's indices then point into the same rows).
"""
import functools
import gzip
import os

import numpy as np


def _idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("%s is not an IDX file of unsigned bytes" % path)
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def _file(directory, name):
    path = os.path.join(directory, name)
    return path + ".gz" if os.path.exists(path + ".gz") or not os.path.exists(path) else path


@functools.lru_cache(maxsize=2)
def load(kind, path):
    """(x_train, y_train, x_test, y_test) as float32 features and int64 labels."""
    if kind == "fashion_mnist":
        x_train = _idx(_file(path, "train-images-idx3-ubyte")).astype(np.float32) / 255
        y_train = _idx(_file(path, "train-labels-idx1-ubyte")).astype(np.int64)
        x_test = _idx(_file(path, "t10k-images-idx3-ubyte")).astype(np.float32) / 255
        y_test = _idx(_file(path, "t10k-labels-idx1-ubyte")).astype(np.int64)
        return x_train, y_train, x_test, y_test
    if kind == "hdf5":
        import h5py
        with h5py.File(path, "r") as f:
            x = np.asarray(f["X"], dtype=np.float32)
            y = np.asarray(f["y"], dtype=np.int64)
        return x, y, x, y
    raise ValueError("dataset_kind %r: this loader reads fashion_mnist and hdf5" % kind)
