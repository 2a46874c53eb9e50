#!/usr/bin/env python3
"""Figures from FedChain runs and sweeps (h5py + matplotlib; `scripts/setup --plots` installs them).

  scripts/plot.py propagation RUN.h5 [RUN.h5 ...] -o FIG.png   CDF of block receive delays
  scripts/plot.py fl RUN.h5 [RUN.h5 ...] -o FIG.png            FL training loss and test accuracy per round
  scripts/plot.py revenue SWEEP -o FIG.png                     selfish-mining revenue vs share, per gamma, with Eyal-Sirer
  scripts/plot.py stale SWEEP -o FIG.png                       stale rate vs block interval, with Gervais et al. 2016
  scripts/plot.py energy SWEEP -o FIG.png                      energy per block by protocol (log scale)
  scripts/plot.py sweep SWEEP --x KEY --y KEY [--by KEY] [--logx] [--logy] -o FIG.png   any summary key vs an axis

SWEEP is a sweep's output directory (after `fedchain merge`) or its sweep.h5. Points with
several replicates show their mean and min-max range.
"""
import argparse
import os
import sys

import h5py
import numpy as np

GERVAIS_2016 = {1500: 0.0172, 600: 0.0151, 150: 0.0182, 60: 0.0215, 30: 0.0254, 10: 0.0477, 5: 0.0864, 2: 0.1665, 1: 0.2674,
                0.5: 0.3815}


def pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def runs(path):
    """The merged /runs table of a sweep: a dict of column -> numpy array (strings decoded)."""
    if os.path.isdir(path):
        path = os.path.join(path, "sweep.h5")
    if not os.path.exists(path):
        sys.exit(f"plot.py: {path} not found (run `fedchain merge DIR` first)")
    table = h5py.File(path)["runs"][:]
    return {name: text(table[name]) for name in table.dtype.names}


def text(column):
    """A column with its strings as str. h5py returns variable-length strings inside compound
    rows as an object array of bytes, fixed-length ones as dtype S; numbers pass through."""
    if column.dtype.kind == "S":
        return np.char.decode(column)
    if column.dtype.kind == "O":
        return np.array([v.decode() if isinstance(v, bytes) else v for v in column], dtype=object)
    return column


def grouped(table, x, y, by=None):
    """{group: (xs, means, mins, maxs)} averaging replicates at equal x."""
    groups = {}
    keys = table[by] if by else np.array([""] * len(table[x]))
    for group in dict.fromkeys(keys):
        mask = keys == group
        xs = np.array(sorted(set(table[x][mask].tolist())))
        values = [table[y][mask & (table[x] == v)] for v in xs]
        groups[group] = (xs, np.array([v.mean() for v in values]), np.array([v.min() for v in values]),
                         np.array([v.max() for v in values]))
    return groups


def draw(ax, groups, label_prefix=""):
    for group, (xs, mean, low, high) in groups.items():
        line, = ax.plot(xs, mean, "o-", label=f"{label_prefix}{group}", markersize=4)
        ax.fill_between(xs, low, high, color=line.get_color(), alpha=0.2)


def finish(ax, xlabel, ylabel, legend=8, logx=False, logy=False):
    """Axis labels, scales and legend."""
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=legend)


def propagation(args, plt):
    fig, ax = plt.subplots(figsize=(6, 4))
    for path in args.inputs:
        table = h5py.File(path)["metrics/receive_delay"][:]
        counts = table["count"].astype(float)
        cdf = np.cumsum(counts) / counts.sum()
        ax.plot(table["upper_s"], cdf, label=os.path.basename(path))
    finish(ax, "time from block creation until a node holds it, s", "share of (node, block) pairs", logx=True)
    return fig


def fl(args, plt):
    fig, (loss, accuracy) = plt.subplots(1, 2, figsize=(10, 4))
    for path in args.inputs:
        rounds = h5py.File(path)["fl/rounds"][:]
        loss.plot(rounds["round"], rounds["train_loss"], label=os.path.basename(path))
        accuracy.plot(rounds["round"], rounds["test_accuracy"], label=os.path.basename(path))
    finish(loss, "round", "training loss")
    finish(accuracy, "round", "test accuracy")
    return fig


def revenue(args, plt):
    table = runs(args.inputs[0])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    a = np.linspace(0, 0.5, 101)
    for gamma, (xs, mean, low, high) in grouped(table, "adversary.share", "attacker_revenue_share", "adversary.gamma").items():
        g = float(gamma)
        theory = (a * (1 - a) ** 2 * (4 * a + g * (1 - 2 * a)) - a ** 3) / (1 - a * (1 + (2 - a) * a))
        line, = ax.plot(xs, mean, "o", label=f"simulated, gamma = {g:g}")
        ax.plot(a, theory, "-", color=line.get_color(), linewidth=1, label=f"Eyal-Sirer, gamma = {g:g}")
    ax.plot(a, a, "k:", linewidth=1, label="honest (revenue = share)")
    finish(ax, "selfish miner's hash share", "selfish miner's share of main-chain blocks", legend=7)
    return fig


def stale(args, plt):
    table = runs(args.inputs[0])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    draw(ax, grouped(table, "consensus.block_interval_s", "stale_rate"), "FedChain (mean, range over seeds)")
    ax.plot(list(GERVAIS_2016), list(GERVAIS_2016.values()), "s--", label="Gervais et al. 2016", markersize=4)
    finish(ax, "block interval, s (block size = 1 MB x interval / 10 min)", "stale rate", logx=True, logy=True)
    return fig


def energy(args, plt):
    table = runs(args.inputs[0])
    labels, values = [], []
    for i in range(len(table["run_id"])):
        kind = table["consensus.kind"][i]
        clusters = str(table["consensus.hierarchical.clusters"][i]) if "consensus.hierarchical.clusters" in table else ""
        label = f"{kind}, {clusters} clusters" if kind == "hierarchical" and clusters else kind
        if "energy.efficiency_j_per_th" in table and str(table["energy.efficiency_j_per_th"][i]) not in ("", "nan"):
            continue   # the CBECI check is not part of the comparison
        labels.append(label)
        values.append(table["energy_per_block_j"][i])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(labels, values)
    ax.set_yscale("log")
    ax.set_ylabel("energy per main-chain block, J")
    ax.tick_params(axis="x", labelsize=8, rotation=20)
    return fig


def sweep(args, plt):
    table = runs(args.inputs[0])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    draw(ax, grouped(table, args.x, args.y, args.by), f"{args.by} = " if args.by else args.y)
    finish(ax, args.x, args.y, logx=args.logx, logy=args.logy)
    return fig


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["propagation", "fl", "revenue", "stale", "energy", "sweep"])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--x")
    parser.add_argument("--y")
    parser.add_argument("--by")
    parser.add_argument("--logx", action="store_true")
    parser.add_argument("--logy", action="store_true")
    parser.add_argument("--title")
    args = parser.parse_args()
    if args.kind == "sweep" and not (args.x and args.y):
        parser.error("sweep needs --x and --y")
    plt = pyplot()
    fig = globals()[args.kind](args, plt)
    if args.title:
        fig.suptitle(args.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(args.output, dpi=80)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
