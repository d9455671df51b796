"""The cross-entropy method with noisy Gaussian sampling and smoothing.

Rubinstein, R. Y. (1999). The Cross-Entropy Method for Combinatorial and Continuous
Optimization. Methodology and Computing in Applied Probability 1(2). Noisy CE: Szita, I. &
Lőrincz, A. (2006). Learning Tetris Using the Noisy Cross-Entropy Method. Neural Computation
18(12): extra variance added each iteration, decaying. As used for the bandit experiments of
Bohnstingl et al. (2019), "Neuromorphic Hardware Learns to Learn" (Front. Neurosci. 13:483):
population 200, 30 iterations; their run script (IGITUGraz/L2L, CrossEntropyOptimizer with a
NoisyGaussian distribution) keeps the best rho = 6 % as elites, smooths with weight 0.3 on the
old parameters and adds noise 0.2 decaying by 0.925 per generation (in their gene units).

Update per generation t, with E the elites (the best ceil(rho lam) genomes):
  mu_{t+1}    = a mu_t + (1 - a) mean(E)                     (smoothing, a = `smoothing`)
  Sigma_{t+1} = a Sigma_t + (1 - a) cov(E) + eps_t I         (noisy CE, eps_t = `noise`)
  eps_{t+1}   = eps_t * noise_decay
Bounds: genomes are clipped into the cube; the elites are fitted as evaluated (clipped).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

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
class CEMParams(NoiseParams):
    popsize: int = 200  # Bohnstingl et al. 2019
    elite_fraction: float = 0.06  # rho of the bandit run script
    smoothing: float = 0.3  # weight of the old parameters
    sigma0: float = 0.2  # initial std per gene, fraction of the range
    noise: float = 0.01  # variance eps_0 added to Sigma each generation (unit-cube units)
    noise_decay: float = 0.925
    covariance: str = "full"  # full | diagonal
    tolx: float = 1e-12  # stop when the largest std falls below this

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("popsize", self.popsize, 2)
        check_number("elite_fraction", self.elite_fraction, 0.0, 1.0, lo_open=True)
        check_number("smoothing", self.smoothing, 0.0, 1.0, hi_open=True)
        check_number("sigma0", self.sigma0, 0.0, 1.0, lo_open=True)
        check_number("noise", self.noise, 0.0)
        check_number("noise_decay", self.noise_decay, 0.0, 1.0)
        check_choice("covariance", self.covariance, ("full", "diagonal"))
        check_number("tolx", self.tolx, 0.0)


@dataclass(frozen=True)
class CEMState:
    mean: np.ndarray
    cov: np.ndarray  # (n, n), diagonal when covariance=diagonal
    noise: float  # eps_t
    rng: np.random.Generator
    generation: int = 0
    asked: np.ndarray | None = None


def _sqrtm_psd(c: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((c + c.T) / 2)
    return v * np.sqrt(np.maximum(w, 0.0))


class CEM(BaseStrategy):
    name = "cem"
    Params = CEMParams

    def _init(self, x0, rng):
        n = len(x0)
        return CEMState(
            mean=x0.copy(), cov=np.eye(n) * self.params.sigma0**2, noise=float(self.params.noise), rng=rng
        )

    def _ask(self, state):
        rng = fork_rng(state.rng)
        z = rng.standard_normal((self.params.popsize, len(state.mean)))
        x = np.clip(state.mean + z @ _sqrtm_psd(state.cov).T, 0.0, 1.0)  # x ~ N(mu, Sigma)
        return x, replace(state, rng=rng, asked=x)

    def _tell(self, state, genomes, losses):
        p = self.params
        losses = check_asked(state.asked, genomes, losses)
        n_elite = max(1, math.ceil(p.elite_fraction * len(losses)))
        elite = state.asked[np.argsort(losses, kind="stable")[:n_elite]]
        a = p.smoothing
        mean = a * state.mean + (1 - a) * elite.mean(axis=0)  # mu <- a mu + (1 - a) mean(E)
        d = elite - elite.mean(axis=0)
        cov_e = d.T @ d / n_elite  # maximum-likelihood covariance of the elites
        if p.covariance == "diagonal":
            cov_e = np.diag(np.diag(cov_e))
        n = len(mean)
        cov = a * state.cov + (1 - a) * cov_e + state.noise * np.eye(n)  # + eps_t I (noisy CE)
        noise = state.noise * p.noise_decay  # eps_{t+1} = eps_t * decay
        new = CEMState(mean=mean, cov=cov, noise=noise, rng=state.rng, generation=state.generation + 1)
        return new, {"sigma": float(np.sqrt(np.trace(cov) / n)), "noise": float(state.noise)}

    def _center(self, state):
        return state.mean

    def _stop(self, state):
        s = float(np.sqrt(np.max(np.diag(state.cov))))
        return {"tolx": s} if s < self.params.tolx and state.noise < self.params.tolx**2 else {}
