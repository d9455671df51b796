"""Gradient-ascent steps on the search distribution's mean, shared by OpenAI-ES and PGPE.

Each optimiser is a pure function `step(name, grad, opt_state, params) -> (delta, new_state)`
with its state a small dict of arrays, so it pickles with the strategy state. `grad` is an
ascent direction (of expected utility); the returned `delta` is added to the mean.

- sgd: delta = lr * g (with momentum m = beta1 m + g, Polyak 1964, when beta1 > 0).
- adam: Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1.
- clipup: Toklu et al. 2020, "ClipUp: A Simple and Powerful Optimizer for Distribution-based
  Policy Evolution", PPSN XVI, Algorithm 1: normalised gradient step, heavy-ball momentum,
  velocity clipped to max_speed.
"""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("sgd", "adam", "clipup")


def init_state(dim: int) -> dict:
    return {"m": np.zeros(dim), "v": np.zeros(dim), "t": 0}


def step(
    name: str,
    grad: np.ndarray,
    state: dict,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    max_speed: float | None = None,
) -> tuple[np.ndarray, dict]:
    t = state["t"] + 1
    if name == "sgd":
        m = beta1 * state["m"] + grad  # heavy-ball momentum
        return lr * m, {"m": m, "v": state["v"], "t": t}
    if name == "adam":
        m = beta1 * state["m"] + (1 - beta1) * grad  # Alg. 1: m_t = b1 m_{t-1} + (1 - b1) g_t
        v = beta2 * state["v"] + (1 - beta2) * grad * grad  # v_t = b2 v_{t-1} + (1 - b2) g_t^2
        m_hat = m / (1 - beta1**t)  # bias corrections
        v_hat = v / (1 - beta2**t)
        return lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}
    if name == "clipup":
        norm = np.linalg.norm(grad)
        g = grad / norm if norm > 0 else grad  # Alg. 1: normalised gradient
        vel = beta1 * state["m"] + lr * g  # v_t = m v_{t-1} + alpha g / ||g||
        speed = np.linalg.norm(vel)
        ms = max_speed if max_speed is not None else 2.0 * lr
        if speed > ms:
            vel = vel * (ms / speed)  # clip the velocity to max_speed
        return vel, {"m": vel, "v": state["v"], "t": t}
    raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {name!r}")
