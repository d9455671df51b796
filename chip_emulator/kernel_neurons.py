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

from chip_emulator.kernel_util import F0, F1, NOISE_SCALE, NOISE_SHIFT, TINY


@njit(cache=True, nogil=True)
def resting_term(n, VL, PM, OFF, out_c0):
    """``out_c0 = v_leak (1 - p_mem) + off_term`` (float32, the reference's order)."""
    for i in range(n):
        out_c0[i] = VL[i] * (F1 - PM[i]) + OFF[i]
    return 0


@njit(cache=True, nogil=True)
def neuron_step(noise_on, noise_draw, adex_on, n, V, C0, IE, II, PM, CE, CI, PE, PI, RNG, NS, REF,
                VR, TH, VL, WA, PW, AT, DT, VX, out_spike):
    """One step of ``n`` neurons; ``out_spike[i]`` (uint8) = 1 if neuron i spiked (its
    membrane is then at reset; the caller restarts its refractory count, sparsely: one
    stream fewer here). Writes V, IE, II, RNG, REF, WA, out_spike. (Counting spikes
    inside this loop cost 50 % more: the run loop finds them with an OR over the flags
    read as 64-bit words.)"""
    for i in range(n):
        ve = V[i]
        ie = IE[i]
        ii = II[i]
        vn = ve * PM[i] + C0[i] + ie * CE[i] - ii * CI[i]
        IE[i] = ie * PE[i]
        II[i] = ii * PI[i]
        if noise_on:  # a uniform 16-bit half of a xorshift32 draw, unit variance
            x = RNG[i]
            if noise_draw:  # even steps: a new draw, its low half
                x = np.uint32(x ^ np.uint32(x << np.uint32(13)))
                x = np.uint32(x ^ np.uint32(x >> np.uint32(17)))
                x = np.uint32(x ^ np.uint32(x << np.uint32(5)))
                RNG[i] = x
                u = x & np.uint32(0xFFFF)
            else:  # odd steps: the high half of the last draw
                u = x >> np.uint32(16)
            vn = vn + NS[i] * (np.float32(np.int32(u)) * NOISE_SCALE - NOISE_SHIFT)
        if adex_on:
            w = WA[i]
            dtl = DT[i]
            drive = -w
            if dtl > F0:
                drive += dtl * np.float32(np.exp(np.minimum((ve - VX[i]) / dtl,
                                                            np.float32(20.0))))
            vn = vn + drive * (F1 - PM[i])
            WA[i] = w * PW[i] + AT[i] * (ve - VL[i])
        # refractory counts are whole steps: a refractory neuron, or one that spikes,
        # is held at reset; selects, not blends (0.40 against 0.50 ns per neuron)
        rf = REF[i]
        inref = rf > F0
        sp = (vn >= TH[i]) & (not inref)
        V[i] = VR[i] if (inref | sp) else vn
        REF[i] = rf - np.float32(inref)  # a spiking neuron has rf = 0 here
        out_spike[i] = np.uint8(sp)
    return 0


@njit(cache=True, nogil=True)
def flush_currents(n, IE, II):
    """Zero currents below 2^-104 LSB (see kernel_util.TINY): called every FLUSH_EVERY
    steps, not every step."""
    for i in range(n):
        IE[i] = (IE[i] + TINY) - TINY
        II[i] = (II[i] + TINY) - TINY
    return 0
