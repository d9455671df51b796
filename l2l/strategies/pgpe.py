"""PGPE: policy gradients with parameter-based exploration, symmetric sampling, ClipUp.

Sehnke, F., Osendorfer, C., Rückstieß, T., Graves, A., Peters, J. & Schmidhuber, J. (2010).
Parameter-exploring policy gradients. Neural Networks 23(4), 551-559: symmetric sampling
(sec. 4.1) and its mean and std gradients. Toklu, N. E., Liskowski, P. & Srivastava, R. K.
(2020). ClipUp: A Simple and Powerful Optimizer for Distribution-based Policy Evolution.
PPSN XVI: the mean follows ClipUp (its defaults: momentum 0.9, step size = max_speed / 2,
centred ranks, std learning rate 0.1, relative std change bounded by 0.2).
Bounds: genomes are clipped into the cube; gradients use the unclipped perturbations; the
mean is clipped into the cube and sigma is kept within [sigma_min, 0.5].
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from l2l.strategies import optimizers, shaping
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
class PGPEParams(NoiseParams):
    popsize: int = 40  # even: popsize / 2 symmetric pairs
    sigma0: float = 0.1  # initial std per gene, fraction of the range
    lr: float = 0.05  # center step size (ClipUp: alpha = max_speed / 2)
    max_speed: float | None = None  # ClipUp velocity bound; None: 2 * lr
    momentum: float = 0.9
    optimizer: str = "clipup"  # clipup | adam | sgd
    lr_sigma: float = 0.1  # std learning rate
    sigma_max_change: float = 0.2  # bound on the relative change of sigma per generation
    sigma_min: float = 1e-12
    shaping: str = "centered_ranks"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("popsize", self.popsize, 2)
        if self.popsize % 2:
            raise ValueError(f"strategy.popsize must be even (symmetric pairs), got {self.popsize}")
        check_number("sigma0", self.sigma0, 0.0, 0.5, lo_open=True)
        check_number("lr", self.lr, 0.0, lo_open=True)
        if self.max_speed is not None:
            check_number("max_speed", self.max_speed, 0.0, lo_open=True)
        check_number("momentum", self.momentum, 0.0, 1.0, hi_open=True)
        check_choice("optimizer", self.optimizer, optimizers.OPTIMIZERS)
        check_number("lr_sigma", self.lr_sigma, 0.0)
        check_number("sigma_max_change", self.sigma_max_change, 0.0, 1.0, lo_open=True, hi_open=True)
        check_number("sigma_min", self.sigma_min, 0.0, 0.5)
        check_choice("shaping", self.shaping, shaping.SHAPINGS)


@dataclass(frozen=True)
class PGPEState:
    mean: np.ndarray
    sigma: np.ndarray
    opt: dict
    rng: np.random.Generator
    generation: int = 0
    asked: np.ndarray | None = None
    eps: np.ndarray | None = None  # perturbations of the pairs, shape (popsize / 2, n)


class PGPE(BaseStrategy):
    name = "pgpe"
    Params = PGPEParams

    def _init(self, x0, rng):
        n = len(x0)
        sigma = np.full(n, float(self.params.sigma0))
        return PGPEState(mean=x0.copy(), sigma=sigma, opt=optimizers.init_state(n), rng=rng)

    def _ask(self, state):
        rng = fork_rng(state.rng)
        eps = rng.standard_normal((self.params.popsize // 2, len(state.mean))) * state.sigma  # e ~ N(0, s^2)
        x = np.clip(np.concatenate([state.mean + eps, state.mean - eps]), 0.0, 1.0)  # theta +- e
        return x, replace(state, rng=rng, asked=x, eps=eps)

    def _tell(self, state, genomes, losses):
        p = self.params
        losses = check_asked(state.asked, genomes, losses)
        u = shaping.shape(p.shaping, losses)
        half = len(u) // 2
        r_plus, r_minus = u[:half], u[half:]
        eps, sigma = state.eps, state.sigma
        g_mu = eps.T @ ((r_plus - r_minus) / 2) / half  # sym. sampling: sum e (r+ - r-) / 2
        b = u.mean()  # baseline
        # sum_i ((r+ + r-) / 2 - b) (e_i^2 - s^2) / s
        g_sigma = ((r_plus + r_minus) / 2 - b) @ ((eps**2 - sigma**2) / sigma) / half
        delta, opt = optimizers.step(p.optimizer, g_mu, state.opt, p.lr, p.momentum, max_speed=p.max_speed)
        mean = np.clip(state.mean + delta, 0.0, 1.0)
        step = np.clip(p.lr_sigma * g_sigma, -p.sigma_max_change * sigma, p.sigma_max_change * sigma)
        sigma = np.clip(sigma + step, p.sigma_min, 0.5)
        new = PGPEState(mean=mean, sigma=sigma, opt=opt, rng=state.rng, generation=state.generation + 1)
        return new, {"sigma": float(sigma.mean()), "step": float(np.linalg.norm(delta))}

    def _center(self, state):
        return state.mean
