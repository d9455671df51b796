"""One line per generation on the terminal (through logging, so it lands in the run's log too)."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("l2l")


class Progress:
    def __init__(self, quiet: bool, direction: str) -> None:
        self.quiet = quiet
        self.direction = direction

    def generation(self, row: dict) -> None:
        if self.quiet:
            return
        extra = "".join(
            f" | {k.split('.', 1)[1]} {v:.3g}" for k, v in row.items() if k.startswith("strategy.")
        )
        log.info(
            "gen %4d | evals %6d | best %.6g | mean %.6g | best so far %.6g%s | %.0f evals/s%s",
            row["generation"],
            row["evaluations"],
            row["best"],
            row["mean"],
            row["best_so_far"],
            extra,
            row["evals_per_s"],
            f" | failed {row['failed']}" if row["failed"] else "",
        )

    def done(self, reason: str, best: dict | None, run_dir: Path) -> None:
        fit = "none" if best is None else f"{best['fitness']:.6g} (generation {best['generation']})"
        log.info("stopped: %s; best %s; results in %s", reason, fit, run_dir)
