"""The run directory and its tables.

runs/<run>/
  config.yaml            the resolved config of the study
  evaluations.parquet    one row per evaluation (written when the run ends; while it runs,
                         evaluations.parts/ holds one file per generation, so each generation
                         writes only its own rows; `load_run` reads either)
  generations.parquet    one row per generation
  best.json              the best genome so far, with gene names
  status.json            finished or not, why it stopped, counts (written at start and end)
  held_out.parquet       the best genome (genome = "best") and the strategy's recommended centre
                         ("center") evaluated on the same held-out seeds at the end (config key
                         held_out > 0); summaries in best.json ("held_out", "center") and
                         status.json ("held_out", "held_out_center")
  checkpoint.pkl (+ checkpoint.prev.pkl)

evaluations.parquet columns: generation, individual, repetition, eval_seed, gene.<name>...,
fitness (the task's score), metric.<name>..., wall_s, error (null when it succeeded).
(The per-evaluation seed is `eval_seed` so that `seed` can name the study's root seed when
`load_runs` adds config columns.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from l2l.results.atomic import write_json, write_parquet, write_text

EVALUATIONS = "evaluations.parquet"
PARTS = "evaluations.parts"
GENERATIONS = "generations.parquet"
CONFIG = "config.yaml"
BEST = "best.json"
STATUS = "status.json"
HELD_OUT = "held_out.parquet"
# columns that measure time, not results: they differ between otherwise identical runs
TIMING_COLUMNS = ("wall_s", "eval_s", "evals_per_s", "elapsed_s")


def without_timing(df: pd.DataFrame) -> pd.DataFrame:
    """A table without its timing columns: what two runs of one study must agree on exactly."""
    return df.drop(columns=[c for c in TIMING_COLUMNS if c in df.columns])


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


def held_out_frame(generation: int, gene_names, genes, seeds, results) -> pd.DataFrame:
    """Rows of the held-out check: one genome (from `generation`), one row per held-out seed."""
    frame = evaluation_frame(generation, gene_names, np.asarray(genes)[None, :], seeds, results, len(results))
    return frame.drop(columns=["individual"]).rename(columns={"repetition": "index"})


def held_out_summary(frame: pd.DataFrame) -> dict:
    """Mean and standard deviation of the held-out fitness over the evaluations that succeeded."""
    ok = frame["error"].isna().to_numpy()
    fit = frame["fitness"].to_numpy()[ok]
    return {
        "mean": float(fit.mean()) if fit.size else float("nan"),
        "std": float(fit.std(ddof=1)) if fit.size > 1 else float("nan"),
        "n": int(len(frame)),
        "failed": int((~ok).sum()),
    }


class RunTables:
    """A run's tables on disk; every file is written atomically.

    Evaluations go to one part file per generation (constant cost per generation, however long
    the run); `finish` merges them into evaluations.parquet. Generations are few and small:
    generations.parquet is rewritten whole.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.parts = self.run_dir / PARTS
        self.generations: list[dict] = []
        self._best_written: dict | None = None

    def write_config(self, config: dict) -> None:
        write_text(self.run_dir / CONFIG, yaml.safe_dump(config, sort_keys=False))

    def load_until(self, next_generation: int) -> None:
        """Resume: keep the rows of generations before `next_generation`, drop the rest."""
        merged = self.run_dir / EVALUATIONS
        if merged.exists():  # a finished run being extended: back to one part per generation
            ev = pd.read_parquet(merged)
            self.parts.mkdir(exist_ok=True)
            for g, rows in ev.groupby("generation", sort=True):
                write_parquet(self.parts / part_name(int(g)), rows.reset_index(drop=True))
            merged.unlink()
        for part in sorted(self.parts.glob("g*.parquet")) if self.parts.exists() else []:
            if part_generation(part) >= next_generation:
                part.unlink()  # written after the checkpoint we resume from
        path = self.run_dir / GENERATIONS
        gen = pd.read_parquet(path) if path.exists() else None
        self.generations = (
            [] if gen is None or gen.empty else (gen[gen["generation"] < next_generation].to_dict("records"))
        )
        if len(self.generations) != next_generation:
            raise RuntimeError(
                f"{path} holds {len(self.generations)} generations before generation"
                f" {next_generation}; the tables do not match the checkpoint"
            )

    def append(self, evaluations: pd.DataFrame, generation_row: dict) -> None:
        self.parts.mkdir(exist_ok=True)
        write_parquet(self.parts / part_name(int(generation_row["generation"])), evaluations)
        self.generations.append(generation_row)

    def flush(self, best: dict | None) -> None:
        """After each generation: the generations table, and best.json if the best changed."""
        write_parquet(self.run_dir / GENERATIONS, pd.DataFrame(self.generations))
        if best is not None and best != self._best_written:
            write_json(self.run_dir / BEST, best)
            self._best_written = best

    def write_held_out(self, frame: pd.DataFrame) -> None:
        write_parquet(self.run_dir / HELD_OUT, frame)

    def write_status(self, status: dict) -> None:
        write_json(self.run_dir / STATUS, status)

    def finish(self, best: dict | None, status: dict) -> None:
        """Merge the parts into evaluations.parquet, then write the final status."""
        if self.parts.exists():
            write_parquet(self.run_dir / EVALUATIONS, read_parts(self.parts))
            shutil.rmtree(self.parts)
        self.flush(best)
        self.write_status(status)


def part_name(generation: int) -> str:
    return f"g{generation:07d}.parquet"


def part_generation(path: Path) -> int:
    return int(path.stem[1:])


def read_parts(parts: Path) -> pd.DataFrame:
    """All part files in generation order; columns are united (a metric may be absent early)."""
    files = sorted(parts.glob("g*.parquet"))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
