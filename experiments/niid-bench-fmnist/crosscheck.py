#!/usr/bin/env python3
"""FedChain's native simple-cnn against the same network in PyTorch, same data, same partition.

Runs base.yaml twice per partition and seed: once with the native trainer, once with the Python
trainer running examples/pytorch-fmnist/client.py (PyTorch, Debian's python3-torch), and
compares the test accuracy after the last round, averaged over the seeds. Both sides get the
same clients, rows, selection and epochs; only the arithmetic and the random draws inside
local training differ. The issue's bar: within 1.5 points on IID and Dir(0.5).

  python3 experiments/niid-bench-fmnist/crosscheck.py                # 10 rounds x 1 epoch, 3 seeds
  python3 experiments/niid-bench-fmnist/crosscheck.py --quick        # 2 rounds, 2 seeds (the test suite's)
  python3 experiments/niid-bench-fmnist/crosscheck.py --rounds 50 --epochs 10   # NIID-Bench length

Exit status 1 when a partition's gap exceeds the tolerance.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PARTITIONS = {"IID": "iid", "Dir(0.5)": "dirichlet"}


def accuracy(fedchain, partition, seed, trainer, rounds, epochs, out):
    overrides = [f"seed={seed}", f"federation.dataset.partition={partition}", f"federation.rounds={rounds}",
                 f"federation.local.epochs={epochs}"]
    if trainer == "python":
        overrides.append("federation.trainer={kind: python, module: ../../examples/pytorch-fmnist/client.py, "
                         "python: /usr/bin/python3, workers: 2}")
    path = os.path.join(out, f"{trainer}-{partition}-s{seed}.h5")
    command = [fedchain, "run", os.path.join(HERE, "base.yaml"), "-o", path, "--quiet"]
    for override in overrides:
        command += ["--set", override]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"crosscheck: {' '.join(command)} failed:\n{run.stderr}")
    with h5py.File(path, "r") as f:
        return float(f["fl/rounds"]["test_accuracy"][-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 1 epoch, seeds 1 and 2 (the test suite's variant)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--tolerance", type=float, default=1.5, help="points of accuracy")
    parser.add_argument("--fedchain", default=os.environ.get("FEDCHAIN_BIN", os.path.join(ROOT, ".build/release/fedchain")))
    args = parser.parse_args()
    rounds, epochs = (2, 1) if args.quick else (args.rounds, args.epochs)
    seeds = [1, 2] if args.quick else [int(s) for s in args.seeds.split(",")]
    print(f"simple-cnn, Fashion-MNIST, 10 clients all per round, {rounds} rounds x {epochs} epochs, batch 64, lr 0.01, "
          f"momentum 0.9, weight decay 1e-5; seeds {seeds}")
    print("| partition | native accuracy | PyTorch accuracy | gap (points) | within |")
    print("|---|---|---|---|---|")
    failed = False
    with tempfile.TemporaryDirectory() as out:
        for label, partition in PARTITIONS.items():
            native = [accuracy(args.fedchain, partition, s, "native", rounds, epochs, out) for s in seeds]
            torch = [accuracy(args.fedchain, partition, s, "python", rounds, epochs, out) for s in seeds]
            gap = 100 * (sum(native) / len(native) - sum(torch) / len(torch))
            within = abs(gap) <= args.tolerance
            failed |= not within
            print(f"| {label} | {', '.join(f'{100 * a:.2f}' for a in native)} (mean {100 * sum(native) / len(native):.2f}) "
                  f"| {', '.join(f'{100 * a:.2f}' for a in torch)} (mean {100 * sum(torch) / len(torch):.2f}) "
                  f"| {gap:+.2f} | {'yes' if within else 'NO'} |", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
