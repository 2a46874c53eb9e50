#!/usr/bin/env python3
"""Figures from FedChain runs and sweeps (h5py + matplotlib, and the python/ package for decoding; `scripts/setup --plots` installs them).

  scripts/plot.py propagation RUN.h5 [RUN.h5 ...] -o FIG.png   CDF of block receive delays
  scripts/plot.py fl RUN.h5 [RUN.h5 ...] -o FIG.png [--x time]   FL training loss and test accuracy per round (or against simulated time)
  scripts/plot.py revenue SWEEP -o FIG.png                     selfish-mining revenue vs share, per gamma, with Eyal-Sirer
  scripts/plot.py stale SWEEP -o FIG.png                       stale rate vs block interval, with Gervais et al. 2016
  scripts/plot.py energy SWEEP -o FIG.png                      energy per block by protocol (log scale)
  scripts/plot.py double-spend SWEEP -o FIG.png                success against confirmations, with Rosenfeld 2014 and Nakamoto 2008
  scripts/plot.py praos SWEEP -o FIG.png                       empty slots against f, with Praos' 1 - f
  scripts/plot.py sweep SWEEP --x KEY --y KEY [--by KEY] [--logx] [--logy] -o FIG.png   any summary key vs an axis

SWEEP is a sweep's output directory (after `fedchain merge`) or its sweep.h5. Points with
several replicates show their mean and min-max range.
"""
import argparse
import os
import sys

import h5py
import numpy as np

# One rule for decoding text columns and for units, shared with the Python package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from fedchain import _text as text, unit  # noqa: E402

# SimBlock (Aoki et al. 2019) on its default Bitcoin scenario: median over 100 blocks of the time
# until a block reaches 50 / 90 / 100 % of the nodes, ms, by node count (docs/network.md).
SIMBLOCK_2019_MS = {600: (860, 2003, 3992), 1000: (866, 1895, 4054), 10000: (1148, 2232, 5783), 20000: (1157, 2197, 5977)}

GERVAIS_2016 = {1500: 0.0172, 600: 0.0151, 150: 0.0182, 60: 0.0215, 30: 0.0254, 10: 0.0477, 5: 0.0864, 2: 0.1665, 1: 0.2674,
                0.5: 0.3815}


def pyplot():
    try:
        import matplotlib
    except ImportError:
        sys.exit("plot.py needs matplotlib: run scripts/setup --plots (or pip install matplotlib)")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def axis_label(key):
    """A config or summary key as an axis label with its unit (the package's suffix rule)."""
    name_unit = unit(key.split(".")[-1])
    return f"{key} ({name_unit})" if name_unit else key


def series_name(path):
    """What tells a run file apart in a legend: its swept values, else its file name."""
    with h5py.File(path) as f:
        axes = decode_attr(f.attrs.get("sweep_axes", ""))
    return axes.strip("{}") if axes else os.path.basename(path)


