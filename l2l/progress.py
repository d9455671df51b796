"""One line per generation (through logging, so it lands in the run's log file too).

The line shows the generation, evaluations, best and mean fitness, the strategy's statistics,
evaluations per second, and an estimate of the time left until the study's generation or
evaluation limit (strategies may stop earlier on their own criteria).
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("l2l")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


class Progress:
    def __init__(self, quiet: bool, direction: str, generations: int, max_evaluations: int | None) -> None:
        self.quiet = quiet
        self.direction = direction
        self.generations = generations
        self.max_evaluations = max_evaluations

    def eta_s(self, row: dict) -> float:
        done_gens = row["generation"] + 1
        per_gen = row["elapsed_s"] / done_gens
        left = (self.generations - done_gens) * per_gen
        if self.max_evaluations is not None and row["evaluations"]:
            per_eval = row["elapsed_s"] / row["evaluations"]
            left = min(left, max(0, self.max_evaluations - row["evaluations"]) * per_eval)
        return left

    def generation(self, row: dict) -> None:
        if self.quiet:
            return
        extra = "".join(
            f" | {k.split('.', 1)[1]} {v:.3g}" for k, v in row.items() if k.startswith("strategy.")
        )
        log.info(
            "gen %4d | evals %6d | best %.6g | mean %.6g | best so far %.6g%s | %.0f evals/s | eta %s%s",
            row["generation"],
            row["evaluations"],
            row["best"],
            row["mean"],
            row["best_so_far"],
            extra,
            row["evals_per_s"],
            _duration(self.eta_s(row)),
            f" | failed {row['failed']}" if row["failed"] else "",
        )

    def done(self, reason: str, best: dict | None, run_dir: Path) -> None:
        fit = "none" if best is None else f"{best['fitness']:.6g} (generation {best['generation']})"
        log.info("stopped: %s; best %s; results in %s", reason, fit, run_dir)
