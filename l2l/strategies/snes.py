"""SNES: separable natural evolution strategy (a diagonal Gaussian adapted by natural gradients).

Schaul, T., Glasmachers, T. & Schmidhuber, J. (2011). High Dimensions and Heavy Tails for
Natural Evolution Strategies. GECCO 2011. Algorithm 2 (SNES) and its default learning rates;
utilities as in Wierstra et al. 2014 (JMLR 15), sec. 3.1.
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


@dataclass(frozen=True)
class SNESParams(NoiseParams):
    popsize: int | None = None  # None: 4 + floor(3 ln n)
    sigma0: float = 0.2  # initial std, fraction of each gene's range
    lr_mean: float = 1.0  # eta_mu
    lr_sigma: float | None = None  # eta_sigma; None: (3 + ln n) / (5 sqrt n)
    shaping: str = "nes"
    tolx: float = 1e-12  # stop when every sigma falls below this

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("popsize", self.popsize, 2, allow_none=True)
        check_number("sigma0", self.sigma0, 0.0, 1.0, lo_open=True)
        check_number("lr_mean", self.lr_mean, 0.0, lo_open=True)
        if self.lr_sigma is not None:
            check_number("lr_sigma", self.lr_sigma, 0.0, lo_open=True)
        check_choice("shaping", self.shaping, shaping.SHAPINGS)
        check_number("tolx", self.tolx, 0.0)


@dataclass(frozen=True)
class SNESState:
    mean: np.ndarray
    sigma: np.ndarray  # one std per gene
    rng: np.random.Generator
    generation: int = 0
    asked: np.ndarray | None = None
    z: np.ndarray | None = None


class SNES(BaseStrategy):
    name = "snes"
    Params = SNESParams

    def _sizes(self, n: int) -> tuple[int, float]:
        p = self.params
        lam = p.popsize or 4 + int(3 * math.log(n))
        eta_s = p.lr_sigma or (3 + math.log(n)) / (5 * math.sqrt(n))  # Schaul et al. 2011, Table 1
        return lam, eta_s

    def _init(self, x0, rng):
        return SNESState(mean=x0.copy(), sigma=np.full(len(x0), float(self.params.sigma0)), rng=rng)

    def _ask(self, state):
        rng = fork_rng(state.rng)
        lam, _ = self._sizes(len(state.mean))
        z = rng.standard_normal((lam, len(state.mean)))  # s_k ~ N(0, I)
        x = np.clip(state.mean + state.sigma * z, 0.0, 1.0)  # z_k = mu + sigma * s_k
        return x, replace(state, rng=rng, asked=x, z=z)

    def _tell(self, state, genomes, losses):
        p = self.params
        losses = check_asked(state.asked, genomes, losses)
        _, eta_s = self._sizes(len(state.mean))
        u = shaping.shape(p.shaping, losses)
        g_mu = u @ state.z  # nabla_mu J = sum_k u_k s_k
        g_sigma = u @ (state.z**2 - 1.0)  # nabla_sigma J = sum_k u_k (s_k^2 - 1)
        mean = np.clip(state.mean + p.lr_mean * state.sigma * g_mu, 0.0, 1.0)  # mu += eta_mu sigma g_mu
        sigma = state.sigma * np.exp(0.5 * eta_s * g_sigma)  # sigma *= exp(eta_sigma / 2 g_sigma)
        new = SNESState(mean=mean, sigma=sigma, rng=state.rng, generation=state.generation + 1)
        return new, {"sigma": float(sigma.mean()), "sigma_max": float(sigma.max())}

    def _center(self, state):
        return state.mean

    def _stop(self, state):
        s = float(np.max(state.sigma))
        return {"tolx": s} if s < self.params.tolx else {}
