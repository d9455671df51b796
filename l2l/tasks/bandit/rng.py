"""Explicit-state random numbers for numba kernels (no global RNG): pure functions that take a
64-bit state and return (new state, value).

- SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators";
  constants of Vigna's public-domain splitmix64.c): state += 0x9E3779B97F4A7C15, then a
  mixing function of the state.
- Uniform in [0, 1): the top 53 bits of a 64-bit draw times 2^-53.
- Standard normal: Box-Muller (Box & Muller 1958).
- Gamma(shape >= 1, 1): Marsaglia & Tsang (2000), "A simple method for generating gamma
  variables", ACM TOMS 26(3).
- Beta(a, b) = X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_POW_M53 = 1.0 / 9007199254740992.0


@njit(cache=True)
def splitmix64(state):
    """(state, z): the next state and its 64-bit output."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return state, z ^ (z >> _S31)


@njit(cache=True)
def uniform(state):
    """(state, u), u ~ U[0, 1) with 53 random bits."""
    state, z = splitmix64(state)
    return state, float(z >> _S11) * _TWO_POW_M53


@njit(cache=True)
def normal(state):
    """(state, x), x ~ N(0, 1) by Box-Muller: sqrt(-2 ln(1 - u1)) cos(2 pi u2)."""
    state, u1 = uniform(state)
    state, u2 = uniform(state)
    return state, np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
def gamma(state, shape):
    """(state, x), x ~ Gamma(shape, 1) for shape >= 1 (Marsaglia & Tsang 2000)."""
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    while True:
        state, x = normal(state)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        state, u = uniform(state)
        if np.log(u) < 0.5 * x * x + d - d * v + d * np.log(v):  # acceptance test
            return state, d * v


@njit(cache=True)
def beta(state, a, b):
    """(state, x), x ~ Beta(a, b) for a, b >= 1, as Gamma(a) / (Gamma(a) + Gamma(b))."""
    state, x = gamma(state, a)
    state, y = gamma(state, b)
    return state, x / (x + y)


@njit(cache=True)
def beta_samples(seed, a, b, out):
    """Fill `out` with Beta(a, b) samples from the state `seed` (for tests and inspection)."""
    state = np.uint64(seed)
    for i in range(out.size):
        state, out[i] = beta(state, a, b)
