"""Synapse arrays in the run loop (kernel.py): delivering one event to a row (currents
and the anti-causal sensors), pairing one post spike with its column (causal sensors),
and the correlation time base.

Source: nearest-neighbour correlation pairing of ../shared/REFERENCE.md "Correlation
sensors"; separable traces and the column-major causal store: PERFORMANCE-NOTES 4.

Separable traces: a pre spike at t_p stores ``A = exp(k0 t_p)`` per (row, address); at
a post spike at t, ``A exp(-k0 t) = exp(-k0 (t - t_p))``. Time is kept relative to a
base that ``rebase`` moves forward every ~30 time constants, so that A stays in float32
range. A synapse's own rate k0 (1 + delta) enters through ``exp_neg(k0 delta lag)``
(kernel_util). Per synapse, with int8 deviations q (chip.py):

    pair = eta0 (1 + q_eta ETA_STEP) exp(-k0 lag) exp_neg(q_delta DELTA_STEP k0 lag)

"Uniform" rows (every synapse of the row carries one label: the common case) keep one
pre trace per row, contiguous, so the causal update of a column vectorises; other rows
pair each synapse with the last pre spike of its own address.

Each loop over a row or a column is a function of its own, compiled alone: inlined into
the big loop, LLVM vectorised these loops worse (measured 2-3x slower per event). They
index 2-D arrays with a row index and an unsigned lane index, the form it vectorises
(a flat ``tpost[nb + j]`` with a computed offset ran 2.4x slower).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from chip_emulator.kernel_util import TRACE_FLOOR, exp_neg

# The pairing loops may fuse a multiply and an add into one FMA (rounded once): 15 %
# fewer cycles per synapse; the sensors are compared with the reference to a tolerance
# anyway (its exact exponential against exp_neg). Membranes and spikes stay bit-exact:
# nothing else is compiled with it.
CONTRACT = {"contract"}


@njit(cache=True, inline="always")
def uniform_rows(LAB2, APRE2, TPRE2, f, R, out_uni, out_a_row, out_t_row):
    """True if every row of pair ``f`` has one label on all its synapses; then
    ``out_uni[f, r]`` is it and ``out_a_row[f, r]``, ``out_t_row[f, r]`` the row's pre
    trace, copied from the (row, address) tables."""
    N = LAB2.shape[1]
    for r in range(R):
        fr = f * R + r
        first = LAB2[fr, 0]
        diff = 0
        for n in range(1, N):  # a vectorised OR, no early exit (10x faster on 256 lanes)
            diff |= LAB2[fr, n] ^ first
        if diff != 0:
            return False
        out_uni[f, r] = first
        out_a_row[f, r] = APRE2[fr, first]
        out_t_row[f, r] = TPRE2[fr, first]
    return True


@njit(cache=True, inline="always")
def sync_rows(APRE2, TPRE2, f, R, uni, a_row, t_row):
    """Write the per-row pre traces of a uniform pair ``f`` back into its (row,
    address) tables. During a run a uniform row's event updates only ``a_row, t_row``
    (two cache lines fewer per event: the tables, 2 KB per 4-row agent, do not stay in
    cache for a batch of thousands); the tables are brought up to date before the PPU
    may change labels and at the end of the run, so they hold what an update per event
    would have left."""
    for r in range(R):
        fr = f * R + r
        APRE2[fr, uni[f, r]] = a_row[f, r]
        TPRE2[fr, uni[f, r]] = t_row[f, r]


@njit(cache=True, nogil=True)
def deliver_row(I2, W2, G2, f, fr, NU):
    """Add ``weight * gain`` of row ``fr`` to the currents ``I2[f]`` (the row's sign
    chose I2: excitatory or inhibitory)."""
    for n in range(NU):
        I2[f, n] += np.float32(W2[fr, n]) * G2[fr, n]


@njit(cache=True, nogil=True)
def deliver_row_masked(I2, W2, G2, LAB2, f, fr, NU, addr):
    """``deliver_row`` for the synapses of the row labelled ``addr`` only."""
    for n in range(NU):
        m = np.float32(LAB2[fr, n] == addr)
        I2[f, n] += m * (np.float32(W2[fr, n]) * G2[fr, n])


@njit(cache=True, nogil=True, fastmath=CONTRACT)
def acausal_row(ACA2, ETA2, DLA2, TPOST2, BPOST2, f, fr, NU, trel, ga, k, e0, eq):
    """Anti-causal pairing of a pre spike on row ``fr`` (now, ``trel``) with the last
    post spike of each neuron of pair ``f``."""
    for n in range(NU):
        u = np.float32(DLA2[fr, n]) * ((trel - TPOST2[f, n]) * k)
        eta = e0 + np.float32(ETA2[fr, n]) * eq
        ACA2[fr, n] += eta * (BPOST2[f, n] * ga * exp_neg(u))


@njit(cache=True, nogil=True, fastmath=CONTRACT)
def acausal_row_masked(ACA2, ETA2, DLA2, LAB2, TPOST2, BPOST2, f, fr, NU, addr, trel, ga, k, e0,
                       eq):
    """``acausal_row`` for the synapses of the row labelled ``addr`` only."""
    for n in range(NU):
        m = np.float32(LAB2[fr, n] == addr)
        u = np.float32(DLA2[fr, n]) * ((trel - TPOST2[f, n]) * k)
        eta = e0 + np.float32(ETA2[fr, n]) * eq
        ACA2[fr, n] += m * (eta * (BPOST2[f, n] * ga * exp_neg(u)))


@njit(cache=True, nogil=True, fastmath=CONTRACT)
def causal_column(CAU2, ETC2, DLC2, a_row, t_row, i, f, RU, tp, gc, k, e0, eq):
    """Causal pairing of a post spike of neuron column ``i`` (pair ``f``, at ``tp``)
    with its rows' last pre spikes (uniform rows: contiguous per-row traces)."""
    for r in range(RU):
        u = np.float32(DLC2[i, r]) * ((tp - t_row[f, r]) * k)
        eta = e0 + np.float32(ETC2[i, r]) * eq
        CAU2[i, r] += eta * (a_row[f, r] * gc * exp_neg(u))


