"""Constants and scalar helpers of the compiled run loop (kernel.py and its kernel_*
modules): the splitmix64 stream, uniform doubles, the correlation sensors' 4th-order
exponential.

Sources: splitmix64 after Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators"; what makes the loop fast: ../shared/PERFORMANCE-NOTES.md.

Constants live here as data the kernels read at compile time; numba's disk cache keys a
function only by its own file, so a change here must also touch kernel.py (the loop
inlines every kernel_* module; see the cache guard in kernel.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit

SMALL_ROW = 8  # rows/columns up to this long are paired inline (a call costs more)
EVENT_CAP = 4096  # events delivered per step and hemisphere (inputs validated against it)
NO_EVENT = np.iinfo(np.int64).max  # 'no next explicit event' (np.iinfo in a loop is slow)
REBASE_TAUS = 30.0  # move the correlation time base after this many time constants
TRACE_FLOOR = np.float32(np.exp(-40.0))  # older traces are dropped at a rebase (kernel_synapses)
F0 = np.float32(0.0)
F1 = np.float32(1.0)
FHALF = np.float32(0.5)
C6 = np.float32(1.0 / 6.0)
C24 = np.float32(1.0 / 24.0)
# (x + TINY) - TINY zeroes |x| < 2^-104: a current left alone decays towards denormals,
# and its product with a coefficient (>= 2^-20) becomes denormal long before the current
# itself does; denormal arithmetic costs ~100x. 2^-104 LSB is physically zero.
TINY = np.float32(2.0**-80)
FLUSH_EVERY = 16  # steps between flushes of the decaying currents
# membrane noise: u uniform on 0 .. 65535 -> u NOISE_SCALE - NOISE_SHIFT, mean 0, var 1
NOISE_SCALE = np.float32(np.sqrt(12.0) / 65536.0)
NOISE_SHIFT = np.float32(np.sqrt(12.0) * 32767.5 / 65536.0)


@njit(cache=True, inline="always")
def splitmix64(state):
    """One step of splitmix64 (Steele et al. 2014): (new state, 64-bit output)."""
    s = state + np.uint64(0x9E3779B97F4A7C15)
    z = s
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return s, z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def uniform01(z):
    """(0, 1) double from a 64-bit output (top 53 bits)."""
    return (np.float64(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def exp_neg(u):
    """exp(-u) to 4th order, 1 - u + u^2/2 - u^3/6 + u^4/24 (positive for all u; error
    below |u|^5/120): the per-synapse time-constant factor of a correlation pair."""
    return F1 - u * (F1 - u * (FHALF - u * (C6 - u * C24)))
