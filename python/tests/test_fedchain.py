"""Tests of the fedchain Python package against the real binary (a release build)."""
import os

import pandas as pd
import pytest

import fedchain


def test_run_load_summary_config_and_tables(tmp_path):
    out = str(tmp_path / "q.h5")
    run = fedchain.run(set={"network.nodes": 60, "stop": {"blocks": 4}}, seed=5, output=out)
    assert run.summary["blocks_main"] == 4
    assert isinstance(run.summary["stale_rate"], float)
    assert run.config["network"]["nodes"] == 60 and run.config["seed"] == 5
    blocks = run.table("chain/blocks")
    assert isinstance(blocks, pd.DataFrame) and len(blocks) == 5        # genesis + 4
    nodes = run.table("/nodes")
    assert all(isinstance(r, str) for r in nodes["region"])             # text decoded to str
    assert run.units("chain/propagation")["t50_s"] == "s"
    assert run.units("nodes")["energy_j"] == "J"
    again = fedchain.load(out)
    assert again.summary == run.summary
    with pytest.raises(KeyError):
        run.table("fl/rounds")


def test_config_errors_carry_file_line_and_key(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("network:\n  nodes: 0\n")
    with pytest.raises(fedchain.ConfigError) as error:
        fedchain.run(str(config), output=str(tmp_path / "x.h5"))
    assert (error.value.file, error.value.line, error.value.column) == (str(config), 2, 10)
    assert error.value.key == "network.nodes"
    assert "expected an integer from 2" in error.value.message
    with pytest.raises(fedchain.ConfigError) as override:
        fedchain.run(set={"network.nodse": 3}, output=str(tmp_path / "x.h5"))
    assert override.value.key == "network.nodse" and "did you mean 'nodes'" in override.value.message
    assert not os.path.exists(tmp_path / "x.h5")


def test_sweep_returns_one_row_per_run(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("base: {stop: {blocks: 2}}\ngrid: {network.nodes: [20, 30], consensus.kind: [pow, pos]}\n")
    table = fedchain.sweep(str(spec), str(tmp_path / "out"), jobs=2)
    assert len(table) == 4
    assert sorted(table["consensus.kind"]) == ["pos", "pos", "pow", "pow"]
    assert table["network.nodes"].dtype.kind == "i"
    assert table.equals(fedchain.load_sweep(str(tmp_path / "out")))
