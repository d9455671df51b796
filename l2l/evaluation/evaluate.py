"""The pure evaluation function: (gene values, task, seed) -> EvalResult.

It never raises: an exception inside the task is caught and recorded with its text, and a
NaN or infinite score is flagged, so one bad genome cannot stop a study.
"""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class EvalResult:
    score: float  # the task's score; NaN when the evaluation failed
    metrics: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0
    error: str | None = None  # None when the evaluation succeeded

    @property
    def ok(self) -> bool:
        return self.error is None


def evaluate(genes: np.ndarray, task, seed: int) -> EvalResult:
    t0 = time.perf_counter()
    try:
        score, metrics = task.evaluate(np.asarray(genes, dtype=np.float64), int(seed))
        score = float(score)
        metrics = {str(k): float(v) for k, v in (metrics or {}).items()}
    except Exception as exc:  # recorded, ranked worst; the study goes on
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return EvalResult(math.nan, {}, time.perf_counter() - t0, tb)
    wall = time.perf_counter() - t0
    if not math.isfinite(score):
        return EvalResult(score, metrics, wall, f"non-finite score: {score}")
    return EvalResult(score, metrics, wall, None)


def evaluate_batch(genes: np.ndarray, task, seeds: np.ndarray) -> list[EvalResult]:
    """Evaluate rows of `genes` with the matching seeds, in order."""
    return [evaluate(g, task, int(s)) for g, s in zip(genes, seeds, strict=True)]
