#!/usr/bin/env python3
"""The same PyTorch client three ways, side by side on this machine (`scripts/bench fl-python`).

NIID-Bench's simple-cnn on Fashion-MNIST (examples/pytorch-fmnist/client.py), 10 clients, all in
every round, IID, 1 local epoch, batch 64, lr 0.01, FedAvg, 5 rounds:
  1. FedChain with 1 worker process, 2. FedChain with 2 workers (each also simulating a PoS
     chain with SecAgg+ off, the network and energy),
  3. Flower's simulation engine (flwr[simulation], Ray) with the same client object and FedAvg,
     one CPU per client actor.
Reports wall time, the peak memory of the whole process tree (sampled), and the ratio. Then the
bridge's own cost: the per-call overhead of a simple-cnn-sized model (fedchain-bench bridge) as a
share of a round, and FedChain at 1,000 clients per round with a trivial NumPy client.

Flower must be importable by --flower-python together with Debian's torch, e.g.
    python3 -m venv --system-site-packages /tmp/flwr-venv     (from /usr/bin/python3)
    /tmp/flwr-venv/bin/pip install "flwr[simulation]" "numpy<2"
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEDCHAIN = os.path.join(ROOT, ".build", "release", "fedchain")
BENCH = os.path.join(ROOT, ".build", "release", "fedchain-bench")
EXAMPLE = os.path.join(ROOT, "examples", "pytorch-fmnist")


def tree_rss_bytes(root_pid):
    """Resident memory of a process and all its descendants, from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except OSError:
                pass
    members, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in members:
                members.add(child)
                frontier.append(child)
    total = 0
    for pid in members:
        try:
            with open("/proc/%d/statm" % pid) as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total


def measured(command, env=None):
    """(wall seconds, peak tree RSS bytes, stdout) of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    peak = [0]

    def sample():
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_bytes(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = process.communicate()
    sampler.join()
    wall = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(command), err[-3000:]))
    return wall, peak[0], out


CONFIG = """seed: 1
network: {nodes: 50}
consensus: {kind: pos, block_interval_s: 12}
stop: {time_s: 10000000}
federation:
  rounds: ROUNDS
  clients: 10
  clients_per_round: 10
  dataset: {kind: fashion_mnist, partition: iid}
  local: {epochs: 1, batch_size: 64, learning_rate: 0.01}
  trainer: {kind: python, module: MODULE, python: /usr/bin/python3, workers: WORKERS,
            config: {momentum: 0.9, weight_decay: 1.0e-5}}
