"""FedChain's RDP accountant (`fedchain privacy`) side by side with Google's `dp-accounting`
(PyPI), for the same (q, z, T, delta) and the same orders and conversion (the improved one,
Canonne, Kamath and Steinke 2020, which `RdpAccountant.get_epsilon` uses): within 1 %."""
import json
import subprocess

import pytest

import fedchain

dp_accounting = pytest.importorskip("dp_accounting", reason="pip install dp-accounting (scripts/setup does)")

CASES = [  # q, z, T, delta: DP-SGD scale, DP-FedAvg scale (McMahan et al. 2018), strong and weak noise
    (256 / 60000, 1.12, 14040, 1e-5),
    (256 / 60000, 1.2, 2340, 1e-5),
    (100 / 763430, 1.0, 1000, 1e-6),
    (0.1, 0.8, 50, 1e-5),
    (0.01, 2.5, 5000, 1e-5),
    (0.3, 5.0, 200, 1e-3),
    (1.0, 10.0, 30, 1e-5),
]


def fedchain_epsilon(q, z, steps, delta):
    out = subprocess.run([fedchain.binary(), "privacy", "--sampling-rate", repr(q), "--noise-multiplier", repr(z),
                          "--steps", str(steps), "--delta", repr(delta), "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["epsilon"]


def reference_epsilon(q, z, steps, delta):
    accountant = dp_accounting.rdp.RdpAccountant()
    event = dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z))
    accountant.compose(dp_accounting.SelfComposedDpEvent(event, steps))
    return accountant.get_epsilon(delta)


@pytest.mark.parametrize("q,z,steps,delta", CASES)
def test_epsilon_matches_dp_accounting(q, z, steps, delta):
    ours, theirs = fedchain_epsilon(q, z, steps, delta), reference_epsilon(q, z, steps, delta)
    assert theirs > 0
    assert abs(ours - theirs) <= 0.01 * theirs, (ours, theirs)
