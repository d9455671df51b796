"""The one place a task's score becomes the loss a strategy minimises.

Failed evaluations (an exception, a timeout, a NaN or infinite score) are ranked worst:
they get a loss above every finite loss of the batch, so rank-based strategies see them
last and the run goes on.
"""

from __future__ import annotations

import numpy as np


def to_loss(score: np.ndarray, direction: str) -> np.ndarray:
    """Loss (lower is better) of scores that rank by `direction`."""
    score = np.asarray(score, dtype=np.float64)
    if direction == "minimize":
        return score.copy()
    if direction == "maximize":
        return -score
    raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")


def rankable_losses(losses: np.ndarray) -> np.ndarray:
    """Replace NaN/inf losses by a finite value worse than every finite one."""
    losses = np.asarray(losses, dtype=np.float64)
    bad = ~np.isfinite(losses)
    if not bad.any():
        return losses.copy()
    finite = losses[~bad]
    worst = float(finite.max()) if finite.size else 0.0
    out = losses.copy()
    out[bad] = worst + max(1.0, abs(worst))  # strictly worse, and finite
    return out


def aggregate_repetitions(losses: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Per individual: the mean loss over repetitions; NaN if any repetition failed.

    losses, ok: shape (popsize, repetitions).
    """
    losses = np.asarray(losses, dtype=np.float64)
    ok = np.asarray(ok, dtype=bool) & np.isfinite(losses)
    mean = np.where(ok, losses, 0.0).mean(axis=1)
    return np.where(ok.all(axis=1), mean, np.nan)
