"""Softmax regression in NumPy: the smallest useful FedChain Python client.

It follows Flower's NumPyClient convention (get_parameters / fit / evaluate) and needs nothing
but NumPy (and h5py for HDF5 data). FedChain owns selection, aggregation, time and the chain;
this client only trains locally and evaluates. Deterministic: all randomness comes from the
`seed` FedChain passes with every call.
"""
import numpy as np

from fmnist_data import load


class SoftmaxClient:
    def __init__(self, x_train, y_train, x_test, y_test, classes):
        self.x_train, self.y_train = x_train.reshape(len(x_train), -1), y_train
        self.x_test, self.y_test = x_test.reshape(len(x_test), -1), y_test
        self.classes = classes

    def get_parameters(self, config):
        d = self.x_train.shape[1]
        return [np.zeros((d, self.classes), dtype=np.float32), np.zeros(self.classes, dtype=np.float32)]

    def _loss_and_grad(self, w, b, x, y):
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(len(y)), y] + 1e-12).mean()
        p[np.arange(len(y)), y] -= 1
        p /= len(y)
        return loss, x.T @ p, p.sum(axis=0)

    def fit(self, parameters, config):
        w, b = (np.array(p, dtype=np.float32) for p in parameters)
        w0, b0 = w.copy(), b.copy()
        rng = np.random.default_rng(config["seed"])
        lr, mu, batch = np.float32(config["learning_rate"]), np.float32(config["mu"]), int(config["batch_size"])
        n = len(self.y_train)
        for _ in range(int(config["epochs"])):
            order = rng.permutation(n)
            for start in range(0, n, batch):
                rows = order[start:start + batch]
                _, gw, gb = self._loss_and_grad(w, b, self.x_train[rows], self.y_train[rows])
                w -= lr * (gw + mu * (w - w0))   # FedProx's proximal term when mu > 0
                b -= lr * (gb + mu * (b - b0))
        return [w, b], n, {}

    def evaluate(self, parameters, config):
        w, b = parameters
        loss, _, _ = self._loss_and_grad(w, b, self.x_test, self.y_test)
        accuracy = float(((self.x_test @ w + b).argmax(axis=1) == self.y_test).mean())
        return float(loss), len(self.y_test), {"accuracy": accuracy}


def client_fn(cid, config):
    x_train, y_train, x_test, y_test = load(config["dataset_kind"], config["dataset_path"])
    classes = int(max(y_train.max(), y_test.max())) + 1
    train, test = config["train_indices"], config["test_indices"]
    return SoftmaxClient(x_train[train], y_train[train], x_test[test], y_test[test], classes)
