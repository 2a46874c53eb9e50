#!/usr/bin/env python3
"""Check FedChain files against the documented layout (docs/hdf5-schema.json), using h5py.

Usage: scripts/check_h5.py [--coverage] FILE.h5 [FILE.h5 ...]
       scripts/check_h5.py --docs

A file's kinds come from its stored config (PoW, PoS, Ethereum, hierarchical, adversary, double
spend, federated, secure aggregation, sampled receive times) and attributes (a sweep's run file, a merged sweep.h5).
Every item of its kinds must be there, and everything written must be in the schema: an
undocumented dataset, column, summary key or root attribute is an error. Prints "ok" per file,
or what is missing or undocumented, and exits 1 on any problem.

--coverage also reports schema items that none of the files wrote (documented, never written).
--docs checks that docs/hdf5-schema.md names every item of the schema.
"""
import json
import os
import re
import sys

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(HERE, "..", "docs", "hdf5-schema.json")
DOC_PATH = os.path.join(HERE, "..", "docs", "hdf5-schema.md")


def schema():
    with open(SCHEMA_PATH) as f:
        return json.load(f)["kinds"]


def config_value(config, section, key):
    """A key of the resolved config's section; the config is FedChain's own canonical YAML."""
    block = re.search(rf"^{section}:\n((?:[ ].*\n?)*)", config, re.M)
    if not block:
        return None
    value = re.search(rf"^  {key}: *(.*)$", block.group(1), re.M)
    return value.group(1).strip() if value else None


def nested_value(config, section, subsection, key):
    block = re.search(rf"^{section}:\n((?:[ ].*\n?)*)", config, re.M)
    if not block:
        return None
    inner = re.search(rf"^  {subsection}:\n((?:    .*\n?)*)", block.group(1), re.M)
    if not inner:
        return None
    value = re.search(rf"^    {key}: *(.*)$", inner.group(1), re.M)
    return value.group(1).strip() if value else None