def decode_attr(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def runs(path):
    """The merged /runs table of a sweep: a dict of column -> numpy array (strings decoded)."""
    if os.path.isdir(path):
        path = os.path.join(path, "sweep.h5")
    if not os.path.exists(path):
        sys.exit(f"plot.py: {path} not found (run `fedchain merge DIR` first)")
    table = h5py.File(path)["runs"][:]
    return {name: text(table[name]) for name in table.dtype.names}


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
    left, right = np.inf, 0
    for path in args.inputs:
        with h5py.File(path) as f:
            if "metrics/receive_delay" not in f:
                print(f"plot.py: skipping {path}: not a run file (no /metrics/receive_delay)", file=sys.stderr)
                continue
            table = f["metrics/receive_delay"][:]
        counts = table["count"].astype(float)
        if counts.sum() == 0:
            continue
        cdf = np.cumsum(counts) / counts.sum()
        line, = ax.plot(table["upper_s"], cdf, label=series_name(path))
        right = max(right, table["upper_s"][np.nonzero(counts)[0][-1]])
        left = min(left, max(table["lower_s"][np.nonzero(counts)[0][0]], 1e-3))
        with h5py.File(path) as f:
            nodes = len(f["nodes"]) if "nodes" in f else 0
        if nodes in SIMBLOCK_2019_MS:
            # SimBlock's medians are per block (time to reach a share of nodes), not a CDF of
            # pairs: markers to read the curve against, not a second curve.
            ax.plot([ms / 1000 for ms in SIMBLOCK_2019_MS[nodes]], [0.5, 0.9, 1.0], "D", color=line.get_color(), markersize=6,
                    markerfacecolor="none", label=f"SimBlock 2019, {nodes} nodes: median time to 50 / 90 / 100 %")
    if right == 0:
        sys.exit("plot.py: none of the inputs is a run file with receive delays")
    finish(ax, "time from block creation until a node holds it (s)", "share of (node, block) pairs", logx=True)
    ax.set_xlim(left, right * 1.5)   # after the log scale: from the first delay to the last
    return fig


def rosenfeld(q, z):
    """Rosenfeld 2014: the exact chance that an attacker with hash share q ever catches up from
    z confirmations behind."""
    from math import comb
    p = 1 - q
    return 1 - sum(comb(m + z - 1, m) * (p ** z * q ** m - q ** z * p ** m) for m in range(z))


def nakamoto(q, z):
    """Nakamoto 2008, section 11: the same chance with the attacker's progress as Poisson."""
    from math import exp, factorial
    p = 1 - q
    lam = z * q / p
    return 1 - sum(lam ** k * exp(-lam) / factorial(k) * (1 - (q / p) ** (z - k)) for k in range(z + 1))


def praos(args, plt):
    table = runs(args.inputs[0])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    draw(ax, grouped(table, "consensus.pos.active_slot_coefficient", "empty_slot_rate", "consensus.pos.stake"), "simulated, stake ")
    f = np.linspace(0.01, 1, 100)
    ax.plot(f, 1 - f, "k--", linewidth=1, label="Praos: 1 - f, any stake distribution")
    finish(ax, "active slot coefficient f", "empty slot rate (share of slots)", legend=7)
    return fig


def double_spend(args, plt):
    table = runs(args.inputs[0])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for share, (xs, mean, low, high) in grouped(table, "adversary.confirmations", "double_spend_success_rate", "adversary.share").items():
        q = float(share)
        line, = ax.plot(xs, mean, "o", label=f"simulated, q = {q:g}")
        ax.fill_between(xs, low, high, color=line.get_color(), alpha=0.2)
        zs = np.arange(1, max(xs) + 1)
        ax.plot(zs, [rosenfeld(q, int(z)) for z in zs], "-", color=line.get_color(), linewidth=1, label=f"Rosenfeld 2014 (exact), q = {q:g}")
        ax.plot(zs, [nakamoto(q, int(z)) for z in zs], ":", color=line.get_color(), linewidth=1, label=f"Nakamoto 2008, q = {q:g}")
    finish(ax, "confirmations z (blocks)", "double-spend success rate", legend=7, logy=True)
    return fig


def fl(args, plt):
    """Loss and accuracy per round, or against simulated time with `--x time` (when each round's
    record was confirmed)."""
    fig, (loss, accuracy) = plt.subplots(1, 2, figsize=(10, 4))
    by_time = args.x == "time"
    for path in args.inputs:
        rounds = h5py.File(path)["fl/rounds"][:]
        x = rounds["end_ns"] / 1e9 if by_time else rounds["round"]
        loss.plot(x, rounds["train_loss"], marker="." if by_time else None, label=series_name(path))
        accuracy.plot(x, rounds["test_accuracy"], marker="." if by_time else None, label=series_name(path))
    xlabel = "simulated time (s)" if by_time else "round"
    finish(loss, xlabel, "training loss")
    finish(accuracy, xlabel, "test accuracy (share)")
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
        clusters = table["consensus.hierarchical.clusters"][i] if "consensus.hierarchical.clusters" in table else ""
        clusters = f"{float(clusters):g}" if str(clusters) not in ("", "nan") else ""
        label = f"{kind}, {clusters} clusters" if kind == "hierarchical" and clusters else kind
        if "energy.efficiency_j_per_th" in table and str(table["energy.efficiency_j_per_th"][i]) not in ("", "nan"):
            continue   # the CBECI check is not part of the comparison
        labels.append(label)
        values.append(table["energy_per_block_j"][i])
    order = np.argsort(values)[::-1]   # most energy first
    labels, values = [labels[i] for i in order], [values[i] for i in order]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(labels, values)
    ax.set_yscale("log")
    ax.set_ylabel("energy per main-chain block (J)")
    ax.tick_params(axis="x", labelsize=8, rotation=20)
    return fig


def sweep(args, plt):
    table = runs(args.inputs[0])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    draw(ax, grouped(table, args.x, args.y, args.by), f"{args.by} = " if args.by else args.y)
    finish(ax, axis_label(args.x), axis_label(args.y), logx=args.logx, logy=args.logy)
    return fig


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["propagation", "fl", "revenue", "stale", "energy", "double-spend", "praos", "sweep"])
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
    fig = globals()[args.kind.replace("-", "_")](args, plt)
    if args.title:
        fig.suptitle(args.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(args.output, dpi=150)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
