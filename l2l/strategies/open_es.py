"""OpenAI-ES: a fixed-variance Gaussian search distribution whose mean follows a gradient estimate.

Salimans, T., Ho, J., Chen, X., Sidor, S. & Sutskever, I. (2017). Evolution Strategies as a
Scalable Alternative to Reinforcement Learning. arXiv:1703.03864. Algorithm 1 (gradient
estimate), sec. 2.2 (mirrored/antithetic sampling, centred ranks, weight decay), with the
mean stepped by Adam (Kingma & Ba 2015) or ClipUp (Toklu et al. 2020), see `optimizers`.

Weight decay pulls the mean towards the middle of the unit cube, the neutral point of every
gene's range (the paper's L2 penalty pulls network weights towards 0).
Bounds: genomes are clipped into the cube; the gradient uses the unclipped perturbations, and
the mean is clipped into the cube after each step.
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
class OpenESParams(NoiseParams):
    popsize: int = 50  # offspring per generation (even when antithetic)
    sigma0: float = 0.05  # fixed perturbation std, fraction of each gene's range
    lr: float = 0.02  # step size of the optimiser (fraction of the range)
    optimizer: str = "adam"  # adam | clipup | sgd
    beta1: float = 0.9  # Adam's beta1 / ClipUp's and SGD's momentum
    beta2: float = 0.999  # Adam's beta2
    max_speed: float | None = None  # ClipUp's velocity bound; None: 2 * lr (Toklu et al. 2020)
    weight_decay: float = 0.0  # L2 pull of the mean towards the middle of the cube
    antithetic: bool = True  # mirrored pairs (x + s e, x - s e)
    shaping: str = "centered_ranks"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("popsize", self.popsize, 2)
        if self.antithetic and self.popsize % 2:
            raise ValueError(f"strategy.popsize must be even with antithetic sampling, got {self.popsize}")
        check_number("sigma0", self.sigma0, 0.0, 1.0, lo_open=True)
        check_number("lr", self.lr, 0.0, lo_open=True)
        check_choice("optimizer", self.optimizer, optimizers.OPTIMIZERS)
        check_number("beta1", self.beta1, 0.0, 1.0, hi_open=True)
        check_number("beta2", self.beta2, 0.0, 1.0, hi_open=True)
        if self.max_speed is not None:
            check_number("max_speed", self.max_speed, 0.0, lo_open=True)
        check_number("weight_decay", self.weight_decay, 0.0)
        check_choice("shaping", self.shaping, shaping.SHAPINGS)


@dataclass(frozen=True)
class OpenESState:
    mean: np.ndarray
    opt: dict  # optimiser state (moments, step count)
    rng: np.random.Generator
    generation: int = 0
    asked: np.ndarray | None = None
    eps: np.ndarray | None = None  # the standard-normal perturbations of the pending ask


class OpenES(BaseStrategy):
    name = "open_es"
    Params = OpenESParams

    def _init(self, x0, rng):
        return OpenESState(mean=x0.copy(), opt=optimizers.init_state(len(x0)), rng=rng)

    def _ask(self, state):
        p, rng = self.params, fork_rng(state.rng)
        n = len(state.mean)
        if p.antithetic:
            half = rng.standard_normal((p.popsize // 2, n))
            eps = np.concatenate([half, -half])  # mirrored sampling (sec. 2.2)
        else:
            eps = rng.standard_normal((p.popsize, n))
        x = np.clip(state.mean + p.sigma0 * eps, 0.0, 1.0)
        return x, replace(state, rng=rng, asked=x, eps=eps)

    def _tell(self, state, genomes, losses):
        p = self.params
        losses = check_asked(state.asked, genomes, losses)
        u = shaping.shape(p.shaping, losses)
        grad = state.eps.T @ u / (len(u) * p.sigma0)  # Alg. 1: g = 1/(n s) sum_i F_i e_i
        grad = grad - p.weight_decay * (state.mean - 0.5)  # L2 penalty, towards the cube's middle
        delta, opt = optimizers.step(
            p.optimizer, grad, state.opt, p.lr, p.beta1, p.beta2, max_speed=p.max_speed
        )
        mean = np.clip(state.mean + delta, 0.0, 1.0)
        stats = {"grad_norm": float(np.linalg.norm(grad)), "step": float(np.linalg.norm(delta))}
        return OpenESState(mean=mean, opt=opt, rng=state.rng, generation=state.generation + 1), stats

    def _center(self, state):
        return state.mean
