"""Adam (Kingma & Ba 2015) as pure functions over lists of arrays.

    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2
    w <- w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AdamState", "adam_init", "adam_step"]


@dataclass
class AdamState:
    m: list[np.ndarray]
    v: list[np.ndarray]
    step: int = 0


def adam_init(params: list[np.ndarray]) -> AdamState:
    return AdamState([np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params], 0)


def adam_step(params: list[np.ndarray], grads: list[np.ndarray], state: AdamState, lr: float,
              b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
              ) -> tuple[list[np.ndarray], AdamState]:
    """New parameters and state; the inputs are left unchanged."""
    t = state.step + 1
    m = [b1 * mi + (1.0 - b1) * g for mi, g in zip(state.m, grads, strict=True)]
    v = [b2 * vi + (1.0 - b2) * g * g for vi, g in zip(state.v, grads, strict=True)]
    c1 = 1.0 - b1**t
    c2 = 1.0 - b2**t
    new = [p - lr * (mi / c1) / (np.sqrt(vi / c2) + eps)
           for p, mi, vi in zip(params, m, v, strict=True)]
    return new, AdamState(m, v, t)
