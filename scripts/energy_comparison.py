#!/usr/bin/env python3
"""Energy comparison of consensus protocols (experiments/energy-comparison).

Runs PoW, Ethereum-style PoS and hierarchical consensus (3, 10 and 30 clusters of 7
representatives) at each node count on experiments/energy-comparison/base.yaml, then writes
results.csv, results.md (a table) and energy.png (a figure) beside it.

Usage: scripts/energy_comparison.py [--nodes 1000 10000 100000] [--fedchain .build/release/fedchain]
Needs h5py and matplotlib (scripts/setup --plots).
"""
import argparse
import csv
import os
import subprocess
import sys

import h5py

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "experiments", "energy-comparison")
PROTOCOLS = [("PoW", ["consensus.kind=pow"]),
             ("PoS (Ethereum)", ["consensus.kind=pos"]),
             ("Hierarchical, 3 clusters", ["consensus.kind=hierarchical", "consensus.hierarchical.clusters=3"]),
             ("Hierarchical, 10 clusters", ["consensus.kind=hierarchical", "consensus.hierarchical.clusters=10"]),
             ("Hierarchical, 30 clusters", ["consensus.kind=hierarchical", "consensus.hierarchical.clusters=30"])]
KEYS = ["energy_per_block_j", "energy_per_tx_j", "energy_twh_per_year", "power_mean_w", "stale_rate",
        "finality_latency_mean_s", "block_interval_mean_s"]


def run(fedchain, nodes, name, overrides, out_dir):
    output = os.path.join(out_dir, f"{name.split(',')[0].split(' ')[0].lower()}-{len(overrides)}-{overrides[-1].split('=')[-1]}-{nodes}.h5")
    command = [fedchain, "run", os.path.join(HERE, "base.yaml"), "--quiet", "--output", output, "--set", f"network.nodes={nodes}"]
    for override in overrides:
        command += ["--set", override]
    print(f"running {name} at {nodes} nodes ...", file=sys.stderr, flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with h5py.File(output) as f:
        summary = {key: float(f["summary"].attrs[key]) for key in KEYS if key in f["summary"].attrs}
    os.remove(output)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--fedchain", default=".build/release/fedchain")
    # A plain run writes beside the other run outputs, so following the README never rewrites
    # the committed copy (refresh it with --out experiments/energy-comparison).
    parser.add_argument("--out", default=os.path.join("notebooks-data", "energy-comparison"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for nodes in args.nodes:
        for name, overrides in PROTOCOLS:
            summary = run(args.fedchain, nodes, name, overrides, args.out)
            rows.append({"protocol": name, "nodes": nodes, **summary})

    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["protocol", "nodes"] + KEYS)
        writer.writeheader()
        writer.writerows(rows)

    def fmt(value, digits=3):
        return "-" if value is None or value != value else f"{value:.{digits}g}"
    lines = ["| protocol | nodes | J/block | J/tx | TWh/yr | mean power (W) | stale rate | finality (s) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['protocol']} | {r['nodes']:,} | {fmt(r.get('energy_per_block_j'))} | {fmt(r.get('energy_per_tx_j'))} | "
                     f"{fmt(r.get('energy_twh_per_year'))} | {fmt(r.get('power_mean_w'))} | {fmt(r.get('stale_rate'), 2)} | "
                     f"{fmt(r.get('finality_latency_mean_s'))} |")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    names = [name for name, _ in PROTOCOLS]
    width = 0.8 / len(args.nodes)
    for i, nodes in enumerate(args.nodes):
        values = [next(r["energy_per_block_j"] for r in rows if r["protocol"] == name and r["nodes"] == nodes) for name in names]
        ax.bar([j + i * width for j in range(len(names))], values, width, label=f"{nodes:,} nodes")
    ax.set_yscale("log")
    ax.set_xticks([j + width * (len(args.nodes) - 1) / 2 for j in range(len(names))])
    ax.set_xticklabels([n.replace(", ", "\n") for n in names], fontsize=8)
    ax.set_ylabel("energy per block (J, log scale)")
    ax.set_title("Energy per block: 12 s blocks of 535 kB, 100 blocks per run")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "energy.png"), dpi=110)
    print(f"wrote {os.path.join(args.out, 'results.csv')}, results.md, energy.png", file=sys.stderr)


if __name__ == "__main__":
    main()
