"""Fitness shaping: losses -> utilities, shared by the gradient-based strategies.

Every function maps the losses of one generation (lower is better) to utilities u (higher is
better) that are invariant to the loss's scale; the strategies then ascend E[u]. Ties get
equal utilities (ranks are averaged), so the order of equal losses never matters.

- centered_ranks: ranks scaled to [-0.5, 0.5] (Salimans et al. 2017, "Evolution Strategies
  as a Scalable Alternative to Reinforcement Learning", arXiv:1703.03864, sec. 2.2).
- z_score: (mean - loss) / std, a location-scale normalisation (no ranks; keeps magnitudes).
- cma_weights: the CMA-ES recombination weights w_i = ln((lam + 1) / 2) - ln i for the
  best mu = lam // 2, normalised to sum 1, zero for the rest (Hansen 2016, arXiv:1604.00772,
  eq. 49 with positive weights only), minus 1/lam so they sum to zero.
- nes: the NES utilities u_k = max(0, ln(lam/2 + 1) - ln k) / sum_j(...) - 1/lam
  (Wierstra et al. 2014, JMLR 15, "Natural Evolution Strategies", sec. 3.1), default of
  SNES and xNES.
- raw: minus the loss, centred (no shaping).
"""

from __future__ import annotations

import numpy as np

SHAPINGS = ("centered_ranks", "z_score", "cma_weights", "nes", "raw")


def ranks(losses: np.ndarray) -> np.ndarray:
    """0-based ranks (0 = lowest loss), ties averaged."""
    losses = np.asarray(losses, dtype=np.float64)
    order = np.argsort(losses, kind="stable")
    r = np.empty(len(losses))
    r[order] = np.arange(len(losses), dtype=np.float64)
    # average the ranks of equal losses
    _, inverse, counts = np.unique(losses, return_inverse=True, return_counts=True)
    if counts.max(initial=1) > 1:
        sums = np.bincount(inverse, weights=r)
        r = sums[inverse] / counts[inverse]
    return r


def centered_ranks(losses: np.ndarray) -> np.ndarray:
    n = len(losses)
    if n < 2:
        return np.zeros(n)
    return 0.5 - ranks(losses) / (n - 1)  # best +0.5, worst -0.5 (Salimans et al. 2017)


def z_score(losses: np.ndarray) -> np.ndarray:
    losses = np.asarray(losses, dtype=np.float64)
    d = losses - losses.mean()
    std = d.std()
    # equal losses (up to rounding of the mean) carry no information: all utilities 0
    if not std > 1e-12 * max(1.0, float(np.abs(losses).max(initial=0.0))):
        return np.zeros(len(losses))
    return -d / std


def _rank_weights(losses: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weight w[k] for the loss of rank k; a tied group shares the mean weight of its ranks."""
    r = ranks(losses)
    u = np.empty(len(w))
    for value in np.unique(r):
        idx = np.flatnonzero(r == value)
        k = int(round(value - (len(idx) - 1) / 2))  # first rank the group spans
        u[idx] = w[k : k + len(idx)].mean()
    return u


def cma_weights(losses: np.ndarray) -> np.ndarray:
    lam = len(losses)
    mu = max(lam // 2, 1)
    w = np.log((lam + 1) / 2.0) - np.log(np.arange(1, lam + 1))  # eq. 49
    w[mu:] = 0.0
    w = np.maximum(w, 0.0)
    w = w / w.sum() if w.sum() > 0 else np.full(lam, 1.0 / lam)
    return _rank_weights(losses, w) - 1.0 / lam  # centred: the utilities sum to zero


def nes_utilities(losses: np.ndarray) -> np.ndarray:
    lam = len(losses)
    w = np.maximum(0.0, np.log(lam / 2.0 + 1.0) - np.log(np.arange(1, lam + 1)))  # sec. 3.1
    w = w / w.sum()
    return _rank_weights(losses, w) - 1.0 / lam


def raw(losses: np.ndarray) -> np.ndarray:
    losses = np.asarray(losses, dtype=np.float64)
    return losses.mean() - losses


def shape(name: str, losses: np.ndarray) -> np.ndarray:
    """Utilities of `losses` by the shaping called `name` (one of SHAPINGS)."""
    if name == "centered_ranks":
        return centered_ranks(losses)
    if name == "z_score":
        return z_score(losses)
    if name == "cma_weights":
        return cma_weights(losses)
    if name == "nes":
        return nes_utilities(losses)
    if name == "raw":
        return raw(losses)
    raise ValueError(f"fitness shaping must be one of {list(SHAPINGS)}, got {name!r}")