@njit(cache=True, nogil=True, fastmath=CONTRACT)
def causal_column_by_address(CAU2, ETC2, DLC2, LABT2, APRE2, TPRE2, i, f, R, RU, tp, gc, k, e0,
                             eq):
    """``causal_column`` where each synapse pairs with the last pre spike of its own
    address (rows with mixed labels)."""
    for r in range(RU):
        fr = np.uint64(f * R) + r
        a = LABT2[i, r]
        u = np.float32(DLC2[i, r]) * ((tp - TPRE2[fr, a]) * k)
        eta = e0 + np.float32(ETC2[i, r]) * eq
        CAU2[i, r] += eta * (APRE2[fr, a] * gc * exp_neg(u))


@njit(cache=True, inline="always")
def rebase(APRE2, TPRE2, a_row, t_row, TPOST, BPOST, w0, w1, R, N, gc, ga, tshift):
    """Move the time base of pairs ``w0 .. w1 - 1`` forward by ``tshift``: pre traces
    *= gc = exp(-k_c tshift), post traces *= ga, stored times -= tshift.

    A trace factor that falls below ``TRACE_FLOOR`` = exp(-40) (its spike is over 40
    time constants old) is set to 0: it could pair for at most exp(-40) eta, 4e-18 of
    an amplitude, but within the next 30 time constants its product with the step's
    factor would turn denormal, and a few denormal lanes made a whole column update
    2.3x slower (3 of 256 rows measured: 0.36 -> 0.80 ns per synapse)."""
    for fr in range(w0 * R, w1 * R):
        for a in range(64):
            x = APRE2[fr, a] * gc
            APRE2[fr, a] = x * np.float32(x >= TRACE_FLOOR)
            TPRE2[fr, a] -= tshift
    for f in range(w0, w1):
        for r in range(R):
            x = a_row[f, r] * gc
            a_row[f, r] = x * np.float32(x >= TRACE_FLOOR)
            t_row[f, r] -= tshift
    for i in range(w0 * N, w1 * N):
        x = BPOST[i] * ga
        BPOST[i] = x * np.float32(x >= TRACE_FLOOR)
        TPOST[i] -= tshift
