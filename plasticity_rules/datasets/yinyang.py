"""The Yin-Yang dataset (Kriener, Goeltz & Petrovici 2022) and its spike-latency encoding.

Kriener, L., Goeltz, J. & Petrovici, M. A. (2022). The Yin-Yang dataset. NICE 2022.
(arXiv:2102.08211; reference generator: github.com/lkriener/yin_yang_data_set)

Points (x, y) are drawn uniformly in the disc of radius r_big centred on (r_big, r_big) and
labelled yin (1), yang (0) or dot (2) by the reference geometry: with d_r, d_l the distances
to the dot centres (1.5 r_big, r_big) and (0.5 r_big, r_big),

    dot  : d_r < r_small or d_l < r_small
    yin  : d_r <= r_small or r_small < d_l <= r_big/2 or (y > r_big and d_r > r_big/2)
    yang : otherwise.

As in the reference, the class of every sample is drawn first, uniformly (balanced classes),
and points are rejection-sampled until one falls into that class. Features are
(x, y, 1 - x, 1 - y). The reference seeds train 42, validation 41, test 40 with sizes
5000 / 1000 / 1000 are the defaults. The default generator is a local Mersenne-Twister
``RandomState(seed)`` drawn in the reference's order, so the sets are the published ones
point for point (the reference seeded numpy's global generator; we never do); the
alternative ``generator="pcg64"`` uses ``default_rng(seed)``: same distribution, other
points.

Encoding (Wunderlich & Pehle 2021, Fig. 3): each feature v in [0, 1] becomes one input spike
at t = v * t_max_ms (30 ms), plus a bias spike at t_bias_ms: five input channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["YinYangSplits", "yinyang", "yinyang_splits", "encode_yinyang", "which_class"]

CLASS_NAMES = ("yang", "yin", "dot")


def which_class(x: np.ndarray, y: np.ndarray, r_small: float = 0.1,
                r_big: float = 0.5) -> np.ndarray:
    """Class of each point (0 yang, 1 yin, 2 dot) by the reference geometry."""
    d_right = np.sqrt((x - 1.5 * r_big) ** 2 + (y - r_big) ** 2)
    d_left = np.sqrt((x - 0.5 * r_big) ** 2 + (y - r_big) ** 2)
    yin = ((d_right <= r_small) | ((d_left > r_small) & (d_left <= 0.5 * r_big))
           | ((y > r_big) & (d_right > 0.5 * r_big)))
    dots = (d_right < r_small) | (d_left < r_small)
    return np.where(dots, 2, yin.astype(np.int64))


def yinyang(n: int, seed: int, r_small: float = 0.1, r_big: float = 0.5,
            generator: str = "reference") -> tuple[np.ndarray, np.ndarray]:
    """n samples: features (n, 4) = (x, y, 1-x, 1-y) and labels (n,), from one explicit seed.

    ``generator="reference"`` draws from a local ``np.random.RandomState(seed)`` in the
    reference's order (class, then points until one falls into it), which reproduces the
    published data sets point for point; ``"pcg64"`` draws the same distribution from
    ``np.random.default_rng(seed)``. Neither touches numpy's global random state.
    """
    if n < 0 or not (0 < r_small < r_big / 2):
        raise ValueError(f"need n >= 0 and 0 < r_small < r_big/2, got {n}, {r_small}, {r_big}")
    if generator == "reference":
        rs, rng = np.random.RandomState(seed), None
    elif generator == "pcg64":
        rs, rng = None, np.random.default_rng(seed)
    else:
        raise ValueError(f"generator = {generator!r}: allowed are 'reference', 'pcg64'")
    xy = np.empty((n, 2))
    labels = np.empty(n, dtype=np.int64)
    for i in range(n):
        goal = rs.randint(3) if rs is not None else rng.integers(0, 3)
        while True:
            x, y = (rs.rand(2) if rs is not None else rng.random(2)) * 2.0 * r_big
            if np.sqrt((x - r_big) ** 2 + (y - r_big) ** 2) > r_big:
                continue
            if which_class(np.array(x), np.array(y), r_small, r_big) == goal:
                xy[i] = x, y
                labels[i] = goal
                break
    feats = np.concatenate([xy, 1.0 - xy], axis=1)
    return feats, labels


@dataclass(frozen=True)
class YinYangSplits:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def yinyang_splits(n_train: int = 5000, n_val: int = 1000, n_test: int = 1000,
                   seeds: tuple[int, int, int] = (42, 41, 40),
                   generator: str = "reference") -> YinYangSplits:
    """Train / validation / test sets drawn with distinct seeds (Kriener et al.: 42, 41, 40)."""
    if len(set(seeds)) != 3:
        raise ValueError(f"the three splits need distinct seeds, got {seeds}")
    x_tr, y_tr = yinyang(n_train, seeds[0], generator=generator)
    x_va, y_va = yinyang(n_val, seeds[1], generator=generator)
    x_te, y_te = yinyang(n_test, seeds[2], generator=generator)
    return YinYangSplits(x_tr, y_tr, x_va, y_va, x_te, y_te)


def encode_yinyang(features: np.ndarray, t_max_ms: float = 30.0,
                   t_bias_ms: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Spike-latency code: (idx, time) of shape (n, 5); channel 4 is the bias spike."""
    n = features.shape[0]
    time = np.empty((n, 5))
    time[:, :4] = features * t_max_ms
    time[:, 4] = t_bias_ms
    idx = np.tile(np.arange(5, dtype=np.int32), (n, 1))
    return idx, time
