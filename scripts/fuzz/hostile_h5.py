#!/usr/bin/env python3
"""Writes HDF5 files with layouts a run never writes, for `fedchain inspect`, `verify` and `merge`.

    scripts/fuzz/hostile_h5.py RUN.h5 OUT_DIR

RUN.h5 is a real run file (a federated one exercises `verify` best). Each case copies it and
changes one thing: attributes that are arrays, empty, huge, of other classes; tables that are
empty, scalar, multi-dimensional, of plain numbers, with columns of other types; dangling links
and declared shapes far beyond memory. The test suite runs the three commands on every case and
asserts that none ends by a signal. Prints the number of cases written.
"""
import os
import shutil
import sys

import h5py
import numpy as np


def cases():
    """(name, mutate(h5py.File)) pairs; each mutation applies to a fresh copy of the run file."""
    def set_attr(path, key, value, dtype=None):
        def mutate(f):
            obj = f[path]
            if key in obj.attrs:
                del obj.attrs[key]
            if dtype is None:
                obj.attrs[key] = value
            else:
                obj.attrs.create(key, value, dtype=dtype)
        return mutate

    def replace(path, make):
        def mutate(f):
            if path in f:
                del f[path]
            make(f, path)
        return mutate

    values = {
        "int_array": np.array([1, 2, 3], dtype=np.int64),
        "big_array": np.arange(1000, dtype=np.int64),
        "float_matrix": np.ones((4, 5)),
        "string_array": np.array([b"a", b"bb"]),
        "vlen_string_array": np.array(["x", "yy", "zzz"], dtype=h5py.string_dtype()),
        "empty": h5py.Empty("f8"),
        "zero_length": np.zeros(0, dtype=np.int64),
        "compound": np.zeros(1, dtype=[("a", "i8"), ("b", "f8")])[0],
        "bool": np.bool_(True),
        "uint64_max": np.uint64(2**64 - 1),
        "int8": np.int8(-3),
        "float16": np.float16(1.5),
        "nan": np.float64("nan"),
        "complex": np.complex128(1 + 2j),
        "fixed_string_long": np.bytes_(b"x" * 100000),
        "opaque": np.void(b"\x00\x01\x02"),
        "one_element_array": np.array([7], dtype=np.int64),
    }
    for target, key in [("/", "seed"), ("/", "config"), ("/", "run_id"), ("/", "sweep_axes"),
                        ("/", "fl_initial_model_sha256"), ("/summary", "blocks_total"), ("/summary", "new_key")]:
        for label, value in values.items():
            yield f"attr{target.replace('/', '_')}_{key}_{label}", set_attr(target, key, value)

    def make_table(kind):
        def make(f, path):
            if kind == "empty_rows":
                f.create_dataset(path, shape=(0,), dtype=f[path + "_orig"].dtype if path + "_orig" in f else [("round", "i8")])
            elif kind == "scalar":
                f.create_dataset(path, data=np.int64(5))
            elif kind == "plain_numbers":
                f.create_dataset(path, data=np.arange(10.0))
            elif kind == "matrix":
                f.create_dataset(path, data=np.zeros((3, 4), dtype=[("round", "i8"), ("node", "i8")]))
            elif kind == "wrong_types":
                dtype = [("round", "S4"), ("node", "f8"), ("samples", "S2"), ("contribution", "i1"),
                         ("model_sha256", "i8"), ("parent_sha256", "f4"), ("record_sha256", np.dtype("(3,)i8")),
                         ("train_loss", "S8"), ("test_accuracy", h5py.string_dtype())]
                f.create_dataset(path, shape=(4,), dtype=dtype)
            elif kind == "huge_declared":
                f.create_dataset(path, shape=(2**40,), maxshape=(None,), chunks=(1024,), dtype=[("round", "i8"), ("node", "i8")])
            elif kind == "group":
                f.create_group(path)
            elif kind == "dangling":
                f[path] = h5py.SoftLink("/nowhere/at/all")
            elif kind == "external":
                f[path] = h5py.ExternalLink("/nonexistent.h5", "/x")
        return make

    for path in ["/fl/rounds", "/fl/participants", "/chain/blocks", "/nodes", "/summary"]:
        for kind in ["empty_rows", "scalar", "plain_numbers", "matrix", "wrong_types", "huge_declared", "group", "dangling", "external"]:
            yield f"table{path.replace('/', '_')}_{kind}", replace(path, make_table(kind))
    yield "no_summary", replace("/summary", lambda f, p: None)
    yield "no_root_attrs", lambda f: [f.attrs.__delitem__(k) for k in list(f.attrs)]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    count = 0
    for name, mutate in cases():
        target = os.path.join(out_dir, name + ".h5")
        shutil.copyfile(source, target)
        with h5py.File(target, "r+") as f:
            mutate(f)
        count += 1
    print(count)


if __name__ == "__main__":
    main()
