#!/usr/bin/env python3
"""Check that a FedChain run file has the documented layout (docs/hdf5-schema.md), using h5py.

Usage: scripts/check_h5.py RUN.h5 [RUN.h5 ...]
Exits 0 and prints "ok" per file when every documented group, column and summary key is there;
exits 1 with the missing items otherwise.
"""
import sys

import h5py

ROOT_ATTRS = ["schema_version", "fedchain_version", "seed", "config"]
SUMMARY_KEYS = ["sim_time_s", "events_processed", "blocks_total", "blocks_main", "blocks_stale",
                "stale_rate", "block_interval_mean_s", "propagation_p50_s", "propagation_p90_s",
                "propagation_p100_s", "tx_per_s", "ancestor_fetches",
                "energy_total_j", "energy_per_block_j", "energy_per_tx_j", "power_mean_w", "energy_hashing_j",
                "energy_baseline_j", "energy_network_j", "energy_stale_j", "energy_twh_per_year"]
TABLES = {
    "chain/blocks": ["id", "parent", "height", "producer", "created_ns", "size_bytes", "tx_count", "on_main_chain"],
    "chain/propagation": ["block", "t50_s", "t90_s", "t100_s", "nodes_reached"],
    "nodes": ["id", "region", "role", "hash_rate_th_s", "blocks_mined", "energy_j"],
    "metrics/chain": ["t_ns", "height", "blocks_total"],
    "metrics/receive_delay": ["lower_s", "upper_s", "count"],
    "metrics/energy": ["t_ns", "energy_j"],
    "network/regions": ["region", "node_share", "download_bps", "upload_bps"],
    "network/traffic": ["node"] + [f"{k}_{d}_bytes" for k in ["inv", "getdata", "block", "compact_block", "getblocktxn", "blocktxn"]
                                   for d in ["sent", "received"]],
}


def problems(path):
    found = []
    with h5py.File(path, "r") as f:
        found += [f"root attribute {a}" for a in ROOT_ATTRS if a not in f.attrs]
        if "summary" not in f:
            found.append("group /summary")
        else:
            found += [f"summary key {k}" for k in SUMMARY_KEYS if k not in f["summary"].attrs]
        for table, columns in TABLES.items():
            if table not in f:
                found.append(f"dataset /{table}")
                continue
            names = f[table].dtype.names or ()
            found += [f"column {c} of /{table}" for c in columns if c not in names]
        if not found:
            blocks = f["chain/blocks"][:]
            if len(blocks) != f["summary"].attrs["blocks_total"] + 1:
                found.append("one /chain/blocks row per block plus genesis")
            if int(blocks["on_main_chain"].sum()) != f["summary"].attrs["blocks_main"] + 1:
                found.append("on_main_chain count equal to blocks_main plus genesis")
    return found


def main(paths):
    status = 0
    for path in paths:
        missing = problems(path)
        if missing:
            status = 1
            print(f"{path}: missing or wrong: " + "; ".join(missing))
        else:
            print(f"{path}: ok")
    return status


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
