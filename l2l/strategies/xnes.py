"""xNES: exponential natural evolution strategy (full covariance, multiplicative updates).

Glasmachers, T., Schaul, T., Sun, Y., Wierstra, D. & Schmidhuber, J. (2010). Exponential
Natural Evolution Strategies. GECCO 2010. Algorithm 1 and its default learning rates;
utilities as in Wierstra et al. 2014 (JMLR 15), sec. 3.1. The search distribution is
N(mu, (sigma B)(sigma B)^T) with det B = 1.
The matrix exponential of the symmetric G_B is computed by eigendecomposition (NumPy only).
Bounds: genomes are clipped into the cube; the updates use the unclipped samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from l2l.strategies import shaping
from l2l.strategies.base import (
    BaseStrategy,
    NoiseParams,
    check_asked,
    check_choice,
    check_int,
    check_number,
    fork_rng,
)


def expm_sym(a: np.ndarray) -> np.ndarray:
    """exp(A) of a symmetric matrix: V diag(exp(w)) V^T."""
    w, v = np.linalg.eigh(a)
    return (v * np.exp(w)) @ v.T


@dataclass(frozen=True)
class XNESParams(NoiseParams):
    popsize: int | None = None  # None: 4 + floor(3 ln n)
    sigma0: float = 0.2  # initial std, fraction of each gene's range
    lr_mean: float = 1.0  # eta_mu
    lr_sigma: float | None = None  # eta_sigma; None: 3 (3 + ln n) / (5 n sqrt n)
    lr_b: float | None = None  # eta_B; None: as eta_sigma
    shaping: str = "nes"
    tolx: float = 1e-12  # stop when sigma times the largest axis falls below this

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("popsize", self.popsize, 2, allow_none=True)
        check_number("sigma0", self.sigma0, 0.0, 1.0, lo_open=True)
        check_number("lr_mean", self.lr_mean, 0.0, lo_open=True)
        for f in ("lr_sigma", "lr_b"):
            if getattr(self, f) is not None:
                check_number(f, getattr(self, f), 0.0, lo_open=True)
        check_choice("shaping", self.shaping, shaping.SHAPINGS)
        check_number("tolx", self.tolx, 0.0)


@dataclass(frozen=True)
class XNESState:
    mean: np.ndarray
    sigma: float
    b: np.ndarray  # shape matrix, det 1
    rng: np.random.Generator
    generation: int = 0
    asked: np.ndarray | None = None
    z: np.ndarray | None = None


class XNES(BaseStrategy):
    name = "xnes"
    Params = XNESParams

    def _sizes(self, n: int) -> tuple[int, float, float]:
        p = self.params
        lam = p.popsize or 4 + int(3 * math.log(n))
        eta = 3 * (3 + math.log(n)) / (5 * n * math.sqrt(n))  # Glasmachers et al. 2010, sec. 4
        return lam, p.lr_sigma or eta, p.lr_b or eta

    def _init(self, x0, rng):
        n = len(x0)
        return XNESState(mean=x0.copy(), sigma=float(self.params.sigma0), b=np.eye(n), rng=rng)

    def _ask(self, state):
        rng = fork_rng(state.rng)
        lam, _, _ = self._sizes(len(state.mean))
        z = rng.standard_normal((lam, len(state.mean)))  # s_k ~ N(0, I)
        x = np.clip(state.mean + state.sigma * z @ state.b.T, 0.0, 1.0)  # z_k = mu + sigma B s_k
        return x, replace(state, rng=rng, asked=x, z=z)

    def _tell(self, state, genomes, losses):
        p = self.params
        losses = check_asked(state.asked, genomes, losses)
        n = len(state.mean)
        _, eta_s, eta_b = self._sizes(n)
        u = shaping.shape(p.shaping, losses)
        z = state.z
        g_delta = u @ z  # G_delta = sum_k u_k s_k
        g_m = (z.T * u) @ z - u.sum() * np.eye(n)  # G_M = sum_k u_k (s_k s_k^T - I)
        g_sigma = np.trace(g_m) / n  # G_sigma = tr(G_M) / d
        g_b = g_m - g_sigma * np.eye(n)  # G_B = G_M - G_sigma I
        mean = state.mean + p.lr_mean * state.sigma * state.b @ g_delta  # mu += eta_mu sigma B G_delta
        sigma = state.sigma * math.exp(0.5 * eta_s * g_sigma)  # sigma *= exp(eta_sigma / 2 G_sigma)
        b = state.b @ expm_sym(0.5 * eta_b * g_b)  # B <- B exp(eta_B / 2 G_B)
        new = XNESState(
            mean=np.clip(mean, 0.0, 1.0), sigma=sigma, b=b, rng=state.rng, generation=state.generation + 1
        )
        axes = np.linalg.svd(b, compute_uv=False)
        return new, {"sigma": float(sigma), "axis_ratio": float(axes.max() / axes.min())}

    def _center(self, state):
        return state.mean

    def _stop(self, state):
        s = state.sigma * float(np.linalg.norm(state.b, 2))
        return {"tolx": s} if s < self.params.tolx else {}
