"""Tidy tables for notebooks: learning curves, sweep summaries and best genomes.

>>> from l2l.results import load_runs, learning_curves, varying_keys, summarize, best_genomes
>>> gens = load_runs("runs/multirun/2026-11-29/12-30-00-654321", "generations")
>>> keys = varying_keys(gens)                    # e.g. ['strategy.name']; 'seed' is the repeat axis
>>> curves = learning_curves(gens)               # one row per (run, generation), tidy
>>> summarize(curves, keys)                      # final best per group: mean, std, n seeds
>>> best_genomes("runs/multirun/...")            # one row per run, genes as columns
>>> long_form(best_genomes("runs/multirun/..."), "gene.")   # one row per run and gene
>>> import seaborn as sns; sns.lineplot(curves, x="evaluations", y="best_so_far", hue=keys[0])
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from l2l.results.load import config_column, find_runs, flatten, load_best, load_config, load_run, load_status

# config columns that never define a group: the repeat axis and bookkeeping
_NOT_GROUPS = {"seed", "run", "resume", "quiet", "generations", "max_evaluations"}
_CURVE_COLUMNS = [
    "run",
    "seed",
    "generation",
    "evaluations",
    "best",
    "mean",
    "median",
    "worst",
    "best_so_far",
    "evals_per_s",
    "elapsed_s",
]


def config_columns(df: pd.DataFrame) -> list[str]:
    """Columns of a `load_runs` table that came from the runs' configs (read from the runs)."""
    keys: dict[str, None] = {}
    for run in df["run"].unique():
        for k in flatten(load_config(run)):
            if config_column(k) in df.columns:  # renamed: the table has a column of that name
                keys[config_column(k)] = None
            elif k in df.columns:
                keys[k] = None
    return list(keys)


def varying_keys(df: pd.DataFrame) -> list[str]:
    """Config keys that take more than one value across the runs of a sweep (seed excluded),
    without those the others already determine: in `strategy=cma,cem`, CEM's own keys
    (`strategy.elite_fraction`, ...) vary only with `strategy.name`, so only that one is kept.
    `*.name` keys are considered first, then the rest in column order."""
    runs = df.drop_duplicates("run")
    as_text = {c: runs[c].astype(str) for c in config_columns(df) if c not in _NOT_GROUPS}
    candidates = [c for c, v in as_text.items() if v.nunique() > 1]
    candidates.sort(key=lambda c: not c.endswith(".name"))  # stable: names first
    kept: list[str] = []
    for c in candidates:
        if kept:
            key = pd.DataFrame({k: as_text[k] for k in kept})
            if (as_text[c].groupby([key[k] for k in kept]).nunique() <= 1).all():
                continue  # fixed by the keys kept already
        kept.append(c)
    return kept


def learning_curves(generations: pd.DataFrame) -> pd.DataFrame:
    """Tidy curves from a `load_runs(..., 'generations')` table: one row per run and generation."""
    keep = [c for c in _CURVE_COLUMNS if c in generations.columns]
    extra = [c for c in varying_keys(generations) if c not in keep]
    return generations[extra + keep].sort_values(["run", "generation"]).reset_index(drop=True)


def summarize(curves: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group: seeds, final best fitness (mean, std, min, max), evaluations, evals/s, time."""
    last = curves.sort_values("generation").groupby("run").tail(1)
    groups = last.groupby(by, dropna=False) if by else last.assign(_all="all").groupby("_all")
    out = groups.agg(
        runs=("run", "nunique"),
        best_mean=("best_so_far", "mean"),
        best_std=("best_so_far", "std"),
        best_min=("best_so_far", "min"),
        best_max=("best_so_far", "max"),
        evaluations=("evaluations", "mean"),
        wall_s=("elapsed_s", "mean"),
    )
    rate = curves.groupby(by, dropna=False)["evals_per_s"].median() if by else curves["evals_per_s"].median()
    out["evals_per_s"] = rate
    return out.reset_index()


def best_genomes(pattern: str | Path, metrics: bool = False) -> pd.DataFrame:
    """One row per run: run, its flattened config, the best fitness, where it was found, its genes
    (`gene.<name>`), its held-out result if the run made one (`held_out.mean`, `.std`, `.n`,
    `.failed`) and, with metrics=True, the best genome's metrics (`metric.<name>`, mean over its
    repetitions in training; reads each run's evaluations)."""
    rows = []
    for run in find_runs(pattern):
        best = load_best(run) if (run / "best.json").exists() else None
        if not best or "genes" not in best:
            continue
        cfg = {k: v for k, v in flatten(load_config(run)).items() if k != "resume"}
        row = {
            "run": str(run),
            **cfg,
            "fitness": best["fitness"],
            "generation": best["generation"],
            "individual": best["individual"],
            "finished": load_status(run).get("finished"),
            **{f"gene.{k}": v for k, v in best["genes"].items()},
        }
        if "held_out" in best:
            row.update({f"held_out.{k}": v for k, v in best["held_out"].items()})
        if "center" in best:  # the strategy's final centre, on the same held-out seeds
            row.update({f"center.held_out.{k}": v for k, v in best["center"]["held_out"].items()})
        if metrics:
            row.update(_best_metrics(run, best))
        rows.append(row)
    return pd.DataFrame(rows)


def _best_metrics(run: Path, best: dict) -> dict:
    ev = load_run(run)
    mine = ev[(ev["generation"] == best["generation"]) & (ev["individual"] == best["individual"])]
    return {c: float(mine[c].mean()) for c in mine.columns if c.startswith("metric.")}


def long_form(df: pd.DataFrame, prefix: str = "gene.") -> pd.DataFrame:
    """Tidy (long) form of the `<prefix><name>` columns: one row per original row and name, with
    columns `<prefix without dot>` (the name) and `value`; the other columns are kept as ids.

    >>> long_form(best_genomes(sweep), "gene.")      # run, config..., fitness, gene, value
    >>> long_form(load_run(run), "metric.")          # per evaluation and metric
    """
    cols = [c for c in df.columns if c.startswith(prefix)]
    if not cols:
        raise ValueError(f"no columns starting with {prefix!r}; columns are {list(df.columns)}")
    ids = [c for c in df.columns if not c.startswith(prefix)]
    var = prefix.rstrip(".")
    out = df.melt(id_vars=ids, value_vars=cols, var_name=var, value_name="value")
    out[var] = out[var].str.removeprefix(prefix)
    return out
