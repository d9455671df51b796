"""One exact integration step of a flat range of neurons (LIF, optionally AdEx terms and
membrane noise), the denormal flush of the currents. Called once per step by the run
loop (kernel.py) for all neurons of all its (instance, hemisphere) pairs at once, so
that a batch of 3-neuron agents fills SIMD lanes like one big chip.

Source: exact integration after Rotter & Diesmann 1999 (coefficients and equations in
chip.py); AdEx terms (Brette & Gerstner 2005) by exponential Euler:

    V(t+h) = V p_mem + c0 + I_exc c_exc - I_inh c_inh + noise     c0 = v_leak (1 - p_mem)
             + (delta_t exp((V - v_exp) / delta_t) - w) (1 - p_mem)       [AdEx only]
    I_x(t+h) = I_x p_x;   w <- w p_w + a_term (V - v_leak)                [AdEx only]

c0 (with the offset current's term) is one array precomputed per call: a loop of this
size is bound by its memory streams, and every stream dropped counts (about 10 %).
Every branch is loop-invariant or written as arithmetic (PERFORMANCE-NOTES 1), so the
loop vectorises.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from chip_emulator.kernel_util import F0, F1, NOISE_INV_STD, NOISE_MEAN, TINY


@njit(cache=True, nogil=True)
def resting_term(n, VL, PM, OFF, out_c0):
    """``out_c0 = v_leak (1 - p_mem) + off_term`` (float32, the reference's order)."""
    for i in range(n):
        out_c0[i] = VL[i] * (F1 - PM[i]) + OFF[i]
    return 0


@njit(cache=True, nogil=True)
def neuron_step(noise_on, adex_on, n, V, C0, IE, II, PM, CE, CI, PE, PI, RNG, NS, REF, VR, TH,
                RS, VL, WA, PW, AT, DT, VX, out_spike):
    """One step of ``n`` neurons; ``out_spike[i]`` = 1 if neuron i spiked (its membrane
    is then at reset and its refractory count restarted). Writes V, IE, II, RNG, REF,
    WA, out_spike. (Counting spikes inside this loop cost 50 % more: the count is a
    separate, vectorised integer sum.)"""
    for i in range(n):
        ve = V[i]
        ie = IE[i]
        ii = II[i]
        vn = ve * PM[i] + C0[i] + ie * CE[i] - ii * CI[i]
        IE[i] = ie * PE[i]
        II[i] = ii * PI[i]
        if noise_on:  # xorshift32, then the sum of its 4 bytes: about Gaussian
            x = RNG[i]
            x = np.uint32(x ^ np.uint32(x << np.uint32(13)))
            x = np.uint32(x ^ np.uint32(x >> np.uint32(17)))
            x = np.uint32(x ^ np.uint32(x << np.uint32(5)))
            RNG[i] = x
            s = ((x & np.uint32(255)) + ((x >> np.uint32(8)) & np.uint32(255))
                 + ((x >> np.uint32(16)) & np.uint32(255)) + (x >> np.uint32(24)))
            vn = vn + NS[i] * ((np.float32(np.int32(s)) - NOISE_MEAN) * NOISE_INV_STD)
        if adex_on:
            w = WA[i]
            dtl = DT[i]
            drive = -w
            if dtl > F0:
                drive += dtl * np.float32(np.exp(np.minimum((ve - VX[i]) / dtl,
                                                            np.float32(20.0))))
            vn = vn + drive * (F1 - PM[i])
            WA[i] = w * PW[i] + AT[i] * (ve - VL[i])
        rf = REF[i]
        inref = np.minimum(rf, F1)
        r0 = VR[i]
        vn = vn + inref * (r0 - vn)
        rf = rf - inref
        sp = np.float32(vn >= TH[i]) * (F1 - inref)
        vn = vn + sp * (r0 - vn)
        V[i] = vn
        REF[i] = rf + sp * RS[i]
        out_spike[i] = np.int32(sp)
    return 0


@njit(cache=True, nogil=True)
def flush_currents(n, IE, II):
    """Zero currents below 2^-104 LSB (see kernel_util.TINY): called every FLUSH_EVERY
    steps, not every step."""
    for i in range(n):
        IE[i] = (IE[i] + TINY) - TINY
        II[i] = (II[i] + TINY) - TINY
    return 0
