"""The plasticity processor's port into one hemisphere: the contract between the
analog core and the PPU (``chip_emulator/ppu/``).

Source of the hardware behaviour: ../shared/REFERENCE.md (PPU "row access",
"Input/output (fxvinx, fxvoutx)"), after the public nux user guide and libnux
(electronicvisions): a synapse row is read and written as byte vectors, a weight
is the low 6 bits of its byte, correlation is read by the CADC as 8-bit values that
fall as correlation accumulates, rate counters are 8 bit with an overflow flag.

The hook
--------
A run (``chip_emulator.run.run``) takes a ``Timer(start_us, period_us, n_periods)``, an
``@njit`` function ``ppu_fn`` and an opaque ``ppu_ctx`` (any numba-typable value,
typically a tuple of arrays). At every timer event, inside the compiled time loop,
for every (instance ``b``, hemisphere ``h``) it calls::

    ppu_fn(ppu_ctx, port, b, h, t_us)

- ``port``: an opaque tuple of the batched state arrays. The PPU code never indexes
  it: it passes ``port, b, h`` on to the accessor functions below, which are the only
  supported way to touch the chip. Its layout may change; these signatures will not.
- ``b`` (int64): instance index in the batch; ``h`` (int64): hemisphere index
  (0 = top, 1 = bottom). One PPU per hemisphere: a PPU must touch only ``(b, h)``.
- ``t_us`` (float64): hardware time of the event. The timer fires at step boundaries
  (time rounded to the step grid) before the events of that step are delivered: the
  PPU sees the state at ``t_us``. An event at exactly the end of the run fires too.
- The return value is ignored. ``ppu_ctx`` is how a program keeps state (registers,
  SRAM, its column RNG states, symbols the host reads and writes), indexed by
  ``(b, h)`` where it must differ per PPU.
- Order and concurrency: at one timer event the calls for different (b, h) come in no
  specified order, and threaded runs process different (b, h) at the same time. So a
  PPU must not read or write another (b, h)'s chip state or ``ppu_ctx`` entries.
- The default ``ppu_noop`` does nothing. ``ppu_fn`` is a compile-time argument: the run
  kernel is specialised to it (numba dispatcher as argument), so a call costs nothing
  beyond its own body; each distinct ``ppu_fn`` compiles the run loop once per process
  (not disk-cached: see kernel.py).
- The emulator does not charge PPU time: the analog core is frozen during the call.
  Cycle accounting (e.g. 410 cycles per CADC row read) belongs to the PPU interpreter.

Accessors (all ``@njit(cache=True)``, no allocation, argument order fixed)
-----------------------------------------------------------------------
Sizes: ``n_rows(port)`` (256 on the full chip), ``n_columns(port)`` (= neurons per
hemisphere, 256). A "lane range" is ``col0 .. col0 + len(buffer) - 1``; a half row of
128 lanes is ``col0 = 0`` or ``128``. A row or lane range out of bounds raises
``IndexError``.

=====================================================================  ===============================
``get_weights(port, b, h, row, col0, out)``                            out uint8[:], values 0..63
``set_weights(port, b, h, row, col0, values)``                         values uint8[:], stored ``& 0x3f``
``set_weights_masked(port, b, h, row, col0, values, mask)``            lanes with ``mask != 0`` only
``get_labels(port, b, h, row, col0, out)``                             out uint8[:], values 0..63
``set_labels(port, b, h, row, col0, values)``                          values uint8[:], stored ``& 0x3f``
``get_causal(port, b, h, row, col0, out)``                             out uint8[:], CADC reading
``get_acausal(port, b, h, row, col0, out)``                            out uint8[:], CADC reading
``reset_correlation(port, b, h, row)``                                 both stores of the row to 0
``get_rate_counters(port, b, h, col0, out_count, out_overflow, clear)``  uint8[:] each; clear: bool
``get_membrane(port, b, h, col0, out)``                                out uint8[:], CADC reading
``reset_neurons(port, b, h, col0, mask)``                              mask uint8[:]: nonzero -> reset
=====================================================================  ===============================

Semantics:

- Writes mask to 6 bits like the hardware (the upper 2 bits of a byte are ignored);
  the host API (``network.py``) instead refuses values outside 0..63.
- Correlation readings: ``reading = clip(round(baseline - store), 0, 255)`` per synapse,
  where ``store`` is the accumulated causal (or anti-causal) amplitude in LSB and
  ``baseline`` (>= 120 LSB, spread per synapse) is the reading right after a reset.
  Readings FALL as correlation grows. Causal = pre before post.
- ``reset_correlation`` clears both stores of the row (the reading returns to baseline).
- ``get_rate_counters``: 8-bit spike counts since the last clear; a counter that would
  pass 255 stays at 255 and its overflow flag is 1. ``clear=True`` zeroes both after
  reading (clear-on-read).
- ``get_membrane``: ``clip(round(v_lsb), 0, 255)``, the membrane in CADC LSB now.
- ``reset_neurons``: the membrane of each masked neuron goes to its reset potential and
  its refractory period starts (as after a spike); no spike is emitted or counted.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Port tuple layout (internal: PPU code must use the accessors, not these indices).
# Every array is batched, leading axes (instance b, hemisphere h).
P_WEIGHTS = 0  # uint8 (B, H, rows, cols)
P_LABELS = 1  # uint8 (B, H, rows, cols)
P_LABELS_T = 2  # uint8 (B, H, cols, rows): mirror of labels, column-major, kept in sync
P_CAUSAL = 3  # float32 (B, H, cols, rows): causal store, LSB (column-major: post spike)
P_ACAUSAL = 4  # float32 (B, H, rows, cols): anti-causal store, LSB (row-major: pre spike)
P_BASE_C = 5  # float32 (B, H, cols, rows): causal reading after reset, LSB
P_BASE_A = 6  # float32 (B, H, rows, cols): anti-causal reading after reset, LSB
P_RATE = 7  # uint8 (B, H, cols): rate counters
P_OVERFLOW = 8  # uint8 (B, H, cols): overflow flags
P_V = 9  # float32 (B, H, cols): membrane, LSB
P_REF = 10  # float32 (B, H, cols): refractory steps left
P_V_RESET = 11  # float32 (B, H, cols): reset potential per neuron (with mismatch), LSB
P_REF_STEPS = 12  # float32 (B, H, cols): refractory period per neuron, steps


@njit(cache=True)
def ppu_noop(ppu_ctx, port, b, h, t_us):
    """The default PPU program: does nothing."""
    return None


@njit(cache=True)
def n_rows(port):
    return port[P_WEIGHTS].shape[2]


@njit(cache=True)
def n_columns(port):
    return port[P_WEIGHTS].shape[3]


@njit(cache=True)
def _check_row(port, row, col0, length):
    if row < 0 or row >= port[P_WEIGHTS].shape[2]:
        raise IndexError("ppu_port: synapse row out of range")
    if col0 < 0 or col0 + length > port[P_WEIGHTS].shape[3]:
        raise IndexError("ppu_port: lane range out of the row")


@njit(cache=True)
def _check_cols(port, col0, length):
    if col0 < 0 or col0 + length > port[P_WEIGHTS].shape[3]:
        raise IndexError("ppu_port: neuron lane range out of range")


@njit(cache=True)
def get_weights(port, b, h, row, col0, out):
    _check_row(port, row, col0, out.size)
    w = port[P_WEIGHTS]
    for i in range(out.size):
        out[i] = w[b, h, row, col0 + i]


@njit(cache=True)
def set_weights(port, b, h, row, col0, values):
    _check_row(port, row, col0, values.size)
    w = port[P_WEIGHTS]
    for i in range(values.size):
        w[b, h, row, col0 + i] = values[i] & 0x3F


@njit(cache=True)
def set_weights_masked(port, b, h, row, col0, values, mask):
    _check_row(port, row, col0, values.size)
    w = port[P_WEIGHTS]
    for i in range(values.size):
        if mask[i] != 0:
            w[b, h, row, col0 + i] = values[i] & 0x3F


@njit(cache=True)
def get_labels(port, b, h, row, col0, out):
    _check_row(port, row, col0, out.size)
    lab = port[P_LABELS]
    for i in range(out.size):
        out[i] = lab[b, h, row, col0 + i]


@njit(cache=True)
def set_labels(port, b, h, row, col0, values):
    _check_row(port, row, col0, values.size)
    lab = port[P_LABELS]
    lab_t = port[P_LABELS_T]
    for i in range(values.size):
        v = values[i] & 0x3F
        lab[b, h, row, col0 + i] = v
        lab_t[b, h, col0 + i, row] = v  # the kernel pairs via the column-major mirror


@njit(cache=True)
def _reading(base, store):
    x = np.floor(base - store + 0.5)
    if x < 0.0:
        return np.uint8(0)
    if x > 255.0:
        return np.uint8(255)
    return np.uint8(x)


@njit(cache=True)
def get_causal(port, b, h, row, col0, out):
    _check_row(port, row, col0, out.size)
    c = port[P_CAUSAL]
    base = port[P_BASE_C]
    for i in range(out.size):
        out[i] = _reading(base[b, h, col0 + i, row], c[b, h, col0 + i, row])


@njit(cache=True)
def get_acausal(port, b, h, row, col0, out):
    _check_row(port, row, col0, out.size)
    a = port[P_ACAUSAL]
    base = port[P_BASE_A]
    for i in range(out.size):
        out[i] = _reading(base[b, h, row, col0 + i], a[b, h, row, col0 + i])


@njit(cache=True)
def reset_correlation(port, b, h, row):
    _check_row(port, row, 0, 0)
    c = port[P_CAUSAL]
    a = port[P_ACAUSAL]
    for i in range(c.shape[2]):
        c[b, h, i, row] = 0.0
        a[b, h, row, i] = 0.0


@njit(cache=True)
def get_rate_counters(port, b, h, col0, out_count, out_overflow, clear):
    _check_cols(port, col0, out_count.size)
    cnt = port[P_RATE]
    ovf = port[P_OVERFLOW]
    for i in range(out_count.size):
        out_count[i] = cnt[b, h, col0 + i]
        out_overflow[i] = ovf[b, h, col0 + i]
        if clear:
            cnt[b, h, col0 + i] = 0
            ovf[b, h, col0 + i] = 0


@njit(cache=True)
def get_membrane(port, b, h, col0, out):
    _check_cols(port, col0, out.size)
    v = port[P_V]
    for i in range(out.size):
        out[i] = _reading(v[b, h, col0 + i], 0.0)


@njit(cache=True)
def reset_neurons(port, b, h, col0, mask):
    _check_cols(port, col0, mask.size)
    v = port[P_V]
    ref = port[P_REF]
    v_reset = port[P_V_RESET]
    ref_steps = port[P_REF_STEPS]
    for i in range(mask.size):
        if mask[i] != 0:
            n = col0 + i
            v[b, h, n] = v_reset[b, h, n]
            ref[b, h, n] = ref_steps[b, h, n]
