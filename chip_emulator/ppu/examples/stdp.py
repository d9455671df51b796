"""Classic pair-based STDP as a PPU program, run at a fixed timer period.

Rule (per synapse, at every timer event), in the processor's own 8-bit arithmetic:

    amp_c = max((base_c - causal_reading) / 2 - theta, 0)     (CADC readings fall as
    amp_a = max((base_a - acausal_reading) / 2 - theta, 0)     correlation accumulates)
    w    <- clamp(w + floor(amp_c * eta_plus / 128) - floor(amp_a * eta_minus / 128), 0, 63)
    reset both correlation stores of the row

``base_c`` / ``base_a`` are the post-reset baselines per column (host symbols
``baseline_causal`` / ``baseline_acausal``, uint8[256], e.g. measured by reading the
sensors right after a reset); ``eta_plus`` / ``eta_minus`` (host symbols, 0..127) are
Q0.7 learning rates; ``threshold`` (host symbol theta, in units of 2 LSB) ignores
amplitudes within the baselines' per-synapse spread. Readings and baselines are halved
(logical shift right) so that the unsigned 0..255 readings fit the signed byte lanes;
the multiply is the FXV fractional multiply (floor(a*b/128)). Potentiation needs
pre-before-post pairings (causal), depression post-before-pre (anti-causal).
"""

from __future__ import annotations

import numpy as np

from .. import isa
from ..builder import ProgramBuilder
from ..program import Program


def stdp_program(n_rows: int = 256, n_halves: int = 2, eta_plus: int = 64,
                 eta_minus: int = 64, baseline: int = 200, threshold: int = 0) -> Program:
    """Build the STDP kernel for an array of ``n_rows`` rows and ``128 * n_halves``
    columns. Host symbols: eta_plus, eta_minus, threshold (int32), baseline_causal,
    baseline_acausal (uint8[256]); output: invocations (int32)."""
    if not (0 <= eta_plus <= 127 and 0 <= eta_minus <= 127):
        raise ValueError("eta_plus and eta_minus are Q0.7 factors in 0..127")
    b = ProgramBuilder()
    b.symbol("eta_plus", "int32", 1, [eta_plus])
    b.symbol("eta_minus", "int32", 1, [eta_minus])
    b.symbol("baseline_causal", "uint8", 256, np.full(256, baseline))
    b.symbol("baseline_acausal", "uint8", 256, np.full(256, baseline))
    b.symbol("threshold", "int32", 1, [threshold])
    b.symbol("invocations", "int32", 1)

    zero, wmax, theta = b.vreg("zero"), b.vreg("wmax"), b.vreg("theta")
    eta_p, eta_m = b.vreg("eta_plus"), b.vreg("eta_minus")
    base_c = [b.vreg(f"base_c{h}") for h in range(n_halves)]
    base_a = [b.vreg(f"base_a{h}") for h in range(n_halves)]
    c, a, w, t = b.vreg("causal"), b.vreg("acausal"), b.vreg("w"), b.vreg("t")
    s = b.reg("s")

    # constants and host inputs, once per invocation
    b.splat(zero, 0)
    b.load_word(s, "threshold")
    b.fxvsplatb(theta, s)
    b.load_word(s, "eta_plus")
    b.fxvsplatb(eta_p, s)
    b.load_word(s, "eta_minus")
    b.fxvsplatb(eta_m, s)
    for h in range(n_halves):
        for vec, sym in ((base_c[h], "baseline_causal"), (base_a[h], "baseline_acausal")):
            b.la(s, sym, 128 * h)
            b.fxvlax(vec, 0, s)  # RA = r0: address RB alone
            b.fxvshb(vec, vec, 31)  # halve: logical right shift by 1 (imm 31 = -1)
            b.fxvsubbfs(vec, vec, theta)  # baseline / 2 - theta
    b.splat(wmax, 63)
    # I/O addresses of row 0 in registers, so that each access in the loop is one
    # instruction (fxvinx v, base, row)
    io = {(k, h): b.io_base(k, h) for k in (isa.IO_CAUSAL, isa.IO_ACAUSAL, isa.IO_WEIGHTS)
          for h in range(n_halves)}
    io_reset = b.io_base(isa.IO_CORR_RESET)

    with b.rows("row", n_rows) as row:
        for h in range(n_halves):
            for vec, kind, base, eta in ((c, isa.IO_CAUSAL, base_c[h], eta_p),
                                         (a, isa.IO_ACAUSAL, base_a[h], eta_m)):
                b.io_in(vec, io[kind, h], row)
                b.fxvshb(vec, vec, 31)  # reading / 2 (logical)
                b.fxvsubbfs(vec, base, vec)  # amplitude = (baseline - reading)/2 - theta
                b.fxvcmpb(vec)
                b.fxvsel(vec, vec, zero, c=isa.C_LT)  # max(amplitude, 0)
                b.fxvmulbfs(vec, vec, eta)  # floor(amp * eta / 128)
            b.io_in(w, io[isa.IO_WEIGHTS, h], row)
            b.fxvaddbfs(w, w, c)  # potentiation
            b.fxvsubbfs(w, w, a)  # depression
            b.fxvcmpb(w)
            b.fxvsel(w, w, zero, c=isa.C_LT)  # clamp below at 0
            b.fxvsubbfs(t, w, wmax)
            b.fxvcmpb(t)
            b.fxvsel(w, w, wmax, c=isa.C_GT)  # clamp above at 63
            b.io_out(w, io[isa.IO_WEIGHTS, h], row)
        b.io_out(zero, io_reset, row)  # reset both stores of the row

    b.add_to_word(s, "invocations")
    b.halt()
    return b.build()


def weights_pass_program(n_rows: int = 256, n_halves: int = 2, delta: int = 1) -> Program:
    """The weights-only pass of the issue: load, add ``delta``, store every half row."""
    b = ProgramBuilder()
    d, w = b.vreg("delta"), b.vreg("w")
    b.splat(d, delta)
    io = [b.io_base(isa.IO_WEIGHTS, h) for h in range(n_halves)]
    with b.rows("row", n_rows) as row:
        for h in range(n_halves):
            b.io_in(w, io[h], row)
            b.fxvaddbm(w, w, d)
            b.io_out(w, io[h], row)
    b.halt()
    return b.build()
