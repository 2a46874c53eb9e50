#!/usr/bin/env python3
"""Writes copies of a federated run file, each with one edit that `fedchain verify` must report.

    scripts/fuzz/tampered_fl.py RUN.h5 OUT_DIR

RUN.h5 needs at least 3 rounds and 5 nodes. Edits: /fl/rounds truncated to 0 rows or missing its
last round, one value of participants, dropped, block, start_ns or aggregator changed, a reward
in /fl/participants, a node's fl_reward, summary.fl_rounds and the stored config. Prints the
number of files written.
"""
import os
import shutil
import sys

import h5py
import numpy as np


def set_value(path, name, row, value):
    def edit(f):
        data = f[path][...]
        data[name][row] = value
        f[path][...] = data
    return edit


EDITS = {
    "truncated": lambda f: f["fl/rounds"].resize((0,)),
    "last_round_removed": lambda f: f["fl/rounds"].resize((f["fl/rounds"].shape[0] - 1,)),
    "participants": set_value("fl/rounds", "participants", 1, 99),
    "dropped": set_value("fl/rounds", "dropped", 2, 7),
    "block": set_value("fl/rounds", "block", 0, 1234),
    "start_ns": set_value("fl/rounds", "start_ns", 1, 5),
    "aggregator": set_value("fl/rounds", "aggregator", 2, 3),
    "reward": set_value("fl/participants", "reward", 0, 1e9),
    "fl_reward": set_value("nodes", "fl_reward", 4, 77.0),
    "summary_rounds": lambda f: f["summary"].attrs.__setitem__("fl_rounds", np.float64(2)),
    "config": lambda f: f.attrs.__setitem__("config", f.attrs["config"] + "# edited\n"),
}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name, edit in EDITS.items():
        target = os.path.join(out, name + ".h5")
        shutil.copyfile(source, target)
        with h5py.File(target, "r+") as f:
            edit(f)
    print(len(EDITS))


if __name__ == "__main__":
    main()