def decode(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def kinds_of(f):
    if "runs" in f.attrs and "axes" in f.attrs:
        return ["merged"]
    kinds = ["run"]
    config = decode(f.attrs.get("config", ""))
    consensus = config_value(config, "consensus", "kind")
    if consensus == "pow":
        kinds.append("pow")
    elif consensus == "pos":
        kinds.append("pos")
        if nested_value(config, "consensus", "pos", "mode") == "ethereum":
            kinds.append("ethereum")
    elif consensus == "hierarchical":
        kinds.append("hierarchical")
    adversary = config_value(config, "adversary", "kind")
    if adversary in ("selfish", "double_spend"):
        kinds.append("adversary")
    if adversary == "double_spend":
        kinds.append("double_spend")
    if int(config_value(config, "federation", "rounds") or 0) > 0:
        kinds.append("fl")
        if nested_value(config, "federation", "secure_aggregation", "protocol") not in (None, "none"):
            kinds.append("secagg")
        slashing = [nested_value(config, "federation", "slashing", key) for key in ("fraction", "exclusion_rounds")]
        if any(float(value or 0) > 0 for value in slashing):
            kinds.append("slashing")
        if float(config_value(config, "federation", "target_accuracy") or 0) > 0:
            kinds.append("fl_target")
        if config_value(config, "federation", "data_market") == "true":
            kinds.append("data_market")
    transactions = [nested_value(config, "workload", "transactions", key) for key in ("rate_per_s", "trace")]
    if float(transactions[0] or 0) > 0 or (transactions[1] or "").strip("'\""):
        kinds.append("tx")
        if nested_value(config, "workload", "transactions", "fee_market") == "eip1559":
            kinds.append("eip1559")
    if int(nested_value(config, "workload", "compute_market", "providers") or 0) > 0:
        kinds.append("market")
    if ("market" in kinds or "data_market" in kinds) and "tx" not in kinds:
        kinds.append("tx")
    if int(config_value(config, "output", "receive_times_nodes") or 0) > 0:
        kinds.append("receive_times")
    if "run_id" in f.attrs:
        kinds.append("sweep_run")
    return kinds


def expected(kinds, kinds_schema):
    """(root attrs, summary keys, {table: columns}) of the union of `kinds`."""
    root, summary, tables = [], [], {}
    for kind in kinds:
        part = kinds_schema[kind]
        root += part.get("root", [])
        summary += part.get("summary", [])
        for table, columns in part.get("tables", {}).items():
            tables.setdefault(table, []).extend(columns)
    return root, summary, tables


def matches(name, pattern):
    return name == pattern or (pattern.endswith("*") and name.startswith(pattern[:-1]))


def check(path, kinds_schema, seen):
    found = []
    with h5py.File(path, "r") as f:
        kinds = kinds_of(f)
        root, summary, tables = expected(kinds, kinds_schema)
        attrs = list(f.attrs)
        found += [f"root attribute {a}" for a in root if a not in attrs]
        found += [f"undocumented root attribute {a}" for a in attrs if a not in root]
        seen.update(("root", a) for a in attrs)
        if "merged" not in kinds:
            if "summary" not in f:
                found.append("group /summary")
            else:
                keys = list(f["summary"].attrs)
                found += [f"summary key {k}" for k in summary if k not in keys]
                found += [f"undocumented summary key {k}" for k in keys if k not in summary]
                seen.update(("summary", k) for k in keys)
        datasets = []
        f.visititems(lambda name, obj: datasets.append(name) if isinstance(obj, h5py.Dataset) else None)
        for table, columns in tables.items():
            if table not in f:
                if not (table == "runs" and f.attrs.get("runs", 1) == 0):
                    found.append(f"dataset /{table}")
                continue
            names = f[table].dtype.names or ()
            found += [f"column {c} of /{table}" for c in columns if not c.endswith("*") and c not in names]
            found += [f"undocumented column {c} of /{table}" for c in names if not any(matches(c, p) for p in columns)]
            seen.update(("column", table, p) for p in columns for c in names if matches(c, p))
            seen.add(("table", table))
        found += [f"undocumented dataset /{d}" for d in datasets if d not in tables]
        if not found and "run" in kinds:
            blocks = f["chain/blocks"][:]
            if len(blocks) != f["summary"].attrs["blocks_total"] + 1:
                found.append("one /chain/blocks row per block plus genesis")
            if int(blocks["on_main_chain"].sum()) != f["summary"].attrs["blocks_main"] + 1:
                found.append("on_main_chain count equal to blocks_main plus genesis")
    return kinds, found


def never_written(kinds_schema, seen, kinds_checked):
    missing = []
    for kind in kinds_checked:
        part = kinds_schema[kind]
        missing += [f"root attribute {a} ({kind})" for a in part.get("root", []) if ("root", a) not in seen]
        missing += [f"summary key {k} ({kind})" for k in part.get("summary", []) if ("summary", k) not in seen]
        for table, columns in part.get("tables", {}).items():
            missing += [f"column {c} of /{table} ({kind})" for c in columns if ("column", table, c) not in seen]
    return missing


def docs_problems(kinds_schema):
    with open(DOC_PATH) as f:
        text = f.read()
    named = set(re.findall(r"`([^`]+)`", text))
    problems = []
    for kind, part in kinds_schema.items():
        for name in part.get("root", []) + part.get("summary", []):
            if name not in named:
                problems.append(f"{name} ({kind}) is not named in docs/hdf5-schema.md")
        for table, columns in part.get("tables", {}).items():
            if f"/{table}" not in text:
                problems.append(f"/{table} ({kind}) has no section in docs/hdf5-schema.md")
            for column in columns:
                if column != "*" and column not in named and column.rstrip("*") not in text:
                    problems.append(f"column {column} of /{table} ({kind}) is not named in docs/hdf5-schema.md")
    return problems


def main(args):
    kinds_schema = schema()
    if args == ["--docs"]:
        problems = docs_problems(kinds_schema)
        for p in problems:
            print(p)
        print("docs: ok" if not problems else f"docs: {len(problems)} problems")
        return 1 if problems else 0
    coverage = "--coverage" in args
    paths = [a for a in args if a != "--coverage"]
    status, seen, kinds_checked = 0, set(), set()
    for path in paths:
        kinds, problems = check(path, kinds_schema, seen)
        kinds_checked.update(kinds)
        if problems:
            status = 1
            print(f"{path} ({', '.join(kinds)}): missing or wrong: " + "; ".join(problems))
        else:
            print(f"{path}: ok ({', '.join(kinds)})")
    if coverage:
        missing = never_written(kinds_schema, seen, kinds_checked)
        for item in missing:
            print(f"documented but never written: {item}")
        if missing:
            status = 1
    return status


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
