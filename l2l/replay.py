"""`l2l replay RUN [seed=N] [out=DIR]`: rerun one evaluation of a run's best genome, record
everything the task can record, save it as tables and plot it.

A task offers replays with

    def record(self, genes: np.ndarray, seed: int, neurons=None) -> dict[str, pandas.DataFrame]

(`neurons` optional: a tuple of the task's neuron numbers whose membrane to trace; a task that
has no such choice omits the parameter) which reruns one evaluation and returns tidy tables,
any of: "spikes" (instance, t_us, neuron),
"weights" (instance, t_us or step, synapse, weight), "rewards" (instance, step, action, reward,
...), "membrane" (instance, t_us, neuron, v_lsb), "summary" (one row of metrics). Other names
are saved too, without a figure.

The default seed is the one the best genome was first evaluated with in training (repetition
0), so the replay reproduces a row of evaluations.parquet; `seed=N` replays on any other seed;
`held_out=K` on the run's K-th held-out seed (never used in training; the same as row K of
held_out.parquet when the run made at least K + 1 held-out evaluations).

Output (default `<run>/replay/seed_<N>/`): `<table>.parquet` for each table, `<table>.png` and
`<table>.csv` (the data the figure draws) for each plotted one, and `replay.json` (genome,
seed, where the genome was found, its training fitness).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pandas as pd

from l2l.plots import membrane_figure, rewards_figure, save, spikes_figure, weights_figure
from l2l.results.atomic import write_json, write_parquet
from l2l.results.load import load_best, load_config, load_run
from l2l.seeding import held_out_seed

FIGURES = {
    "spikes": spikes_figure,
    "weights": weights_figure,
    "rewards": rewards_figure,
    "membrane": membrane_figure,
}


class ReplayError(ValueError):
    """A replay that cannot be made (not a run, no best genome, a task without `record`)."""


def run_task(run_dir: Path):
    """The task of a run, built from its stored config exactly as the run built it."""
    from l2l.config import study_from_dict

    config = {k: v for k, v in load_config(run_dir).items() if k != "resume"}
    return study_from_dict(config).task


def _check_run(run_dir: Path) -> dict:
    if not (run_dir / "config.yaml").is_file():
        raise ReplayError(f"{run_dir} is not an l2l run directory (no config.yaml there)")
    if not (run_dir / "best.json").is_file():
        raise ReplayError(f"{run_dir} has no best genome yet (no best.json): no generation has finished")
    best = load_best(run_dir)
    if not best or "genes" not in best:
        raise ReplayError(f"{run_dir}/best.json holds no best genome yet")
    return best


def training_seed(run_dir: Path, best: dict) -> int:
    """The seed the best genome was evaluated with first in training (its repetition 0)."""
    ev = load_run(run_dir)
    rows = ev[(ev["generation"] == best["generation"]) & (ev["individual"] == best["individual"])]
    if rows.empty:
        raise ReplayError(
            f"{run_dir}: the best genome's evaluations (generation {best['generation']}, individual"
            f" {best['individual']}) are not in its tables; give seed=N"
        )
    return int(rows.sort_values("repetition")["eval_seed"].iloc[0])


def _check_tables(tables) -> dict[str, pd.DataFrame]:
    if not isinstance(tables, dict) or not all(isinstance(v, pd.DataFrame) for v in tables.values()):
        raise ReplayError(f"task.record must return a dict of pandas DataFrames, got {type(tables).__name__}")
    bad = [k for k in tables if not (isinstance(k, str) and k.isidentifier())]
    if bad:
        raise ReplayError(f"task.record returned table names {bad}; names must be identifiers")
    return tables


def replay(
    run_dir: str | Path,
    seed: int | None = None,
    out: str | Path | None = None,
    held_out: int | None = None,
    neurons: tuple[int, ...] | None = None,
) -> Path:
    """Record one evaluation of the run's best genome on `seed` (or on its held-out seed number
    `held_out`), with membrane traces of `neurons` (the task's default when None); returns the
    output directory."""
    run_dir = Path(run_dir)
    best = _check_run(run_dir)
    if held_out is not None:
        if seed is not None:
            raise ReplayError("give seed=N or held_out=K, not both")
        if isinstance(held_out, bool) or not isinstance(held_out, int) or held_out < 0:
            raise ReplayError(f"held_out must be an integer >= 0 (a held-out seed's index), got {held_out!r}")
        seed = held_out_seed(int(load_config(run_dir)["seed"]), held_out)
    task = run_task(run_dir)
    if not callable(getattr(task, "record", None)):
        raise ReplayError(
            f"task {task.name!r} ({type(task).__name__}) cannot replay: it has no"
            " record(genes, seed) method (see l2l/replay.py)"
        )
    if seed is None:
        seed = training_seed(run_dir, best)
    genes = task.search_space().encode(best["genes"])
    extra = {}
    if neurons is not None:
        if "neurons" not in inspect.signature(task.record).parameters:
            raise ReplayError(f"task {task.name!r} cannot choose the neurons it traces"
                              " (its record has no neurons= parameter)")
        extra["neurons"] = tuple(int(n) for n in neurons)
    tables = _check_tables(task.record(np.asarray(genes, dtype=np.float64), int(seed), **extra))

    out = Path(out) if out is not None else run_dir / "replay" / f"seed_{seed}"
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        write_parquet(out / f"{name}.parquet", table)
    figures = []
    for name, plot in FIGURES.items():
        if name in tables and not tables[name].empty:
            fig, data = plot(tables[name])
            figures.append(save(fig, out / f"{name}.png", data).name)
    write_json(
        out / "replay.json",
        {
            "run": str(run_dir),
            "task": task.name,
            "seed": int(seed),
            "held_out": held_out,
            "neurons": None if neurons is None else list(extra["neurons"]),
            "genes": best["genes"],
            "generation": best["generation"],
            "individual": best["individual"],
            "training_fitness": best["fitness"],
            "tables": sorted(tables),
            "figures": figures,
        },
    )
    return out
