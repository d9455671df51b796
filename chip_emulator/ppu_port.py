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
P_CAUSAL = 3  # float32 (B, H, cols, rows + pad): causal store, LSB (column-major: post
# spike; padded so that a row's elements spread over the cache sets: state.stored_rows)
P_ACAUSAL = 4  # float32 (B, H, rows, cols): anti-causal store, LSB (row-major: pre spike)
P_BASE_C = 5  # float32 (B, H, cols, rows + pad): causal reading after reset, LSB
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


@njit(cache=True, inline="always")
def n_rows(port):
    return port[P_WEIGHTS].shape[2]


@njit(cache=True, inline="always")
def n_columns(port):
    return port[P_WEIGHTS].shape[3]


# Each accessor hands only the arrays it needs to an inner function that checks bounds
# and may raise: a function that can raise and receives the whole port tuple costs
# ~170 ns a call in reference counting, one that receives two arrays ~20 ns.


@njit(cache=True)
def _row_range(a, row, col0, length):
    if row < 0 or row >= a.shape[2]:
        raise IndexError("ppu_port: synapse row out of range")
    if col0 < 0 or col0 + length > a.shape[3]:
        raise IndexError("ppu_port: lane range out of the row")


@njit(cache=True)
def _col_range(a, col0, length):
    if col0 < 0 or col0 + length > a.shape[2]:
        raise IndexError("ppu_port: neuron lane range out of range")


@njit(cache=True)
def _get_row(a, b, h, row, col0, out):
    _row_range(a, row, col0, out.size)
    for i in range(out.size):
        out[i] = a[b, h, row, col0 + i]


@njit(cache=True)
def _set_row(a, b, h, row, col0, values):
    _row_range(a, row, col0, values.size)
    for i in range(values.size):
        a[b, h, row, col0 + i] = values[i] & 0x3F


@njit(cache=True)
def _set_row_masked(a, b, h, row, col0, values, mask):
    _row_range(a, row, col0, values.size)
    for i in range(values.size):
        if mask[i] != 0:
            a[b, h, row, col0 + i] = values[i] & 0x3F


@njit(cache=True, inline="always")
def get_weights(port, b, h, row, col0, out):
    _get_row(port[P_WEIGHTS], b, h, row, col0, out)


@njit(cache=True, inline="always")
def set_weights(port, b, h, row, col0, values):
    _set_row(port[P_WEIGHTS], b, h, row, col0, values)


@njit(cache=True, inline="always")
def set_weights_masked(port, b, h, row, col0, values, mask):
    _set_row_masked(port[P_WEIGHTS], b, h, row, col0, values, mask)


@njit(cache=True, inline="always")
def get_labels(port, b, h, row, col0, out):
    _get_row(port[P_LABELS], b, h, row, col0, out)


@njit(cache=True)
def _set_labels(lab, lab_t, b, h, row, col0, values):
    _row_range(lab, row, col0, values.size)
    for i in range(values.size):
        v = values[i] & 0x3F
        lab[b, h, row, col0 + i] = v
        lab_t[b, h, col0 + i, row] = v  # the kernel pairs via the column-major mirror


@njit(cache=True, inline="always")
def set_labels(port, b, h, row, col0, values):
    _set_labels(port[P_LABELS], port[P_LABELS_T], b, h, row, col0, values)


@njit(cache=True, inline="always")
def _reading(base, store):
    # branch-free clip, so that row reads vectorise
    x = np.floor(base - store + np.float32(0.5))
    return np.uint8(np.minimum(np.maximum(x, np.float32(0.0)), np.float32(255.0)))


@njit(cache=True)
def _get_causal(c, base, n_row, b, h, row, col0, out):
    # column-major stores (B, H, cols, rows + pad): a strided read, one element per column
    if row < 0 or row >= n_row:
        raise IndexError("ppu_port: synapse row out of range")
    if col0 < 0 or col0 + out.size > c.shape[2]:
        raise IndexError("ppu_port: lane range out of the row")
    for i in range(out.size):
        out[i] = _reading(base[b, h, col0 + i, row], c[b, h, col0 + i, row])


@njit(cache=True, inline="always")
def get_causal(port, b, h, row, col0, out):
    _get_causal(port[P_CAUSAL], port[P_BASE_C], port[P_WEIGHTS].shape[2], b, h, row, col0, out)


@njit(cache=True)
def _get_acausal(a, base, b, h, row, col0, out):
    _row_range(a, row, col0, out.size)
    for i in range(out.size):
        out[i] = _reading(base[b, h, row, col0 + i], a[b, h, row, col0 + i])


@njit(cache=True, inline="always")
def get_acausal(port, b, h, row, col0, out):
    _get_acausal(port[P_ACAUSAL], port[P_BASE_A], b, h, row, col0, out)


@njit(cache=True)
def _reset_correlation(c, a, b, h, row):
    _row_range(a, row, 0, 0)
    # two loops: the contiguous anti-causal row vectorises, the strided causal one
    # (padded layout: its elements lie in distinct cache sets) runs alone
    for i in range(a.shape[3]):
        a[b, h, row, i] = 0.0
    for i in range(c.shape[2]):
        c[b, h, i, row] = 0.0


@njit(cache=True, inline="always")
def reset_correlation(port, b, h, row):
    _reset_correlation(port[P_CAUSAL], port[P_ACAUSAL], b, h, row)


@njit(cache=True)
def _get_rate_counters(cnt, ovf, b, h, col0, out_count, out_overflow, clear):
    _col_range(cnt, col0, out_count.size)
    for i in range(out_count.size):
        out_count[i] = cnt[b, h, col0 + i]
        out_overflow[i] = ovf[b, h, col0 + i]
        if clear:
            cnt[b, h, col0 + i] = 0
            ovf[b, h, col0 + i] = 0


@njit(cache=True, inline="always")
def get_rate_counters(port, b, h, col0, out_count, out_overflow, clear):
    _get_rate_counters(port[P_RATE], port[P_OVERFLOW], b, h, col0, out_count, out_overflow,
                       clear)


@njit(cache=True)
def _get_membrane(v, b, h, col0, out):
    _col_range(v, col0, out.size)
    for i in range(out.size):
        out[i] = _reading(v[b, h, col0 + i], 0.0)


@njit(cache=True, inline="always")
def get_membrane(port, b, h, col0, out):
    _get_membrane(port[P_V], b, h, col0, out)


@njit(cache=True)
def _reset_neurons(v, ref, v_reset, ref_steps, b, h, col0, mask):
    _col_range(v, col0, mask.size)
    for i in range(mask.size):
        if mask[i] != 0:
            n = col0 + i
            v[b, h, n] = v_reset[b, h, n]
            ref[b, h, n] = ref_steps[b, h, n]


@njit(cache=True, inline="always")
def reset_neurons(port, b, h, col0, mask):
    _reset_neurons(port[P_V], port[P_REF], port[P_V_RESET], port[P_REF_STEPS], b, h, col0,
                   mask)
