#!/usr/bin/env python3
"""Flower's SecAgg(+) timed stage by stage, in-process, with Flower's own code.

The clients run Flower's client-side stage functions (flwr.client.mod.secure_aggregation.
secaggplus_mod: _setup, _share_keys, _collect_masked_vectors, _unmask); messages are handed from
one client to the next directly instead of through a SuperLink, so only the protocol's own cost is
timed. The server's unmasking follows SecAggPlusWorkflow.unmask_stage with Flower's primitives
(combine_shares, generate_shared_key, pseudo_rand_gen, parameters_addition/subtraction/mod).
Neighbours are a ring of num_shares around each client, as the workflow builds them.

Prints one JSON line per dropout share: share_keys_per_client_s, masking_per_client_s,
server_s. `scripts/bench secagg` runs it beside FedChain's figures, e.g.
    python3 scripts/bench_secagg_flower.py --clients 100 --params 100000 --shares 100 --threshold 51 --dropout 0 0.3
"""
import argparse
import importlib
import json
import random
import time

import numpy as np
from flwr.common import bytes_to_ndarray, ndarrays_to_parameters
from flwr.common.secure_aggregation.crypto.shamir import combine_shares
from flwr.common.secure_aggregation.crypto.symmetric_encryption import generate_shared_key
from flwr.common.secure_aggregation.ndarrays_arithmetic import (
    factor_extract, get_parameters_shape, parameters_addition, parameters_mod, parameters_subtraction)
from flwr.common.secure_aggregation.secaggplus_constants import Key
from flwr.common.secure_aggregation.secaggplus_utils import pseudo_rand_gen
from flwr.supercore.primitives.asymmetric import bytes_to_private_key, bytes_to_public_key

# The package exports a function of the module's name; the stage functions live in the module.
mod = importlib.import_module("flwr.client.mod.secure_aggregation.secaggplus_mod")


def measure(n, m, shares, threshold, dropouts, seed=7):
    random.seed(seed)
    nids = list(range(1, n + 1))
    order = nids[:]
    random.shuffle(order)
    half = shares >> 1
    neighbours = {nid: {order[(i + o) % n] for o in range(-half, half + 1)} for i, nid in enumerate(order)}
    setup = {Key.SAMPLE_NUMBER: n, Key.SHARE_NUMBER: len(neighbours[nids[0]]), Key.THRESHOLD: threshold,
             Key.CLIPPING_RANGE: 8.0, Key.TARGET_RANGE: 4194304, Key.MOD_RANGE: 4294967296, Key.MAX_WEIGHT: 1000.0}
    states = {nid: mod.SecAggPlusState(nid=nid) for nid in nids}
    keys = {nid: mod._setup(states[nid], dict(setup)) for nid in nids}
    keys = {nid: (k[Key.PUBLIC_KEY_1], k[Key.PUBLIC_KEY_2]) for nid, k in keys.items()}

    start = time.perf_counter()
    sent = {}
    for nid in nids:
        out = mod._share_keys(states[nid], {str(v): keys[v] for v in neighbours[nid]})
        sent[nid] = list(zip(out[Key.DESTINATION_LIST], out[Key.CIPHERTEXT_LIST]))
    share_keys = (time.perf_counter() - start) / n

    inbox = {nid: ([], []) for nid in nids}
    for src, messages in sent.items():
        for dst, ciphertext in messages:
            inbox[dst][0].append(src)
            inbox[dst][1].append(ciphertext)
    results = []
    for dropout in dropouts:
        results.append(dict(clients=n, params=m, shares=shares, threshold=threshold, dropout=dropout,
                            share_keys_per_client_s=share_keys,
                            **after_share_keys(states, neighbours, keys, inbox, nids, m, dropout)))
    return results


def after_share_keys(states, neighbours, keys, inbox, nids, m, dropout):
    """MaskedInputCollection per client and the server's unmasking, with `dropout` of the
    clients dropping after ShareKeys."""
    dropped = set(nids[: round(dropout * len(nids))])
    active = [nid for nid in nids if nid not in dropped]
    update = ndarrays_to_parameters([np.full(m, 0.01, dtype=np.float32)])
    start = time.perf_counter()
    aggregate = None
    for nid in active:
        out = mod._collect_masked_vectors(states[nid], {Key.SOURCE_LIST: inbox[nid][0], Key.CIPHERTEXT_LIST: inbox[nid][1]}, 1, update)
        vector = [bytes_to_ndarray(b) for b in out[Key.MASKED_PARAMETERS]]
        aggregate = vector if aggregate is None else parameters_addition(aggregate, vector)
    masking = (time.perf_counter() - start) / len(active)

    collected = {nid: [] for nid in nids}
    for nid in active:
        ring = neighbours[nid]
        out = mod._unmask(states[nid], {Key.ACTIVE_NODE_ID_LIST: [v for v in ring if v not in dropped],
                                        Key.DEAD_NODE_ID_LIST: [v for v in ring if v in dropped]})
        for owner, share in zip(out[Key.NODE_ID_LIST], out[Key.SHARE_LIST]):
            collected[owner].append(share)
    start = time.perf_counter()
    vector = parameters_mod(aggregate, 4294967296)
    for nid, shares_of in collected.items():
        secret = combine_shares(shares_of)
        if nid not in dropped:
            vector = parameters_subtraction(vector, pseudo_rand_gen(secret, 4294967296, get_parameters_shape(vector)))
            continue
        for other in neighbours[nid] - {nid}:
            key = generate_shared_key(bytes_to_private_key(secret), bytes_to_public_key(keys[other][0]))
            mask = pseudo_rand_gen(key, 4294967296, get_parameters_shape(vector))
            vector = parameters_addition(vector, mask) if nid > other else parameters_subtraction(vector, mask)
    vector = parameters_mod(vector, 4294967296)
    server = time.perf_counter() - start
    # Unmasking worked if the weights add up: each client's weight is round(1 / 1000 x 2^22).
    weight, _ = factor_extract(vector)
    assert weight == len(active) * round(4194304 / 1000.0), f"unmasked weight {weight} is wrong"
    return {"masking_per_client_s": masking, "server_s": server}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--params", type=int, default=100_000)
    parser.add_argument("--shares", type=int, default=100, help="num_shares (the ring's size, self included)")
    parser.add_argument("--threshold", type=int, default=51)
    parser.add_argument("--dropout", type=float, nargs="+", default=[0.0],
                        help="shares of clients dropping after ShareKeys (one line each; ShareKeys runs once)")
    args = parser.parse_args()
    for result in measure(args.clients, args.params, args.shares, args.threshold, args.dropout):
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
