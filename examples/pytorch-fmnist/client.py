"""NIID-Bench's simple-cnn on Fashion-MNIST in PyTorch, as a FedChain Python client.

Flower's NumPyClient convention: `client_fn(cid, config)` returns an object with
`get_parameters`, `fit` and `evaluate`. FedChain selects the clients, tells each how many epochs
to run (stragglers run fewer), aggregates, runs secure aggregation and records every round on
its simulated chain; this file only trains and evaluates.

Reproducible on a CPU: one thread, deterministic algorithms, and every random draw (batch
order, initial weights) seeded from the `seed` FedChain passes with each call.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fmnist_data import load

torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)


class SimpleCNN(nn.Module):
    """conv 6@5x5, max pool 2, conv 16@5x5, max pool 2, fc 120, fc 84, fc classes (44,426
    parameters on 28x28x1 with 10 classes)."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc3(F.relu(self.fc2(x)))


# Multiply-accumulates of one forward pass on 28x28x1; training costs about three forward
# passes (forward, and the backward pass's two products), two FLOPs per multiply-accumulate.
FORWARD_MACS = 24 * 24 * 6 * 25 + 8 * 8 * 16 * 150 + 256 * 120 + 120 * 84 + 84 * 10
TRAIN_FLOPS_PER_EXAMPLE = 3 * 2 * FORWARD_MACS


class CNNClient:
    def __init__(self, x_train, y_train, x_test, y_test, config):
        self.x_train, self.y_train = torch.from_numpy(x_train).unsqueeze(1), torch.from_numpy(y_train)
        self.x_test, self.y_test = torch.from_numpy(x_test).unsqueeze(1), torch.from_numpy(y_test)
        self.net = SimpleCNN()   # initial weights from torch's generator, seeded by FedChain

    def get_parameters(self, config):
        return [v.detach().numpy().copy() for v in self.net.state_dict().values()]

    def set_parameters(self, parameters):
        keys = self.net.state_dict().keys()
        self.net.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in zip(keys, parameters)})

    def fit(self, parameters, config):
        self.set_parameters(parameters)
        anchor = [p.detach().clone() for p in self.net.parameters()]
        mu = float(config["mu"])
        # federation.local's optimiser: the same rule as FedChain's native trainer.
        optimiser = torch.optim.SGD(self.net.parameters(), lr=float(config["learning_rate"]), momentum=float(config["momentum"]),
                                    weight_decay=float(config["weight_decay"]))
        generator = torch.Generator().manual_seed(int(config["seed"]))
        n, batch = len(self.y_train), int(config["batch_size"])
        self.net.train()
        for _ in range(int(config["epochs"])):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, batch):
                rows = order[start:start + batch]
                loss = F.cross_entropy(self.net(self.x_train[rows]), self.y_train[rows])
                if mu > 0:   # FedProx: mu/2 |w - w_global|^2
                    loss = loss + mu / 2 * sum(((p - a) ** 2).sum() for p, a in zip(self.net.parameters(), anchor))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        flops = float(TRAIN_FLOPS_PER_EXAMPLE * n * int(config["epochs"]))
        return self.get_parameters({}), n, {"flops": flops}

    @torch.no_grad()
    def evaluate(self, parameters, config):
        self.set_parameters(parameters)
        self.net.eval()
        loss, correct = 0.0, 0
        for start in range(0, len(self.y_test), 1000):
            logits = self.net(self.x_test[start:start + 1000])
            labels = self.y_test[start:start + 1000]
            loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(1) == labels).sum().item()
        n = len(self.y_test)
        return loss / n, n, {"accuracy": correct / n}


def client_fn(cid, config):
    x_train, y_train, x_test, y_test = load(config["dataset_kind"], config["dataset_path"])
    train, test = config["train_indices"], config["test_indices"]
    return CNNClient(x_train[train], y_train[train], x_test[test], y_test[test], config)
