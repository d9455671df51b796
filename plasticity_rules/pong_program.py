"""Pong as a plasticity-processor program: the game and the learning step, run at every timer event.

Wunderlich, T. et al. (2019). Demonstrating advantages of neuromorphic computation: a pilot study.
Frontiers in Neuroscience 13, 260. On the chip the plasticity processor ran both the game and the
R-STDP rule; so does this program (facts in ../shared/REFERENCE.md, "Pong").

Network: 32 input rows (one per ball column, the state) x 32 motor neurons. Every row receives a
Poisson stream from the host all the time; the program selects the state's row by its synapse
labels: the active row's labels match the stream's address (0), the others hold 63, so only the
active row delivers pre spikes (and correlation). This is our mechanism: the emulated processor
has no event output, and labels are processor-writable on the chip.

Invocation k (a timer event every ``step_us``), on processor (b, h):

    k > 0:  a      = argmax_j rate[j] (ties: the larger column random byte)      rate counters, cleared
            R      = table[|a - s|],  table = {0: 1, 1: 0.7, 2: 0.4, 3: 0.1, else 0}   (Q0.7, scalar)
            dR     = R - mean_R[s]                                                (Q0.7, clamped)
            <weight update of row s, emitted by the rule: R-STDP or the meta-plasticity network;
             with credit "winner" kept at column a only>
            mean_R[s] <- mean_R[s] + smooth * dR                                  (Q0.15 scalar)
            log (s, a, R); the paddle moves towards a by at most 2; the ball moves and reflects
    always: labels of the old row <- 63, of the new state's row <- 0; reset the new row's
            correlation and read its baseline (kept halved in SRAM); reset the motor neurons
            and clear the rate counters.

Credit (our choice, `credit`): "winner" keeps the rule's new weight only at the chosen action's
column a (the other columns keep their old weights), as an ideal winner-take-all between the
motor neurons would (the losers, silenced, see no correlation); "all" keeps every column's.

The rule hook receives vector registers: ``amp`` = 2^corr_shift max((baseline - causal reading) / 2
- theta, 0) of row s (saturating at 127; CADC readings fall as correlation grows), ``w`` = the
row's weights, and the scalar ``dr`` = R - mean_R[s] in Q0.7; it must leave the new weights in
``w`` (the program clamps them to [w_min, w_max] and writes them back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chip_emulator.ppu import ProgramBuilder, isa
from chip_emulator.ppu.builder import Reg, VReg

N_STATES = 32  # ball columns = input rows = motor neurons
LOG_LEN = 1024  # per-step log ring (state, action, reward) read by the host between segments
REWARD_BY_DISTANCE = {0: 1.0, 1: 0.7, 2: 0.4, 3: 0.1}  # Wunderlich et al. 2019; else 0
LABEL_ON, LABEL_OFF = 0, 63
PADDLE_SPEED = 2  # columns per step (our choice)
CREDITS = ("all", "winner")  # which synapses of row s the rule sees correlation for (see build_pong_program)
PADDLE_HALF_WIDTH = 1  # a hit: |paddle - ball| <= 1 when the ball reaches the bottom row


def reward_table_q7() -> np.ndarray:
    """R(distance) in units of 1/128, for distances 0..31 (Q0.7 scale, 1.0 = 128)."""
    t = np.zeros(N_STATES, np.int32)
    for d, r in REWARD_BY_DISTANCE.items():
        t[d] = int(round(r * 128))
    return t


@dataclass(frozen=True)
class RuleRegs:
    amp: VReg  # causal amplitude / 2 of row s, >= 0 (after the correlation threshold)
    w: VReg  # weights of row s (in: old, out: new before clamping)
    dr: Reg  # R - mean_R[s], Q0.7 scalar in [-128, 127]
    zero: VReg


RuleEmitter = Callable[[ProgramBuilder, RuleRegs], None]


def build_pong_program(emit_rule: RuleEmitter, *, smooth_q8: int, theta: int, w_min: int, w_max: int,
                       corr_shift: int = 0, mean_r0_q15: int = 0, credit: str = "all") -> ProgramBuilder:
    """The program with the rule's weight update emitted by ``emit_rule``; returns the builder
    (the rule may add symbols before ``build``). Host symbols (int32 unless noted): ball_x,
    ball_y, ball_vx, ball_vy, paddle, state, k (invocations), reward_sum, hits, misses,
    mean_r (int32[32], Q0.15), log_state / log_action / log_reward (uint8[LOG_LEN])."""
    for name, v, lo, hi in (("smooth_q8", smooth_q8, 0, 256), ("theta", theta, 0, 127),
                            ("w_min", w_min, 0, 63), ("w_max", w_max, 0, 63)):
        if not lo <= int(v) <= hi:
            raise ValueError(f"{name} = {v}: allowed {lo}..{hi}")
    if not 0 <= int(corr_shift) <= 3:
        raise ValueError(f"corr_shift = {corr_shift}: allowed 0..3 (correlation gain 1, 2, 4, 8)")
    if w_min > w_max:
        raise ValueError(f"w_min = {w_min} > w_max = {w_max}")
    if credit not in CREDITS:
        raise ValueError(f"credit = {credit!r}: allowed {CREDITS}")
    b = ProgramBuilder()
    for name in ("ball_x", "ball_y", "ball_vx", "ball_vy", "paddle", "state", "k", "reward_sum",
                 "hits", "misses"):
        b.symbol(name, "int32")
    b.symbol("mean_r", "int32", N_STATES, np.full(N_STATES, mean_r0_q15))
    b.symbol("reward_table", "int32", N_STATES, reward_table_q7())
    for name in ("log_state", "log_action", "log_reward"):
        b.symbol(name, "uint8", LOG_LEN)
    b.symbol("base_buf", "int8", 128)
    b.symbol("rates_buf", "uint8", 128)
    b.symbol("rng_buf", "uint8", 128)
    if credit == "winner":
        b.symbol("lane_idx", "uint8", 128, np.arange(128))

    zero, v63, ones = b.vreg("zero"), b.vreg("v63"), b.vreg("ones")
    amp, w, tmp, vth = b.vreg("amp"), b.vreg("w"), b.vreg("tmp"), b.vreg("theta")
    wlo, whi = b.vreg("wlo"), b.vreg("whi")
    k, s, a, r, p, q = (b.reg(n) for n in ("k", "s", "a", "r", "p", "q"))
    best, key, x, dr, zr = (b.reg(n) for n in ("best", "key", "x", "dr", "zr"))

    b.splat(zero, 0)
    b.splat(v63, LABEL_OFF)
    b.splat(ones, 1)
    b.splat(vth, theta)
    b.splat(wlo, w_min)
    b.splat(whi, w_max)
    b.li(zr, 0)
    b.load_word(k, "k")
    b.load_word(s, "state")
    switch = b.label("switch")
    b.cmpi(k, 0)
    b.bc(switch, c=isa.BR_EQ)

    # ---- the action: argmax of the rate counters, ties broken by a column random byte
    b.io_in(tmp, isa.IO_RATES_CLEAR, 0, 0)
    b.store_vector(tmp, "rates_buf")
    b.io_in(tmp, isa.IO_RNG, 0, 0)
    b.store_vector(tmp, "rng_buf")
    b.li(best, -1)
    b.li(a, 0)
    with b.loop("j", 0, N_STATES) as j:
        skip = b.label("not_better")
        b.la(p, "rates_buf")
        b.add(p, p, j)
        b.lbz(key, p, 0)
        b.slwi(key, key, 8)
        b.la(p, "rng_buf")
        b.add(p, p, j)
        b.lbz(q, p, 0)
        b.add(key, key, q)  # rate * 256 + random byte
        b.cmp(key, best)
        b.bc(skip, c=isa.BR_LE)
        b.addi(best, key, 0)
        b.addi(a, j, 0)
        b.place(skip)

    # ---- reward R = table[|a - s|] (Q0.7 scale) and dR = R - mean_R[s]
    b.sub(x, a, s)
    pos = b.label("dist_pos")
    b.cmpi(x, 0)
    b.bc(pos, c=isa.BR_GE)
    b.sub(x, s, a)
    b.place(pos)
    b.slwi(x, x, 2)
    b.la(p, "reward_table")
    b.add(p, p, x)
    b.lwz(r, p, 0)
    b.la(p, "mean_r")
    b.slwi(q, s, 2)
    b.add(p, p, q)  # p = &mean_r[s], kept until the update below
    b.lwz(q, p, 0)  # mean_R[s], Q0.15
    b.slwi(x, r, 8)  # R in Q0.15
    b.sub(x, x, q)  # R - mean_R (Q0.15)
    b.srawi(dr, x, 8)  # Q0.7
    ok = b.label("dr_ok")
    b.cmpi(dr, 127)
    b.bc(ok, c=isa.BR_LE)
    b.li(dr, 127)
    b.place(ok)
    b.li(key, smooth_q8)
    b.mullw(x, x, key)
    b.srawi(x, x, 8)
    b.add(q, q, x)
    b.stw(q, p, 0)  # mean_R[s] += smooth * (R - mean_R[s])          (running mean per state)

    # ---- the weight update of row s (the rule), then clamp and write back
    b.io_in(amp, isa.IO_CAUSAL, s, 0)
    b.fxvshb(amp, amp, 31)  # reading / 2 (logical: readings are 0..255)
    b.load_vector(tmp, "base_buf")
    b.fxvsubbfs(amp, tmp, amp)  # (baseline - reading) / 2
    b.fxvsubbfs(amp, amp, vth)  # minus the correlation threshold
    b.fxvcmpb(amp)
    b.fxvsel(amp, amp, zero, c=isa.C_LT)  # max(., 0)
    for _ in range(int(corr_shift)):
        b.fxvaddbfs(amp, amp, amp)  # digital correlation gain 2^corr_shift, saturating at 127
    b.io_in(w, isa.IO_WEIGHTS, s, 0)
    if credit == "winner":
        w_old = b.vreg("w_old")
        b.fxvaddbfs(w_old, w, zero)
    emit_rule(b, RuleRegs(amp=amp, w=w, dr=dr, zero=zero))
    if credit == "winner":  # only the chosen action's synapse changes (an ideal winner-take-all)
        va = b.vreg("winner")
        b.load_vector(tmp, "lane_idx")
        b.fxvsplatb(va, a)
        b.fxvsubbfs(tmp, tmp, va)  # lane - a
        b.fxvcmpb(tmp)
        b.fxvsel(w, w, w_old, c=isa.C_GT)
        b.fxvsel(w, w, w_old, c=isa.C_LT)
    b.clamp_bytes(w, wlo, whi, tmp)
    b.io_out(w, isa.IO_WEIGHTS, s, 0)

    # ---- log (ring of LOG_LEN steps) and totals
    b.addi(x, k, -1)
    b.andi(x, x, LOG_LEN - 1)
    for sym, reg in (("log_state", s), ("log_action", a), ("log_reward", r)):
        b.la(p, sym)
        b.add(p, p, x)
        b.stb(reg, p, 0)
    b.add_to_word(q, "reward_sum", r)

    # ---- the game: paddle towards a (at most PADDLE_SPEED), ball moves and reflects
    b.load_word(p, "paddle")
    b.sub(x, a, p)
    lim_hi, lim_lo, moved = b.label("lim_hi"), b.label("lim_lo"), b.label("moved")
    b.cmpi(x, PADDLE_SPEED)
    b.bc(lim_hi, c=isa.BR_GT)
    b.cmpi(x, -PADDLE_SPEED)
    b.bc(lim_lo, c=isa.BR_LT)
    b.add(p, p, x)
    b.b(moved)
    b.place(lim_hi)
    b.addi(p, p, PADDLE_SPEED)
    b.b(moved)
    b.place(lim_lo)
    b.addi(p, p, -PADDLE_SPEED)
    b.place(moved)
    b.store_word(p, "paddle")
    # x axis
    b.load_word(x, "ball_x")
    b.load_word(q, "ball_vx")
    b.add(x, x, q)
    _reflect(b, x, q, "ball_vx", zr, best)
    b.store_word(x, "ball_x")
    # y axis; at the bottom row the paddle hits or misses
    b.load_word(key, "ball_y")
    b.load_word(q, "ball_vy")
    b.add(key, key, q)
    not_bottom, counted = b.label("not_bottom"), b.label("counted")
    b.cmpi(key, 0)
    b.bc(not_bottom, c=isa.BR_GE)  # the ball passes the bottom row (y < 0, reflected below)
    b.sub(best, x, p)  # ball - paddle
    absd = b.label("absd")
    b.cmpi(best, 0)
    b.bc(absd, c=isa.BR_GE)
    b.sub(best, p, x)
    b.place(absd)
    miss = b.label("miss")
    b.cmpi(best, PADDLE_HALF_WIDTH)
    b.bc(miss, c=isa.BR_GT)
    b.add_to_word(best, "hits")
    b.b(counted)
    b.place(miss)
    b.add_to_word(best, "misses")
    b.place(counted)
    b.place(not_bottom)
    _reflect(b, key, q, "ball_vy", zr, best)
    b.store_word(key, "ball_y")
    # old row off; the new state is the ball's column
    b.io_out(v63, isa.IO_LABELS, s, 0)
    b.addi(s, x, 0)
    b.store_word(s, "state")

    # ---- switch to the state's row: labels on, correlation reset, its baseline, neurons reset
    b.place(switch)
    b.io_out(zero, isa.IO_LABELS, s, 0)
    b.io_out(zero, isa.IO_CORR_RESET, s, 0)
    b.io_in(tmp, isa.IO_CAUSAL, s, 0)
    b.fxvshb(tmp, tmp, 31)
    b.store_vector(tmp, "base_buf")
    b.io_out(ones, isa.IO_NEURON_RESET, 0, 0)
    b.io_in(tmp, isa.IO_RATES_CLEAR, 0, 0)
    b.addi(k, k, 1)
    b.store_word(k, "k")
    b.halt()
    return b


def _reflect(b: ProgramBuilder, pos: Reg, vel: Reg, vel_symbol: str, zr: Reg, tmp: Reg) -> None:
    """pos in 0..31 after a move, reflecting at both walls (velocity negated and stored)."""
    low, high, done = b.label("refl_low"), b.label("refl_high"), b.label("refl_done")
    b.cmpi(pos, 0)
    b.bc(low, c=isa.BR_LT)
    b.cmpi(pos, N_STATES - 1)
    b.bc(high, c=isa.BR_GT)
    b.b(done)
    b.place(low)
    b.sub(pos, zr, pos)  # -pos
    b.sub(vel, zr, vel)
    b.store_word(vel, vel_symbol)
    b.b(done)
    b.place(high)
    b.li(tmp, 2 * (N_STATES - 1))
    b.sub(pos, tmp, pos)  # 62 - pos
    b.sub(vel, zr, vel)
    b.store_word(vel, vel_symbol)
    b.place(done)

