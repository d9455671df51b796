"""The run directory and its tables.

runs/<run>/
  config.yaml            the resolved config of the study
  evaluations.parquet    one row per evaluation
  generations.parquet    one row per generation
  best.json              the best genome so far, with gene names
  status.json            finished or not, why it stopped, counts
  checkpoint.pkl (+ checkpoint.prev.pkl)

evaluations.parquet columns: generation, individual, repetition, eval_seed, gene.<name>...,
fitness (the task's score), metric.<name>..., wall_s, error (null when it succeeded).
(The per-evaluation seed is `eval_seed` so that `seed` can name the study's root seed when
`load_runs` adds config columns.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from l2l.results.atomic import write_json, write_parquet, write_text

EVALUATIONS = "evaluations.parquet"
GENERATIONS = "generations.parquet"
CONFIG = "config.yaml"
BEST = "best.json"
STATUS = "status.json"
# columns that measure time, not results: they differ between otherwise identical runs
TIMING_COLUMNS = ("wall_s", "evals_per_s", "elapsed_s")


def evaluation_frame(generation: int, gene_names, genes, seeds, results, repetitions: int) -> pd.DataFrame:
    """Rows of one generation; genes (popsize, dim), seeds and results flat, individual-major."""
    n = len(results)
    ind = np.repeat(np.arange(n // repetitions), repetitions)
    data = {
        "generation": np.full(n, generation, dtype=np.int32),
        "individual": ind.astype(np.int32),
        "repetition": np.tile(np.arange(repetitions), n // repetitions).astype(np.int32),
        "eval_seed": np.asarray(seeds, dtype=np.int64),
    }
    for j, name in enumerate(gene_names):
        data[f"gene.{name}"] = np.asarray(genes, dtype=np.float64)[ind, j]
    data["fitness"] = np.array([r.score for r in results], dtype=np.float64)
    metric_names = sorted({k for r in results for k in r.metrics})
    for m in metric_names:
        data[f"metric.{m}"] = np.array([r.metrics.get(m, np.nan) for r in results], dtype=np.float64)
    data["wall_s"] = np.array([r.wall_s for r in results], dtype=np.float64)
    data["error"] = pd.array([r.error for r in results], dtype="string")
    return pd.DataFrame(data)


class RunTables:
    """Accumulates a run's rows and writes every file atomically."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.evaluations: list[pd.DataFrame] = []
        self.generations: list[dict] = []

    def write_config(self, config: dict) -> None:
        write_text(self.run_dir / CONFIG, yaml.safe_dump(config, sort_keys=False))

    def load_until(self, next_generation: int) -> None:
        """Reload rows written before generation `next_generation` (resume)."""

        def rows(name: str) -> pd.DataFrame | None:
            path = self.run_dir / name
            df = pd.read_parquet(path) if path.exists() else None
            if df is None or df.empty:  # a run killed in its first generation has no rows
                return None
            return df[df["generation"] < next_generation].reset_index(drop=True)

        ev, gen = rows(EVALUATIONS), rows(GENERATIONS)
        self.evaluations = [] if ev is None else [ev]
        self.generations = [] if gen is None else gen.to_dict("records")
        if len(self.generations) != next_generation:
            raise RuntimeError(
                f"{self.run_dir / GENERATIONS} holds {len(self.generations)} generations before"
                f" generation {next_generation}; the tables do not match the checkpoint"
            )

    def append(self, evaluations: pd.DataFrame, generation_row: dict) -> None:
        self.evaluations.append(evaluations)
        self.generations.append(generation_row)

    def flush(self, best: dict | None, status: dict) -> None:
        if self.evaluations:
            if len(self.evaluations) > 1:  # keep one frame: each flush then concatenates once
                self.evaluations = [pd.concat(self.evaluations, ignore_index=True)]
            write_parquet(self.run_dir / EVALUATIONS, self.evaluations[0])
        write_parquet(self.run_dir / GENERATIONS, pd.DataFrame(self.generations))
        if best is not None:
            write_json(self.run_dir / BEST, best)
        write_json(self.run_dir / STATUS, status)
