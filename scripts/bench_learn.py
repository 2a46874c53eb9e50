#!/usr/bin/env python3
"""`scripts/bench learn`: native training speed against PyTorch on the same shapes.

Runs `fedchain-bench learn --json` (FedChain's native learner, one thread), then trains the same
architectures in PyTorch on CPU with torch.set_num_threads(1): random 28x28x1 images of 10
classes, batch 64, SGD with momentum 0.9, one training step per batch (forward, backward, step).
Prints examples/s for both and their ratio. Needs Debian's python3-torch (run with
/usr/bin/python3; scripts/bench does).
"""
import json
import subprocess
import sys
import time

import torch
from torch import nn

SECONDS = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 3.0


def simple_cnn():
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def cnn_mcmahan():
    return nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(), nn.Linear(512, 10))


def mlp_2nn():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 10))


def torch_rate(make):
    torch.manual_seed(0)
    model = make()
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(2048, 1, 28, 28)
    y = torch.randint(0, 10, (2048,))

    def epoch():
        for i in range(0, 2048, 64):
            optimiser.zero_grad()
            loss_fn(model(x[i:i + 64]), y[i:i + 64]).backward()
            optimiser.step()
    epoch()
    epochs, began = 0, time.perf_counter()
    while time.perf_counter() - began < SECONDS:
        epoch()
        epochs += 1
    return epochs * 2048 / (time.perf_counter() - began)


def main():
    torch.set_num_threads(1)
    native = json.loads(subprocess.run([".build/release/fedchain-bench", "learn", "--json", "--seconds", str(SECONDS)],
                                       check=True, capture_output=True, text=True).stdout)
    by_name = {f["model"]: f for f in native["figures"]}
    print(f"one thread, batch 64, SGD momentum 0.9; OpenBLAS sgemm 1024^3: {native['sgemm_gflops']:.1f} GFLOP/s; torch {torch.__version__}")
    print(f"float64 MLP's dgemm shapes: GSL CBLAS {native['dgemm_gsl_gflops']:.2f} GFLOP/s, OpenBLAS {native['dgemm_openblas_gflops']:.2f} GFLOP/s")
    print(f"{'model':<12} {'parameters':>10} {'native ex/s':>12} {'GFLOP/s':>8} {'% sgemm':>8} {'torch ex/s':>11} {'native/torch':>12}")
    for name, make in [("simple_cnn", simple_cnn), ("cnn_mcmahan", cnn_mcmahan), ("mlp_2nn", mlp_2nn)]:
        f = by_name[name]
        theirs = torch_rate(make)
        print(f"{name:<12} {f['parameters']:>10,} {f['examples_per_second']:>12,.0f} {f['gflops']:>8.2f} "
              f"{100 * f['gflops'] / native['sgemm_gflops']:>7.1f}% {theirs:>11,.0f} {f['examples_per_second'] / theirs:>11.2f}x")


if __name__ == "__main__":
    main()