"""

FLOWER = r'''
import sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import flwr as fl
from flwr.common import ndarrays_to_parameters
import client as C

rounds = int(sys.argv[2])
# The same partition rule as FedChain's iid (shuffled rows dealt out evenly), seeded.
rng = np.random.default_rng(1)
order = rng.permutation(60000)
train = [order[i::10] for i in range(10)]
test = [np.arange(10000)[i::10] for i in range(10)]
base = {"dataset_kind": "fashion_mnist", "dataset_path": "/usr/share/datasets/fashion-mnist", "momentum": 0.9, "weight_decay": 1e-5}

class FlowerClient(fl.client.NumPyClient):
    def __init__(self, inner):
        self.inner = inner
    def get_parameters(self, config):
        return self.inner.get_parameters(config)
    def fit(self, parameters, config):
        return self.inner.fit(parameters, config)
    def evaluate(self, parameters, config):
        return self.inner.evaluate(parameters, config)

def fit_config(server_round):
    return {"round": server_round, "seed": server_round, "epochs": 1, "batch_size": 64, "learning_rate": 0.01, "mu": 0.0}

import torch
torch.manual_seed(1)
initial = C.client_fn(0, dict(base, train_indices=train[0], test_indices=test[0])).get_parameters({})
def weighted_accuracy(results):
    return {"accuracy": sum(n * m["accuracy"] for n, m in results) / sum(n for n, _ in results)}

strategy = fl.server.strategy.FedAvg(fraction_fit=1.0, fraction_evaluate=1.0, min_fit_clients=10, min_evaluate_clients=10,
                                     min_available_clients=10, on_fit_config_fn=fit_config, on_evaluate_config_fn=fit_config,
                                     initial_parameters=ndarrays_to_parameters(initial),
                                     evaluate_metrics_aggregation_fn=weighted_accuracy)
history = fl.simulation.start_simulation(client_fn=lambda cid: FlowerClient(C.client_fn(int(cid), dict(base, train_indices=train[int(cid)], test_indices=test[int(cid)]))),
                                         num_clients=10, config=fl.server.ServerConfig(num_rounds=rounds), strategy=strategy,
                                         client_resources={"num_cpus": 1}, ray_init_args={"include_dashboard": False, "num_cpus": NUM_CPUS})
# A failed client leaves its round out of the history: a run that did not train is not a time.
assert len(history.losses_distributed) == rounds, "Flower's rounds failed: %r" % (history,)
print("flower_accuracy", history.metrics_distributed.get("accuracy", [(0, float("nan"))])[-1][1])
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--flower-python", default="/tmp/flwr-venv/bin/python")
    parser.add_argument("--skip-flower", action="store_true")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            config = os.path.join(tmp, "fl-%d.yaml" % workers)
            with open(config, "w") as f:
                f.write(CONFIG.replace("ROUNDS", str(args.rounds)).replace("MODULE", os.path.join(EXAMPLE, "client.py"))
                        .replace("WORKERS", str(workers)))
            wall, peak, out = measured([FEDCHAIN, "run", config, "-o", os.path.join(tmp, "fl-%d.h5" % workers), "--quiet"])
            rows.append(("FedChain, %d worker%s" % (workers, "s" if workers > 1 else ""), wall, peak))
            accuracy = float(out.split("fl_final_test_accuracy")[-1].split()[0])
            print("%-28s %7.1f s wall  peak %6.0f MB (process tree), test accuracy %.3f" % (rows[-1][0], wall, peak / 1e6, accuracy), flush=True)
        if not args.skip_flower:
            script = os.path.join(tmp, "flower.py")
            with open(script, "w") as f:
                f.write(FLOWER.replace("NUM_CPUS", str(cores)))
            # Ray's actors import the client from the example's directory.
            env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", RAY_DEDUP_LOGS="0", PYTHONPATH=EXAMPLE)
            wall, peak, out = measured([args.flower_python, script, EXAMPLE, str(args.rounds)], env=env)
            flower_accuracy = float(out.split("flower_accuracy")[-1].split()[0])
            rows.append(("Flower %s simulation" % subprocess.run([args.flower_python, "-c", "import flwr; print(flwr.__version__)"],
                                                                  capture_output=True, text=True).stdout.strip(), wall, peak))
            print("%-28s %7.1f s wall  peak %6.0f MB (process tree), test accuracy %.3f" % (rows[-1][0], wall, peak / 1e6, flower_accuracy),
                  flush=True)
            flower = rows[-1][1]
            for name, wall, _ in rows[:-1]:
                print("  %s / Flower wall time: %.2f" % (name, wall / flower))
        # The bridge's own cost per call for a model of simple-cnn's 44,426 parameters.
        out = subprocess.run([BENCH, "bridge", "--size", "44426"], capture_output=True, text=True, check=True).stdout
        per_call_ms = float(out.split(":")[-1].split("ms")[0])
        round_s = rows[1][1] / args.rounds
        print("bridge overhead: %.2f ms per call x 20 calls per round (10 fit + 10 evaluate) = %.3f %% of a round's %.1f s (2 workers)"
              % (per_call_ms, 20 * per_call_ms / 1e3 / round_s * 100, round_s))
        # 1,000 clients per round with a trivial NumPy client.
        module = os.path.join(tmp, "trivial.py")
        with open(module, "w") as f:
            f.write("import numpy as np\nclass T:\n    def get_parameters(self, c): return [np.zeros((20, 10), np.float32), np.zeros(10, np.float32)]\n"
                    "    def fit(self, p, c): return [x + np.float32(0.001) for x in p], 10, {}\n"
                    "    def evaluate(self, p, c): return 1.0, 2, {'accuracy': 0.5}\n"
                    "def client_fn(cid, config): return T()\n")
        data = os.path.join(tmp, "blobs.h5")
        subprocess.run([sys.executable, "-c", "import h5py, numpy as np\nrng = np.random.default_rng(0)\nwith h5py.File(%r, 'w') as f:\n"
                        "    f['X'] = rng.normal(size=(12000, 20)).astype(np.float32)\n    f['y'] = rng.integers(0, 10, 12000)" % data], check=True)
        config = os.path.join(tmp, "trivial.yaml")
        with open(config, "w") as f:
            f.write("seed: 1\nnetwork: {nodes: 1001}\nconsensus: {kind: pos, block_interval_s: 12}\nstop: {time_s: 10000000}\n"
                    "federation:\n  rounds: 3\n  clients: 1000\n  clients_per_round: 1000\n"
                    "  dataset: {kind: hdf5, path: %s, partition: iid}\n"
                    "  trainer: {kind: python, module: %s, workers: 2, eval_clients: 100}\n" % (data, module))
        wall, peak, _ = measured([FEDCHAIN, "run", config, "-o", os.path.join(tmp, "trivial.h5"), "--quiet"])
        print("1,000 clients per round, trivial NumPy client, 2 workers, 1,001-node PoS chain: %.2f s for 3 rounds (%.2f s per round, "
              "%.2f ms per client), peak %.0f MB" % (wall, wall / 3, wall / 3 / 1100 * 1e3, peak / 1e6))


if __name__ == "__main__":
    main()
