"""Load runs into pandas: one run, or every run matching a glob (a whole Hydra multirun).

>>> from l2l.results import load_run, load_runs
>>> ev = load_run("runs/2026-11-29/12-00-00")                 # one row per evaluation
>>> gens = load_run("runs/2026-11-29/12-00-00", "generations")
>>> df = load_runs("runs/multirun/2026-11-29_12-00-00/*")     # + config columns: seed, task.dim, ...
>>> df.groupby(["strategy.name", "seed"])["fitness"].min()
>>> ho = load_held_out("runs/multirun/2026-11-29_12-00-00")  # best genomes on held-out seeds
"""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pandas as pd
import yaml

from l2l.results.tables import BEST, CONFIG, EVALUATIONS, GENERATIONS, HELD_OUT, PARTS, STATUS, read_parts

_TABLES = {"evaluations": EVALUATIONS, "generations": GENERATIONS, "held_out": HELD_OUT}


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
    """One table of one run ('evaluations', 'generations' or 'held_out'), also while the run goes."""
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
    """One table of many runs, with a `run` column and the runs' flattened config columns.

    A config key that is also a column of the table (a strategy statistic named like its
    hyperparameter, e.g. CEM's `strategy.noise`, which decays every generation) keeps the
    table's column; the config value goes into `config.<key>`. For table='held_out', runs
    without a held-out check (held_out=0, or not finished) are left out.
    """
    runs = find_runs(pattern)
    if not runs:
        raise FileNotFoundError(f"no l2l run directories match {pattern!s}")
    if table == "held_out":
        runs = [r for r in runs if (r / HELD_OUT).is_file()]
        if not runs:
            raise FileNotFoundError(
                f"no run under {pattern!s} has {HELD_OUT}: run studies with held_out=N (N > 0)"
            )
    loaded = []
    for run in runs:
        cfg = {k: v for k, v in flatten(load_config(run)).items() if k != "resume"}
        loaded.append((run, load_run(run, table), cfg))
    # decided over all runs, so a key is named the same in every row
    clash = {k for _, df, cfg in loaded for k in set(cfg) & set(df.columns)}
    frames = []
    for run, df, cfg in loaded:
        cfg = {(config_column(k) if k in clash else k): v for k, v in cfg.items()}
        bad = sorted(set(cfg) & set(df.columns))
        if bad:  # only if a table already had a 'config.<key>' column
            raise ValueError(f"config keys {bad} clash with columns of {table} in {run}")
        frames.append(df.assign(run=str(run), **cfg))
    return pd.concat(frames, ignore_index=True)


def config_column(key: str) -> str:
    """The column of a config key that clashed with a table column (see load_runs)."""
    return f"config.{key}"


def load_held_out(pattern: str | Path) -> pd.DataFrame:
    """The held-out check of every run that has one: one row per held-out evaluation of the run's
    best genome (index, eval_seed, fitness, metric.*, error, gene.*), with `run` and config columns."""
    return load_runs(pattern, "held_out")
