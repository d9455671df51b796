"""Array-backed PPU I/O: one hemisphere's synapse array and neurons as plain numpy arrays.

The PPU-facing layout (what the processor sees, REFERENCE.md "The plasticity processor"):

* ``rows``: uint8 [4, rows, cols], indexed by the I/O kind: ``rows[isa.IO_WEIGHTS]``
  and ``rows[isa.IO_LABELS]`` hold 6-bit values (a write keeps byte & 0x3f);
  ``rows[isa.IO_CAUSAL]`` and ``rows[isa.IO_ACAUSAL]`` hold CADC readings that FALL as
  correlation accumulates (amplitude = baseline - reading);
* ``baseline``: uint8 [rows, cols], the reading right after a reset (>= 120 on the chip);
* ``neurons``: uint8 [2, cols]: ``neurons[RATES]`` rate counters, ``neurons[MEMBRANE]``
  CADC membrane readings;
* ``rng``: uint16 [cols] column LFSR states (never 0);
* ``neuron_reset``: uint8 [cols], set to 1 for each neuron the program resets;
* ``corr_resets``: int64 [rows], counts the correlation resets per row (for tests).

One array per group, indexed by kind, rather than one array per kind: choosing between
arrays at run time inside the backend cost about 200 ns per access, indexing 2 ns
(measured; numba's reference counting of the chosen array is the likely cause).

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
    "ArrayIO", ["rows", "baseline", "neurons", "rng", "neuron_reset", "corr_resets"])
RATES, MEMBRANE = 0, 1  # first index of ArrayIO.neurons

LFSR_TAPS = 0xB400


def make_array_io(rows: int = 256, cols: int = 256, seed: int = 0) -> ArrayIO:
    """An ArrayIO with zero weights, baseline 200 correlation readings and seeded LFSRs."""
    rng = np.random.default_rng(seed)
    r = np.zeros((4, rows, cols), np.uint8)
    r[isa.IO_CAUSAL] = 200
    r[isa.IO_ACAUSAL] = 200
    return ArrayIO(
        rows=r,
        baseline=np.full((rows, cols), 200, np.uint8),
        neurons=np.zeros((2, cols), np.uint8),
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


_PER_ROW = np.array(isa.IO_PER_ROW, dtype=np.int64)


@njit(inline="always")
def io_range_error(nrows, ncols, kind, row, half):
    """E_OK or E_IO_RANGE for (kind, row, half) on an array of nrows x ncols (kind is
    already known to be in 0..N_IO_KINDS-1). Integer arithmetic, one return."""
    per_row = _PER_ROW[kind]
    bad = np.int64(half < 0) + np.int64(half > 1) + np.int64(half * 128 >= ncols)
    bad += per_row * (np.int64(row < 0) + np.int64(row >= nrows))
    bad += (1 - per_row) * np.int64(row != 0)
    return isa.E_IO_RANGE * np.int64(bad > 0)


# Backend pattern (measured, see docs/ppu.md "Speed"): one small kernel per direction,
# called once with the arrays it may touch; every index proven non-negative before the
# lane loops (numba's negative-index wraparound otherwise stays in the loop and stops
# vectorisation: 125 ns instead of 2 ns per half row); each extra call taking arrays
# cost about 80 ns.


@njit
def _load(rows, neurons, rng, kind, row, c0, n, vr, rt):
    """vr[rt, :n] <- the I/O location (kind -1: nothing); lanes n..127 <- 0."""
    if kind < 0 or row < 0 or c0 < 0 or n < 0 or rt < 0:
        return
    if kind <= isa.IO_ACAUSAL:  # a synapse half row; weights and labels are 6 bit
        m = 0x3F if kind <= isa.IO_LABELS else 0xFF
        for j in range(n):
            vr[rt, j] = np.int8(rows[kind, row, c0 + j] & m)
    elif kind == isa.IO_RNG:
        for j in range(n):
            st = lfsr_step8(rng[c0 + j])
            rng[c0 + j] = st
            vr[rt, j] = np.int8(st & 0xFF)
    else:  # rate counters (clear-on-read for IO_RATES_CLEAR) or membrane readings
        which = MEMBRANE if kind == isa.IO_MEMBRANE else RATES
        for j in range(n):
            vr[rt, j] = np.int8(neurons[which, c0 + j])
        if kind == isa.IO_RATES_CLEAR:
            for j in range(n):
                neurons[which, c0 + j] = 0
    for j in range(n, 128):
        vr[rt, j] = 0


@njit
def _store(rows, baseline, counts, flags, kind, row, c0, n, vr, rt, en, masked):
    """The I/O location <- vr[rt, :n] on enabled lanes (kind -1: nothing)."""
    if kind < 0 or row < 0 or c0 < 0 or n < 0 or rt < 0:
        return
    if kind <= isa.IO_LABELS:  # 6-bit weights or labels
        if masked:
            for j in range(n):
                m = np.uint8(-en[j])
                old = rows[kind, row, c0 + j]
                rows[kind, row, c0 + j] = (np.uint8(vr[rt, j]) & 0x3F & m) | (old & ~m)
        else:
            for j in range(n):
                rows[kind, row, c0 + j] = np.uint8(vr[rt, j]) & 0x3F
    elif kind == isa.IO_CORR_RESET:
        # per row on the chip (REFERENCE.md): whole row, both stores back to the
        # baseline reading; the written values and the lane mask are ignored
        for j in range(baseline.shape[1]):
            rows[isa.IO_CAUSAL, row, j] = baseline[row, j]
            rows[isa.IO_ACAUSAL, row, j] = baseline[row, j]
        counts[row] += 1
    else:  # IO_NEURON_RESET: the neurons of enabled lanes whose byte is nonzero
        for j in range(n):
            hit = (vr[rt, j] != 0) & ((not masked) | (en[j] != 0))
            flags[c0 + j] |= np.uint8(hit)


def array_io_load(io, kind, row, half, vr, rt):
    nrows, ncols = io.baseline.shape[0], io.baseline.shape[1]
    err = io_range_error(nrows, ncols, kind, row, half)
    c0 = half * 128
    n = min(128, ncols - c0)
    _load(io.rows, io.neurons, io.rng, kind if err == isa.E_OK else -1, row, c0, n, vr, rt)
    return err  # (the interpreter has already refused write-only locations)


def array_io_store(io, kind, row, half, vr, rt, en, masked):
    nrows, ncols = io.baseline.shape[0], io.baseline.shape[1]
    err = io_range_error(nrows, ncols, kind, row, half)
    c0 = half * 128
    n = min(128, ncols - c0)
    _store(io.rows, io.baseline, io.corr_resets, io.neuron_reset,
           kind if err == isa.E_OK else -1, row, c0, n, vr, rt, en, masked)
    return err  # (the interpreter has already refused read-only locations)


register_backend(ArrayIO, array_io_load, array_io_store)
