"""The example NumPy client, misbehaving on demand: client `fault_client` in round `fault_round`
does what `fault` names (config keys under federation.trainer.config). Used by the tests of the
trainer bridge's error handling."""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "pytorch-fmnist"))
import numpy_client  # noqa: E402


class Faulty:
    def __init__(self, inner, cid, config):
        self.inner, self.cid, self.config = inner, cid, config

    def get_parameters(self, config):
        return self.inner.get_parameters(config)

    def _misbehaves(self, config, method):
        c = self.config
        return (c.get("fault_method", "fit") == method and self.cid == c.get("fault_client")
                and config.get("round") == c.get("fault_round"))

    def fit(self, parameters, config):
        params, n, metrics = self.inner.fit(parameters, config)
        if not self._misbehaves(config, "fit"):
            return params, n, metrics
        fault = self.config["fault"]
        if fault == "raise":
            raise ValueError("client refused to train")
        if fault == "shape":
            return [np.zeros((3, 3), np.float32), params[1]], n, metrics
        if fault == "count":
            return params[:1], n, metrics
        if fault == "dtype":
            return [p.astype(np.float16) for p in params], n, metrics
        if fault == "nan":
            params[0][0, 0] = np.nan
            return params, n, metrics
        if fault == "inf":
            params[1][0] = np.inf
            return params, n, metrics
        if fault == "zero_examples":
            return params, 0, metrics
        if fault == "negative_examples":
            return params, -5, metrics
        if fault == "kill":
            os.kill(os.getpid(), 9)
        if fault == "exit":
            sys.exit(3)
        if fault == "hang":
            time.sleep(3600)
        if fault == "not_a_tuple":
            return params
        raise AssertionError("unknown fault %r" % fault)

    def evaluate(self, parameters, config):
        if self._misbehaves(config, "evaluate"):
            raise RuntimeError("evaluation failed on purpose")
        return self.inner.evaluate(parameters, config)


def client_fn(cid, config):
    return Faulty(numpy_client.client_fn(cid, config), cid, config)
