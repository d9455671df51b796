"""Reward-modulated STDP with the expected reward kept per state, in the form used for Pong.

Source: Wunderlich et al. 2019, "Demonstrating advantages of neuromorphic computation: a pilot
study" (../shared/REFERENCE.md, "Pong"): after each trial, for every synapse,

    dw = round(lr * causal_correlation * (R - mean_R[s]))        lr = 0.125 in the paper
    w  <- clip(w + dw, 0, 63)
    mean_R[s] <- mean_R[s] + gamma (R - mean_R[s])               (expected reward of state s)

On the processor (per invocation = per trial; reward R and state s are host symbols, or written
by a program that runs the environment):

* scalar core, once: delta = clamp(floor(((R << 8) - m[s]) / 256), -128, 127) (Q0.7),
  k = floor((lr_q delta + 64) / 128) (Q0.7, the rounded product lr (R - mean_R));
  m[s] <- m[s] + floor(((R << 8) - m[s]) gamma_q / 128), the mean kept in Q0.15 (int32 SRAM
  array ``mean_reward``) so that small smoothing factors still move it;
* vector unit, each half row: c = max((base_c >> 1) - (reading >> 1) - theta, 0) (the causal
  amplitude in units of 2 CADC LSB, as in the STDP program), dw = floor((2 c k + 128) / 256)
  = round(c k / 128) from the accumulator preset to 128 (`fxvmabfs`), w <- clamp(w + dw, 0, 63);
  then both correlation stores of the row are reset.

Quantisation against the exact lr c (R - mean_R), c the program's (halved) amplitude:
|error| <= 0.5 (final rounding) + c (lr + 1/2) / 128 (the floor of delta times lr, and the
rounding of k) <= 2 weight units (c <= 127), tested.

Host symbols: reward (int32, Q0.7: R * 128, -128..127), state (int32, 0..n_states-1; another
value skips the update and counts in ``bad_state``), baseline_causal (uint8[256]), threshold,
learning_rate, smoothing (int32); outputs: mean_reward (int32[n_states], Q0.15), invocations.

Genes: learning_rate [0, 127/128] default 0.125 (the paper); corr_threshold (theta, units of 2
CADC LSB) [0, 32] default 0; reward_smoothing (gamma) [0, 127/128] default 0.25 (our choice: the
paper's value is not in REFERENCE.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from chip_emulator.ppu import Program, ProgramBuilder, isa, write_symbol

from .genes import GeneSpec
from .portrait import array_portrait
from .rule_cost import q07, resolve_genes

FRACTION_MAX = 127 / 128


@dataclass(frozen=True)
class RSTDPRule:
    n_rows: int = 256
    n_halves: int = 2
    n_states: int = 32  # Pong: 32 ball positions
    baseline: int = 200  # initial baseline symbols (the host writes measured readings)
    name: str = "rstdp"

    def __post_init__(self):
        if not 1 <= self.n_rows <= 256:
            raise ValueError(f"RSTDPRule.n_rows must be in 1..256, got {self.n_rows}")
        if self.n_halves not in (1, 2):
            raise ValueError(f"RSTDPRule.n_halves must be 1 or 2, got {self.n_halves}")
        if not 1 <= self.n_states <= 1024:
            raise ValueError(f"RSTDPRule.n_states must be in 1..1024, got {self.n_states}")

    def gene_specs(self) -> tuple[GeneSpec, ...]:
        return (GeneSpec("learning_rate", 0.0, FRACTION_MAX, 0.125),
                GeneSpec("corr_threshold", 0.0, 32.0, 0.0),
                GeneSpec("reward_smoothing", 0.0, FRACTION_MAX, 0.25))

    def compile(self, genes: Mapping[str, float]) -> Program:
        g = resolve_genes(self.name, self.gene_specs(), genes)
        return rstdp_program(self.n_rows, self.n_halves, self.n_states, q07(g["learning_rate"]),
                             int(round(g["corr_threshold"])), q07(g["reward_smoothing"]),
                             self.baseline)

    def portrait(self, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
        """Axes (array backend): per synapse ``causal`` (amplitude baseline - reading, CADC
        LSB) and ``weight``; broadcast ``reward`` and ``mean_reward`` (fractions in [-1, 1)).
        Columns: the axes and dw. Without axes: causal 0..200 (steps of 20) x reward -1..0.875
        (steps of 0.125), at mean_reward 0 and 0.5."""
        if not axes:
            axes = {"causal": np.arange(0, 201, 20), "reward": np.arange(-1, 1, 0.125),
                    "mean_reward": np.array([0.0, 0.5])}
        program = self.compile(genes)
        syn_names, bc_names = ("causal", "weight"), ("reward", "mean_reward")
        bad = set(axes) - set(syn_names) - set(bc_names)
        if bad or not axes:
            raise ValueError(f"rstdp portrait axes: some of {syn_names + bc_names}; got {sorted(axes)}")
        syn = {k: v for k, v in axes.items() if k in syn_names}
        bc = {k: v for k, v in axes.items() if k in bc_names}
        out = array_portrait(program, self.n_rows, 128 * self.n_halves, syn, bc,
                             partial(self._prepare, program))
        return out.drop(columns="cycles")

    def _prepare(self, program, io, state, per_syn, broadcast):
        amp = per_syn.get("causal", np.zeros(io.rows.shape[1:]))
        if (amp < 0).any() or (amp > self.baseline).any():
            raise ValueError(f"rstdp portrait: causal amplitudes must be in 0..{self.baseline}")
        io.rows[isa.IO_CAUSAL] = (self.baseline - np.round(amp)).astype(np.uint8)
        r = broadcast.get("reward", 0.0)
        m = broadcast.get("mean_reward", 0.0)
        if not (-1 <= r < 1 and -1 <= m < 1):
            raise ValueError("rstdp portrait: reward and mean_reward are fractions in [-1, 1)")
        write_symbol(state.sram, program, "reward", int(np.clip(round(r * 128), -128, 127)))
        write_symbol(state.sram, program, "state", 0)
        means = np.zeros(self.n_states, np.int64)
        means[0] = round(m * 32768)
        write_symbol(state.sram, program, "mean_reward", means)


def rstdp_program(n_rows: int, n_halves: int, n_states: int, learning_rate: int, threshold: int,
                  smoothing: int, baseline: int = 200) -> Program:
    """The R-STDP kernel (Q0.7 learning_rate and smoothing, threshold in units of 2 LSB)."""
    for name, v in (("learning_rate", learning_rate), ("smoothing", smoothing)):
        if not 0 <= v <= 127:
            raise ValueError(f"{name} is a Q0.7 factor in 0..127, got {v}")
    if not 0 <= threshold <= 127:
        raise ValueError(f"threshold must be in 0..127, got {threshold}")
    b = ProgramBuilder()
    b.symbol("reward", "int32")
    b.symbol("state", "int32")
    b.symbol("mean_reward", "int32", n_states)
    b.symbol("learning_rate", "int32", 1, [learning_rate])
    b.symbol("smoothing", "int32", 1, [smoothing])
    b.symbol("threshold", "int32", 1, [threshold])
    b.symbol("baseline_causal", "uint8", 256, np.full(256, baseline))
    b.symbol("bad_state", "int32")
    b.symbol("invocations", "int32")

    s, r, m, d, k, t = (b.reg(n) for n in ("s", "r", "m", "d", "k", "t"))
    done = b.label("done")
    # --- scalar part: the reward prediction error and the mean update
    b.load_word(s, "state")
    b.cmpi(s, 0)
    bad = b.label("bad")
    b.bc(bad, c=isa.BR_LT)
    b.cmpi(s, n_states)
    ok = b.label("ok")
    b.bc(ok, c=isa.BR_LT)
    b.place(bad)
    b.add_to_word(t, "bad_state")
    b.b(done)
    b.place(ok)
    b.la(t, "mean_reward")
    b.slwi(s, s, 2)
    b.add(s, s, t)  # s <- address of mean_reward[state]
    b.lwz(m, s, 0)
    b.load_word(r, "reward")
    b.slwi(r, r, 8)  # R in Q0.15
    b.sub(d, r, m)  # (R << 8) - m  (sub: RA - RB)
    b.load_word(t, "smoothing")
    b.mullw(t, d, t)
    b.srawi(t, t, 7)
    b.add(t, m, t)
    b.stw(t, s, 0)  # m[s] <- m[s] + floor(((R << 8) - m[s]) gamma / 128)
    b.srawi(d, d, 8)  # delta, Q0.7 (floor)
    for bound, cond in ((127, isa.BR_LE), (-128, isa.BR_GE)):
        keep = b.label()
        b.cmpi(d, bound)
        b.bc(keep, c=cond)
        b.li(d, bound)
        b.place(keep)
    b.load_word(t, "learning_rate")
    b.mullw(k, t, d)
    b.addi(k, k, 64)
    b.srawi(k, k, 7)  # k = round(lr * delta), Q0.7

    # --- vector part
    zero, wmax, theta, kv, half = (b.vreg(n) for n in ("zero", "wmax", "theta", "k", "half"))
    base = [b.vreg(f"base{h}") for h in range(n_halves)]
    c, w, dw, tmp = b.vreg("c"), b.vreg("w"), b.vreg("dw"), b.vreg("tmp")
    b.splat(zero, 0)
    b.splat(wmax, 63)
    b.fxvsplatb(kv, k)
    b.load_word(t, "threshold")
    b.fxvsplatb(theta, t)
    for h in range(n_halves):
        b.la(t, "baseline_causal", 128 * h)
        b.fxvlax(base[h], 0, t)
        b.fxvshb(base[h], base[h], 31)  # baseline / 2 (logical)
        b.fxvsubbfs(base[h], base[h], theta)
    b.splat(half, 64)
    b.fxvaddtacb(half, half, half)  # ACC <- 128 per lane: the rounding constant
    with b.rows("row", n_rows) as row:
        for h in range(n_halves):
            b.io_in(c, isa.IO_CAUSAL, row, h)
            b.fxvshb(c, c, 31)
            b.fxvsubbfs(c, base[h], c)  # amplitude - theta
            b.fxvcmpb(c)
            b.fxvsel(c, c, zero, c=isa.C_LT)  # max(., 0)
            b.fxvmabfs(dw, c, kv)  # floor((128 + 2 c k) / 256) = round(c k / 128)
            b.io_in(w, isa.IO_WEIGHTS, row, h)
            b.fxvaddbfs(w, w, dw)
            b.clamp_bytes(w, zero, wmax, tmp)
            b.io_out(w, isa.IO_WEIGHTS, row, h)
        b.io_out(zero, isa.IO_CORR_RESET, row, 0)
    b.place(done)
    b.add_to_word(t, "invocations")
    b.halt()
    return b.build()


def mean_update(m_q15, reward_q7, smoothing_q7):
    """m + floor(((R << 8) - m) gamma / 128): the program's expected-reward update (Q0.15)."""
    m = np.asarray(m_q15, np.int64)
    return m + ((((np.asarray(reward_q7, np.int64) << 8) - m) * smoothing_q7) >> 7)


def rstdp_reference(causal, weight, reward_q7: int, mean_q15: int, learning_rate: int,
                    threshold: int = 0, baseline: int = 200) -> np.ndarray:
    """Slow NumPy model of the program (causal amplitudes in CADC LSB): the new weights."""
    delta = int(np.clip(((reward_q7 << 8) - mean_q15) >> 8, -128, 127))
    k = (learning_rate * delta + 64) >> 7
    reading = baseline - np.asarray(causal, np.int64)
    c = np.maximum(np.clip((baseline >> 1) - threshold, -128, 127) - (reading >> 1), 0)
    dw = (2 * c * k + 128) >> 8
    return np.clip(np.asarray(weight, np.int64) + dw, 0, 63)
