"""FedChain from Python: run simulations and sweeps, and read their HDF5 files as pandas tables.

    import fedchain
    run = fedchain.run(set={"network.nodes": 500}, seed=7)      # calls the fedchain binary
    run.summary["stale_rate"], run.table("chain/blocks"), run.units("chain/blocks")
    fedchain.load("out.h5"); fedchain.load_sweep("notebooks-data/my-sweep")

The binary is `$FEDCHAIN_BIN`, else `fedchain` on the PATH, else the release build of the
repository this package sits in (`.build/release/fedchain`).
"""
import os
import re
import shutil
import subprocess

import h5py
import numpy as np
import pandas as pd
import yaml

__all__ = ["run", "sweep", "load", "load_sweep", "Run", "ConfigError", "FedChainError"]

_REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_UNITS = [("_th_s", "TH/s"), ("_twh_per_year", "TWh/yr"), ("_bytes", "bytes"), ("_bps", "bit/s"), ("_ns", "ns"),
          ("_s", "s"), ("_j", "J"), ("_w", "W")]


class FedChainError(Exception):
    """The fedchain binary failed (exit 1) or could not be found."""


class ConfigError(FedChainError):
    """A config error (exit 2), located: `file`, `line`, `column` (None for a `--set` argument or
    an unlocated error), `key` and `message`."""

    def __init__(self, text, file=None, line=None, column=None, key=None, message=None):
        super().__init__(text)
        self.file, self.line, self.column, self.key, self.message = file, line, column, key, message or text


def binary():
    """The path of the fedchain binary this package calls."""
    for candidate in (os.environ.get("FEDCHAIN_BIN"), shutil.which("fedchain"),
                      os.path.join(_REPOSITORY, ".build", "release", "fedchain")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise FedChainError("no fedchain binary: build it (swift build -c release) or set FEDCHAIN_BIN")


def _arguments(set=None, seed=None):
    args = []
    for key, value in (set or {}).items():
        text = value if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True).strip()
        if text.endswith("\n...") or text.endswith("..."):
            text = text.rsplit("\n", 1)[0]
        args += ["--set", f"{key}={text}"]
    if seed is not None:
        args += ["--seed", str(seed)]
    return args


_LOCATED = re.compile(r"^fedchain: error: (?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?:(?P<key>[\w.\-]+): )?(?P<message>.*)$")
_OVERRIDE = re.compile(r"^fedchain: error: --set (?P<argument>\S+): (?:(?P<key>[\w.\-]+): )?(?P<message>.*)$")


def _call(arguments):
    result = subprocess.run([binary()] + arguments, capture_output=True, text=True)
    if result.returncode == 2:
        first = next((l for l in result.stderr.splitlines() if l.startswith("fedchain: error: ")), result.stderr.strip())
        located = _LOCATED.match(first)
        if located:
            raise ConfigError(first, located["file"], int(located["line"]), int(located["column"]), located["key"], located["message"])
        override = _OVERRIDE.match(first)
        if override:
            raise ConfigError(first, key=override["key"], message=override["message"])
        raise ConfigError(first)
    if result.returncode != 0:
        raise FedChainError(result.stderr.strip() or f"fedchain exited with {result.returncode}")
    return result


def run(config=None, set=None, seed=None, output=None):
    """Runs one simulation (`fedchain run`) and returns it loaded. `config` is a YAML path (None:
    the embedded quickstart), `set` a mapping of dotted keys to values, `output` the HDF5 path
    (default as the CLI: notebooks-data/<config name>.h5). Raises ConfigError on exit 2."""
    arguments = ["run", "--quiet"] + ([config] if config else []) + _arguments(set, seed)
    if output:
        arguments += ["--output", output]
    result = _call(arguments)
    written = re.search(r"^wrote (.+)$", result.stdout, re.M)
    return load(output or written.group(1))


def sweep(sweep_file, output_dir, jobs=None, max_runs=None):
    """Runs a sweep (`fedchain sweep`, resuming), merges it and returns `load_sweep(output_dir)`."""
    arguments = ["sweep", sweep_file, "--output-dir", output_dir]
    if jobs:
        arguments += ["--jobs", str(jobs)]
    if max_runs:
        arguments += ["--max-runs", str(max_runs)]
    _call(arguments)
    _call(["merge", output_dir])
    return load_sweep(output_dir)


def _text(column):
    """Strings as str: h5py gives vlen strings in compound rows as bytes objects."""
    if column.dtype.kind == "S":
        return np.char.decode(column)
    if column.dtype.kind == "O":
        return np.array([v.decode() if isinstance(v, bytes) else v for v in column], dtype=object)
    return column


def _scalar(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


class Run:
    """One run file: its summary, config and tables."""

    def __init__(self, path):
        self.path = path
        with h5py.File(path, "r") as f:
            self.attributes = {k: _scalar(v) for k, v in f.attrs.items()}
            self.summary = {k: _scalar(v) for k, v in f["summary"].attrs.items()} if "summary" in f else {}
            names = []
            f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        self.tables = sorted(names)
        text = self.attributes.get("config", "")
        self.config = yaml.safe_load(text) if text else {}

    def table(self, name):
        """The dataset `name` ("chain/blocks", "/fl/rounds", ...) as a DataFrame, text as str."""
        with h5py.File(self.path, "r") as f:
            key = name.strip("/")
            if key not in f:
                raise KeyError(f"{self.path} has no dataset /{key} (it has: {', '.join(self.tables)})")
            data = f[key][:]
        return pd.DataFrame({column: _text(data[column]) for column in data.dtype.names})

    def units(self, name):
        """Column -> unit of the dataset `name`, from the unit in each column's name (None
        where the name has none)."""
        return {column: unit(column) for column in self.table(name).columns}

    def __repr__(self):
        return f"Run({self.path!r}, {len(self.summary)} summary keys, tables {self.tables})"


def unit(name):
    """The unit a FedChain name carries in its suffix (`t50_s` -> s, `energy_j` -> J), or None."""
    return next((u for suffix, u in _UNITS if name.endswith(suffix)), None)


def load(path):
    """The run file at `path`."""
    return Run(path)


def load_sweep(directory):
    """A sweep's merged table (`DIR/sweep.h5`, written by `fedchain merge DIR`): one row per run."""
    path = os.path.join(directory, "sweep.h5") if os.path.isdir(directory) else directory
    with h5py.File(path, "r") as f:
        if "runs" not in f:
            return pd.DataFrame()
        data = f["runs"][:]
    return pd.DataFrame({column: _text(data[column]) for column in data.dtype.names})
