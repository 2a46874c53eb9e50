"""The native simple-cnn against the same network in PyTorch (experiments/niid-bench-fmnist/
crosscheck.py --quick): same data, partition and selection, IID and Dir(0.5), 2 rounds, mean of
2 seeds; the test accuracies must agree within 1.5 points. Needs Debian's python3-torch for
/usr/bin/python3 (scripts/setup installs it) and the Fashion-MNIST package."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_native_and_pytorch_agree():
    script = os.path.join(ROOT, "experiments", "niid-bench-fmnist", "crosscheck.py")
    run = subprocess.run([sys.executable, script, "--quick"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = [line for line in run.stdout.splitlines() if line.startswith("| IID") or line.startswith("| Dir(0.5)")]
    assert len(rows) == 2 and all(row.endswith("| yes |") for row in rows), run.stdout
