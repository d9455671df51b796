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
(measured; numba reference-counts the chosen array).

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


# Backend pattern (measured, see docs/ppu.md "Speed"): small kernels called
# unconditionally, each returning at once when its kind does not apply (index -1), and
# every index proven non-negative before the lane loop (numba's negative-index
# wraparound otherwise stays in the loop and stops vectorisation: 125 ns instead of 2 ns).


@njit
def _row_to_lanes(rows, kind, row, c0, n, out):
    """out[j] = rows[kind, row, c0 + j] (6-bit kinds masked) for j < n, 0 beyond."""
    if kind < 0 or row < 0 or c0 < 0 or n < 0:
        return
    m = 0x3F if kind <= isa.IO_LABELS else 0xFF
    for j in range(n):
        out[j] = np.int8(rows[kind, row, c0 + j] & m)
    for j in range(n, 128):
        out[j] = 0


@njit
def _neurons_to_lanes(neurons, which, c0, n, out, clear):
    if which < 0 or c0 < 0 or n < 0:
        return
    for j in range(n):
        out[j] = np.int8(neurons[which, c0 + j])
    for j in range(n, 128):
        out[j] = 0
    if clear:
        for j in range(n):
            neurons[which, c0 + j] = 0


@njit
def _rng_to_lanes(rng, c0, n, out):
    if c0 < 0 or n < 0:
        return
    for j in range(n):
        st = lfsr_step8(rng[c0 + j])
        rng[c0 + j] = st
        out[j] = np.int8(st & 0xFF)
    for j in range(n, 128):
        out[j] = 0


@njit
def _lanes_to_row(rows, kind, row, c0, n, vec, en, masked):
    """rows[kind, row, c0 + j] = vec[j] & 0x3f on enabled lanes (weights and labels)."""
    if kind < 0 or row < 0 or c0 < 0 or n < 0:
        return
    if masked:
        for j in range(n):
            m = np.uint8(-en[j])
            old = rows[kind, row, c0 + j]
            rows[kind, row, c0 + j] = (np.uint8(vec[j]) & 0x3F & m) | (old & ~m)
    else:
        for j in range(n):
            rows[kind, row, c0 + j] = np.uint8(vec[j]) & 0x3F


@njit
def _reset_row(rows, baseline, counts, row):
    """Both correlation stores of the whole row back to the baseline reading."""
    if row < 0:
        return
    for j in range(baseline.shape[1]):
        rows[isa.IO_CAUSAL, row, j] = baseline[row, j]
        rows[isa.IO_ACAUSAL, row, j] = baseline[row, j]
    counts[row] += 1


@njit
def _reset_neurons(flags, c0, n, vec, en, masked):
    if c0 < 0 or n < 0:
        return
    for j in range(n):
        hit = (vec[j] != 0) & ((not masked) | (en[j] != 0))
        flags[c0 + j] |= np.uint8(hit)


def array_io_load(io, kind, row, half, out):
    nrows, ncols = io.baseline.shape[0], io.baseline.shape[1]
    err = io_range_error(nrows, ncols, kind, row, half)
    ok = err == isa.E_OK
    c0 = half * 128
    n = min(128, ncols - c0)
    _row_to_lanes(io.rows, kind if (ok and kind <= isa.IO_ACAUSAL) else -1, row, c0, n, out)
    which = RATES if (kind == isa.IO_RATES or kind == isa.IO_RATES_CLEAR) else (
        MEMBRANE if kind == isa.IO_MEMBRANE else -1)
    _neurons_to_lanes(io.neurons, which if ok else -1, c0, n, out,
                      kind == isa.IO_RATES_CLEAR)
    _rng_to_lanes(io.rng, c0 if (ok and kind == isa.IO_RNG) else -1, n, out)
    return err  # (the interpreter has already refused write-only locations)


def array_io_store(io, kind, row, half, vec, en, masked):
    nrows, ncols = io.baseline.shape[0], io.baseline.shape[1]
    err = io_range_error(nrows, ncols, kind, row, half)
    ok = err == isa.E_OK
    c0 = half * 128
    n = min(128, ncols - c0)
    _lanes_to_row(io.rows, kind if (ok and kind <= isa.IO_LABELS) else -1, row, c0, n,
                  vec, en, masked)
    # correlation reset: per row on the chip (REFERENCE.md), whole row and both stores;
    # the written values and the lane mask are ignored
    _reset_row(io.rows, io.baseline, io.corr_resets,
               row if (ok and kind == isa.IO_CORR_RESET) else -1)
    _reset_neurons(io.neuron_reset, c0 if (ok and kind == isa.IO_NEURON_RESET) else -1, n,
                   vec, en, masked)
    return err  # (the interpreter has already refused read-only locations)


register_backend(ArrayIO, array_io_load, array_io_store)
