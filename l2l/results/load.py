"""Load runs into pandas: one run, or every run matching a glob (a whole Hydra multirun).

>>> from l2l.results import load_run, load_runs
>>> ev = load_run("runs/2026-11-29/12-00-00")                 # one row per evaluation
>>> gens = load_run("runs/2026-11-29/12-00-00", "generations")
>>> df = load_runs("runs/multirun/2026-11-29_12-00-00/*")     # + config columns: seed, task.dim, ...
>>> df.groupby(["strategy.name", "seed"])["fitness"].min()
"""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pandas as pd
import yaml

from l2l.results.tables import BEST, CONFIG, EVALUATIONS, GENERATIONS, PARTS, STATUS, read_parts

_TABLES = {"evaluations": EVALUATIONS, "generations": GENERATIONS}


def _table_file(run_dir: Path, table: str) -> Path:
    if table not in _TABLES:
        raise ValueError(f"table must be one of {sorted(_TABLES)}, got {table!r}")
    path = Path(run_dir) / _TABLES[table]
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: is {run_dir} an l2l run directory?")
    return path


def flatten(config: dict, prefix: str = "") -> dict:
    """{'task': {'dim': 10}} -> {'task.dim': 10}; lists become strings."""
    out = {}
    for k, v in config.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = str(v) if isinstance(v, list | tuple) else v
    return out


def load_config(run_dir: str | Path) -> dict:
    return yaml.safe_load((Path(run_dir) / CONFIG).read_text())


def load_run(run_dir: str | Path, table: str = "evaluations") -> pd.DataFrame:
    """One table of one run ('evaluations' or 'generations'), also while the run is going."""
    run_dir = Path(run_dir)
    if table == "evaluations" and not (run_dir / EVALUATIONS).exists() and (run_dir / PARTS).is_dir():
        return read_parts(run_dir / PARTS)  # a run still going, or killed
    return pd.read_parquet(_table_file(run_dir, table))


def load_best(run_dir: str | Path) -> dict:
    return json.loads((Path(run_dir) / BEST).read_text())


def load_status(run_dir: str | Path) -> dict:
    return json.loads((Path(run_dir) / STATUS).read_text())


def find_runs(pattern: str | Path) -> list[Path]:
    """Run directories matching a glob, or every run below a directory."""
    hits = sorted(Path(p) for p in glob.glob(str(pattern)))
    runs = [p for p in hits if _is_run(p)]
    for p in hits:  # a directory given directly (a sweep, runs/): look below it
        if p.is_dir() and not _is_run(p):
            runs += [q.parent for q in p.rglob(STATUS) if _is_run(q.parent)]
    return sorted(set(runs))


def _is_run(path: Path) -> bool:
    """A run directory: our config and status files (status comes with the first tables)."""
    return (path / CONFIG).is_file() and (path / STATUS).is_file()


def load_runs(pattern: str | Path, table: str = "evaluations") -> pd.DataFrame:
    """One table of many runs, with a `run` column and the runs' flattened config columns."""
    runs = find_runs(pattern)
    if not runs:
        raise FileNotFoundError(f"no l2l run directories match {pattern!s}")
    frames = []
    for run in runs:
        df = load_run(run, table)
        cfg = {k: v for k, v in flatten(load_config(run)).items() if k != "resume"}
        clash = sorted(set(cfg) & set(df.columns))
        if clash:
            raise ValueError(f"config keys {clash} clash with columns of {table} in {run}")
        df = df.assign(run=str(run), **cfg)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
