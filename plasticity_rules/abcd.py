"""The Hebbian ABCD rule as an on-chip rule.

Source: Najarro & Risi 2020, "Meta-learning through Hebbian plasticity in random networks"
(../shared/REFERENCE.md, "Evolving plasticity rules"):

    dw_ij = eta (A o_i o_j + B o_i + C o_j + D)

with o_i the presynaptic and o_j the postsynaptic activity. What the chip can observe (our
choice, documented in docs/rules.md):

* o_j, postsynaptic: the neuron's rate counter, read and cleared at each invocation (the spikes
  since the last one): o_j = min((count >> 1) rate_gain, 127) / 128, a Q0.7 fraction (rate_gain
  1, 2, 4 or 8, a structure option: a short period counts few spikes);
* o_i, presynaptic: the processor cannot count a row's input events, so the host (or a program
  that drives the inputs) writes them per row into ``pre_activity`` (uint8[n_rows], Q0.7:
  activity * 128, 0..127), e.g. the input rate it applied, normalised;
* the product o_i o_j: with ``coincidence="rates"`` the product of the two (floor(o_i o_j 128)
  / 128); with ``coincidence="causal"`` the synapse's causal correlation amplitude instead
  ((baseline >> 1) - (reading >> 1), a Q0.7 fraction of the 8-bit scale; the sensor measures
  pre-before-post coincidences directly), correlation rows reset after each invocation.

Fixed point. eta is folded into the coefficients at compile time: a = eta A, ..., d = eta D in
weight units per invocation, quantised to 1/16 (bytes a_q = round(16 a), |a| < 8). Per half row
the accumulator holds 16 dw in Q8.8: ACC = (d_q + 8) << 8 + 2 p a_q + 2 o_i b_q + 2 o_j c_q
(saturating), its upper byte floor(16 dw + 8) shifted right arithmetically by 4 gives
dw = round(dw), and w <- clamp(w + dw, 0, 63). |dw| per invocation is below 8; a dw below one
half rounds to 0 (coefficients are quantised, not accumulated between invocations). Terms whose
coefficient quantises to 0 are not emitted.

Genes: eta [0, 8] default 1; A, B, C, D [-1, 1] defaults A = 1 (plain Hebbian), B = C = D = 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chip_emulator.ppu import Program, ProgramBuilder, isa, make_array_io, new_state, run_once, write_symbol
from chip_emulator.ppu.array_io import RATES

from .genes import GeneSpec
from .portrait import WEIGHT_DEFAULT, grid
from .rule_cost import (
    emit_amplitude,
    emit_apply_dw,
    emit_gain,
    emit_halved_baselines,
    emit_round_shift,
    resolve_genes,
    round_shift_reference,
)

COINCIDENCE = ("rates", "causal")


@dataclass(frozen=True)
class ABCDRule:
    n_rows: int = 256
    n_halves: int = 2
    coincidence: str = "rates"  # what stands for o_i o_j: "rates" or "causal"
    baseline: int = 200  # initial baseline symbol (coincidence="causal")
    rate_gain: int = 1  # o_j = min((count >> 1) * rate_gain, 127) / 128
    name: str = "abcd"

    def __post_init__(self):
        if not 1 <= self.n_rows <= 256:
            raise ValueError(f"ABCDRule.n_rows must be in 1..256, got {self.n_rows}")
        if self.n_halves not in (1, 2):
            raise ValueError(f"ABCDRule.n_halves must be 1 or 2, got {self.n_halves}")
        if self.coincidence not in COINCIDENCE:
            raise ValueError(f"ABCDRule.coincidence must be one of {COINCIDENCE}, got {self.coincidence!r}")
        if self.rate_gain not in (1, 2, 4, 8):
            raise ValueError(f"ABCDRule.rate_gain must be 1, 2, 4 or 8, got {self.rate_gain}")

    def gene_specs(self) -> tuple[GeneSpec, ...]:
        return (GeneSpec("eta", 0.0, 8.0, 1.0), GeneSpec("A", -1.0, 1.0, 1.0),
                GeneSpec("B", -1.0, 1.0, 0.0), GeneSpec("C", -1.0, 1.0, 0.0),
                GeneSpec("D", -1.0, 1.0, 0.0))

    def coefficients(self, genes: Mapping[str, float]) -> tuple[int, int, int, int]:
        """(a_q, b_q, c_q, d_q): eta times A..D in 1/16 weight units, as bytes."""
        g = resolve_genes(self.name, self.gene_specs(), genes)
        return tuple(int(np.clip(round(16 * g["eta"] * g[k]), -128, 127)) for k in "ABCD")

    def compile(self, genes: Mapping[str, float]) -> Program:
        a, bq, c, d = self.coefficients(genes)
        b = ProgramBuilder()
        b.symbol("pre_activity", "uint8", 256)
        b.symbol("baseline_causal", "uint8", 256, np.full(256, self.baseline))
        b.symbol("threshold", "int32")
        b.symbol("invocations", "int32")
        zero, wmax, tmp, m128, bias = (b.vreg(n) for n in ("zero", "wmax", "tmp", "m128", "bias"))
        dv, av, bv, cv, oi, p, dw, w = (b.vreg(n) for n in ("d", "a", "b", "c", "oi", "p", "dw", "w"))
        oj = [b.vreg(f"oj{h}") for h in range(self.n_halves)]
        base = [b.vreg(f"base{h}") for h in range(self.n_halves)] if self.coincidence == "causal" else []
        t, u = b.reg("t"), b.reg("u")
        b.splat(zero, 0)
        b.splat(wmax, 63)
        b.splat(m128, -128)
        b.splat(bias, 8)  # 128 >> 4
        b.splat(dv, min(d + 8, 127))  # D and the rounding half (8/16), upper byte
        for v, q in ((av, a), (bv, bq), (cv, c)):
            if q:
                b.splat(v, q)
        for h in range(self.n_halves):
            b.io_in(oj[h], isa.IO_RATES_CLEAR, 0, h)  # spikes since the last invocation
            b.fxvshb(oj[h], oj[h], 31)  # count >> 1: o_j in Q0.7
            emit_gain(b, oj[h], self.rate_gain)
        if base:
            b.load_word(t, "threshold")
            b.fxvsplatb(tmp, t)
            for h in range(self.n_halves):
                emit_halved_baselines(b, base[h], "baseline_causal", h, tmp)
        b.la(u, "pre_activity")
        with b.rows("row", self.n_rows) as row:
            if bq or (a and self.coincidence == "rates"):
                b.srwi(t, row, 1)
                b.add(t, t, u)
                b.lbz(t, t, 0)
                b.fxvsplatb(oi, t)  # o_i of this row, Q0.7
            for h in range(self.n_halves):
                b.fxvmtacbf(dv, dv)  # ACC <- (d_q + 8) << 8
                if a:
                    if self.coincidence == "rates":
                        b.fxvmulbfs(p, oi, oj[h])  # floor(o_i o_j 128) / 128
                    else:
                        emit_amplitude(b, p, isa.IO_CAUSAL, row, h, base[h], zero)
                    b.fxvmatacbfs(p, p, av)
                if bq:
                    b.fxvmatacbfs(p, oi, bv)
                if c:
                    b.fxvmatacbfs(p, oj[h], cv)
                b.fxvaddacbfs(dw, zero)  # upper byte: floor(16 dw + 8)
                emit_round_shift(b, dw, 4, None, m128, bias)
                emit_apply_dw(b, w, dw, row, h, zero, wmax, tmp)
            if self.coincidence == "causal":
                b.io_out(zero, isa.IO_CORR_RESET, row, 0)
        b.add_to_word(t, "invocations")
        b.halt()
        return b.build()

    def portrait(self, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
        """Axes: ``pre`` (o_i, a fraction in [0, 1)), ``post`` (o_j as the rate count 0..255),
        ``causal`` (amplitude baseline - reading in CADC LSB; coincidence="causal") and
        ``weight``, on the array backend. o_i is set per row and o_j per column, so each grid
        point gets its own row and column (the diagonal): min(n_rows, columns) points per
        invocation. Without axes: pre 0..0.875 (steps of 0.125) x post 0..240 (steps of 16),
        and causal 0, 100, 200 with coincidence="causal"."""
        if not axes:
            axes = {"pre": np.arange(0, 1, 0.125), "post": np.arange(0, 256, 16)}
            if self.coincidence == "causal":
                axes["causal"] = np.array([0, 100, 200])
        allowed = ("pre", "post", "causal", "weight")
        if not axes or set(axes) - set(allowed):
            raise ValueError(f"abcd portrait axes: some of {allowed}; got {sorted(axes)}")
        program = self.compile(genes)
        cols = 128 * self.n_halves
        n = min(self.n_rows, cols)
        points = grid(axes)
        for name, lo, hi in (("pre", 0, 127 / 128), ("post", 0, 255), ("causal", 0, self.baseline),
                             ("weight", 0, 63)):
            if name in points and not points[name].between(lo, hi).all():
                raise ValueError(f"abcd portrait: {name} must be in [{lo}, {hi}]")
        dws = []
        for start in range(0, len(points), n):
            chunk = points.iloc[start:start + n]
            k = len(chunk)
            io = make_array_io(self.n_rows, cols)
            idx = np.arange(k)
            pre = np.zeros(256, np.int64)
            pre[idx] = np.round(chunk.get("pre", pd.Series(np.zeros(k))).to_numpy() * 128)
            io.neurons[RATES, idx] = np.round(chunk.get("post", pd.Series(np.zeros(k))).to_numpy())
            amp = np.round(chunk.get("causal", pd.Series(np.zeros(k))).to_numpy())
            io.rows[isa.IO_CAUSAL, idx, idx] = self.baseline - amp
            w0 = np.round(chunk.get("weight", pd.Series(np.full(k, WEIGHT_DEFAULT))).to_numpy())
            io.rows[isa.IO_WEIGHTS, idx, idx] = w0
            state = new_state(program)
            write_symbol(state.sram, program, "pre_activity", pre)
            run_once(program, state, io)
            dws.append(io.rows[isa.IO_WEIGHTS, idx, idx].astype(int) - w0.astype(int))
        return points.assign(dw=np.concatenate(dws))


def abcd_reference(pre_q7, post_count, weight, coefficients, causal=None, baseline: int = 200,
                   threshold: int = 0, rate_gain: int = 1) -> np.ndarray:
    """Slow NumPy model of the program: pre_q7 [rows], post_count [cols] (0..255), weight
    [rows, cols]; causal amplitudes [rows, cols] (CADC LSB) for coincidence="causal".
    Returns the new weights."""
    a, b, c, d = coefficients
    oi = np.asarray(pre_q7, np.int64)[:, None]
    oj = np.minimum((np.asarray(post_count, np.int64) >> 1) * rate_gain, 127)[None, :]
    if causal is None:
        p = (2 * oi * oj) >> 8
    else:
        reading = baseline - np.asarray(causal, np.int64)
        p = np.maximum(((baseline >> 1) - threshold) - (reading >> 1), 0)

    def sat(x):
        return np.clip(x, -32768, 32767)

    acc = np.broadcast_to(np.int64(min(d + 8, 127)) << 8, np.broadcast_shapes(oi.shape, oj.shape))
    for x, q in ((p, a), (oi, b), (oj, c)):
        if q:
            acc = sat(acc + 2 * x * q)
    dw = round_shift_reference(acc >> 8, 4, rounding=False)
    return np.clip(np.clip(np.asarray(weight, np.int64) + dw, -128, 127), 0, 63)
