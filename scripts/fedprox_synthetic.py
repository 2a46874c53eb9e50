#!/usr/bin/env python3
"""FedProx's synthetic experiment on the chain (experiments/fedprox-synthetic).

Runs FedAvg and FedProx (mu = 1) on Synthetic-IID, (0,0), (0.5,0.5) and (1,1) with 0 %, 50 % and
90 % stragglers, from experiments/fedprox-synthetic/base.yaml, and writes results.csv (final
training loss and test accuracy), results.md, curves.h5 (every run's per-round training loss and
test accuracy) and training_loss.png (curves, laid out like the FedProx paper's figure 1) beside it.

Usage: scripts/fedprox_synthetic.py [--rounds 200] [--fedchain .build/release/fedchain]
Needs h5py and matplotlib (scripts/setup --plots).
"""
import argparse
import csv
import os
import subprocess
import sys

import h5py

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "experiments", "fedprox-synthetic")
DATASETS = [("Synthetic-IID", ["federation.dataset.kind=synthetic_iid"]),
            ("Synthetic(0,0)", ["federation.dataset.alpha=0", "federation.dataset.beta=0"]),
            ("Synthetic(0.5,0.5)", ["federation.dataset.alpha=0.5", "federation.dataset.beta=0.5"]),
            ("Synthetic(1,1)", ["federation.dataset.alpha=1", "federation.dataset.beta=1"])]
STRATEGIES = [("FedAvg", ["federation.strategy.kind=fedavg"]),
              ("FedProx (mu=1)", ["federation.strategy.kind=fedprox", "federation.strategy.mu=1"])]
STRAGGLERS = [0.0, 0.5, 0.9]


def run(fedchain, overrides, rounds, path):
    command = [fedchain, "run", os.path.join(HERE, "base.yaml"), "--quiet", "--output", path,
               "--set", f"federation.rounds={rounds}"]
    for override in overrides:
        command += ["--set", override]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with h5py.File(path) as f:
        rows = f["fl/rounds"][:]
    os.remove(path)
    return [int(r) for r in rows["round"]], [float(v) for v in rows["train_loss"]], [float(v) for v in rows["test_accuracy"]]


def write_curves(path, curves, rounds):
    """One group per run, /<dataset>/stragglers_<percent>/<strategy>, with round, train_loss and
    test_accuracy; written to a temporary file, then renamed."""
    temporary = path + ".tmp"
    with h5py.File(temporary, "w", track_order=True) as f:
        f.attrs["rounds"] = rounds
        f.attrs["source"] = "scripts/fedprox_synthetic.py on experiments/fedprox-synthetic/base.yaml"
        for (dataset, stragglers, strategy), (numbers, loss, accuracy) in curves.items():
            group = f.create_group(f"{dataset}/stragglers_{round(stragglers * 100)}/{strategy.split()[0]}")
            group.attrs["strategy"] = strategy
            group.attrs["stragglers"] = stragglers
            group["round"] = numbers
            group["train_loss"] = loss
            group["test_accuracy"] = accuracy
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--fedchain", default=".build/release/fedchain")
    # The committed results live in experiments/fedprox-synthetic; a plain run writes beside the
    # other run outputs, so following the README never rewrites tracked files.
    parser.add_argument("--out", default=os.path.join("notebooks-data", "fedprox-synthetic"),
                        help="where results.csv, results.md, the figure and curves.h5 go (to refresh the committed copy: --out experiments/fedprox-synthetic)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    curves = {}
    for dataset, data_overrides in DATASETS:
        for stragglers in STRAGGLERS:
            for strategy, strategy_overrides in STRATEGIES:
                print(f"running {strategy} on {dataset}, {stragglers:.0%} stragglers ...", file=sys.stderr, flush=True)
                overrides = data_overrides + strategy_overrides + [f"federation.stragglers={stragglers}"]
                curves[(dataset, stragglers, strategy)] = run(args.fedchain, overrides, args.rounds,
                                                              os.path.join(args.out, "run.h5"))

    write_curves(os.path.join(args.out, "curves.h5"), curves, args.rounds)
    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["dataset", "stragglers", "strategy", "rounds", "final_train_loss", "final_test_accuracy"])
        for (dataset, stragglers, strategy), (rounds, loss, accuracy) in curves.items():
            writer.writerow([dataset, stragglers, strategy, rounds[-1], f"{loss[-1]:.4f}", f"{accuracy[-1]:.4f}"])
    lines = [f"Final training loss / test accuracy after {args.rounds} rounds:", "",
             "| data | stragglers | FedAvg | FedProx (mu=1) |", "|---|---|---|---|"]
    for dataset, _ in DATASETS:
        for stragglers in STRAGGLERS:
            cells = []
            for strategy, _ in STRATEGIES:
                _, loss, accuracy = curves[(dataset, stragglers, strategy)]
                cells.append(f"{loss[-1]:.3f} / {accuracy[-1]:.1%}")
            lines.append(f"| {dataset} | {stragglers:.0%} | {cells[0]} | {cells[1]} |")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(STRAGGLERS), len(DATASETS), figsize=(13, 8), sharex=True)
    for row, stragglers in enumerate(STRAGGLERS):
        for col, (dataset, _) in enumerate(DATASETS):
            ax = axes[row][col]
            for strategy, _ in STRATEGIES:
                rounds, loss, _ = curves[(dataset, stragglers, strategy)]
                ax.plot(rounds, loss, label=strategy, linewidth=1.2)
            ax.set_title(f"{dataset}, {stragglers:.0%} stragglers", fontsize=9)
            if col == 0:
                ax.set_ylabel("training loss")
            if row == len(STRAGGLERS) - 1:
                ax.set_xlabel("round")
            ax.tick_params(labelsize=8)
    axes[0][0].legend(fontsize=8)
    fig.suptitle("FedAvg vs FedProx on FedProx's synthetic data, rounds recorded on a Praos chain", fontsize=11)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "training_loss.png"), dpi=100)
    print(f"wrote results.csv, results.md, training_loss.png in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
