"""Array-backed PPU I/O: one hemisphere's synapse array and neurons as plain numpy arrays.

The PPU-facing layout (what the processor sees, REFERENCE.md "The plasticity processor"):

* ``weights``, ``labels``: uint8 [rows, cols], 6-bit values (a write keeps byte & 0x3f);
* ``causal``, ``acausal``: uint8 [rows, cols], CADC readings that FALL as correlation
  accumulates (amplitude = baseline - reading); ``baseline``: uint8 [rows, cols], the
  reading right after a reset (at least 120 LSB on the chip);
* ``rates``: uint8 [cols] rate counters; ``membrane``: uint8 [cols] CADC membrane;
* ``rng``: uint16 [cols] column LFSR states (never 0);
* ``neuron_reset``: uint8 [cols], set to 1 for each neuron the program resets;
* ``corr_resets``: int64 [rows], counts the correlation resets per row (for tests).

Bytes cross the seam as int8: a CADC reading 200 arrives in a lane as -56; programs that
want 0..255 readings shift them right logically or work modulo 2^8.

Column random generators: 16-bit Galois LFSR, polynomial x^16 + x^14 + x^13 + x^11 + 1
(taps 0xB400, maximal length 65535); each read advances a generator 8 steps and returns
the low byte of its state (our choice; REFERENCE.md gives only "16-bit state, 8-bit
output").
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from . import isa
from .io_seam import register_backend

ArrayIO = namedtuple(
    "ArrayIO",
    ["weights", "labels", "causal", "acausal", "baseline", "rates", "membrane", "rng",
     "neuron_reset", "corr_resets"],
)

LFSR_TAPS = 0xB400


def make_array_io(rows: int = 256, cols: int = 256, seed: int = 0) -> ArrayIO:
    """An ArrayIO with zero weights, baseline 200 correlation readings and seeded LFSRs."""
    rng = np.random.default_rng(seed)
    base = np.full((rows, cols), 200, np.uint8)
    return ArrayIO(
        weights=np.zeros((rows, cols), np.uint8),
        labels=np.zeros((rows, cols), np.uint8),
        causal=base.copy(),
        acausal=base.copy(),
        baseline=base,
        rates=np.zeros(cols, np.uint8),
        membrane=np.zeros(cols, np.uint8),
        rng=rng.integers(1, 65536, cols).astype(np.uint16),
        neuron_reset=np.zeros(cols, np.uint8),
        corr_resets=np.zeros(rows, np.int64),
    )


@njit(inline="always")
def lfsr_step8(state):
    """Advance a 16-bit Galois LFSR (taps 0xB400) by 8 steps; return the new state."""
    s = np.int64(state) & 0xFFFF
    for _ in range(8):
        lsb = s & 1
        s >>= 1
        s ^= (-lsb) & LFSR_TAPS  # branch-free: xor the taps when the shifted-out bit was 1
    return s & 0xFFFF


def _check(io, kind, row, half):
    ncols = io.weights.shape[1]
    if half < 0 or half > 1 or half * 128 >= ncols:
        return isa.E_IO_RANGE
    if isa.IO_PER_ROW[kind]:
        if row < 0 or row >= io.weights.shape[0]:
            return isa.E_IO_RANGE
    elif row != 0:
        return isa.E_IO_RANGE
    return isa.E_OK


_check_nb = njit(inline="always")(_check)


def array_io_load(io, kind, row, half, out):
    err = _check_nb(io, kind, row, half)
    if err != 0:
        return err
    ncols = io.weights.shape[1]
    c0 = half * 128
    n = min(128, ncols - c0)
    for j in range(n, 128):
        out[j] = 0  # lanes beyond a small array's last column read 0
    if kind == isa.IO_WEIGHTS:
        for j in range(n):
            out[j] = np.int8(io.weights[row, c0 + j] & 0x3F)
    elif kind == isa.IO_LABELS:
        for j in range(n):
            out[j] = np.int8(io.labels[row, c0 + j] & 0x3F)
    elif kind == isa.IO_CAUSAL:
        for j in range(n):
            out[j] = np.int8(io.causal[row, c0 + j])
    elif kind == isa.IO_ACAUSAL:
        for j in range(n):
            out[j] = np.int8(io.acausal[row, c0 + j])
    elif kind == isa.IO_RATES or kind == isa.IO_RATES_CLEAR:
        for j in range(n):
            out[j] = np.int8(io.rates[c0 + j])
            if kind == isa.IO_RATES_CLEAR:
                io.rates[c0 + j] = 0
    elif kind == isa.IO_MEMBRANE:
        for j in range(n):
            out[j] = np.int8(io.membrane[c0 + j])
    elif kind == isa.IO_RNG:
        for j in range(n):
            s = lfsr_step8(io.rng[c0 + j])
            io.rng[c0 + j] = s
            out[j] = np.int8(s & 0xFF)
    else:
        return isa.E_IO_DIRECTION
    return isa.E_OK


def array_io_store(io, kind, row, half, vec, en, masked):
    err = _check_nb(io, kind, row, half)
    if err != 0:
        return err
    ncols = io.weights.shape[1]
    c0 = half * 128
    n = min(128, ncols - c0)
    if kind == isa.IO_WEIGHTS:
        for j in range(n):
            if (not masked) or en[j] != 0:
                io.weights[row, c0 + j] = np.uint8(vec[j]) & 0x3F
    elif kind == isa.IO_LABELS:
        for j in range(n):
            if (not masked) or en[j] != 0:
                io.labels[row, c0 + j] = np.uint8(vec[j]) & 0x3F
    elif kind == isa.IO_CORR_RESET:
        # the sensors reset per row (REFERENCE.md): whole row, both stores; the written
        # values and the lane mask are ignored
        for j in range(ncols):
            io.causal[row, j] = io.baseline[row, j]
            io.acausal[row, j] = io.baseline[row, j]
        io.corr_resets[row] += 1
    elif kind == isa.IO_NEURON_RESET:
        for j in range(n):
            if ((not masked) or en[j] != 0) and vec[j] != 0:
                io.neuron_reset[c0 + j] = 1
    else:
        return isa.E_IO_DIRECTION
    return isa.E_OK


register_backend(ArrayIO, array_io_load, array_io_store)
