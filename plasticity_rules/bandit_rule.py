"""The bandit agent's processor program and the bandit rule of Bohnstingl et al. (2019).

Bohnstingl, T., Scherr, F., Pehle, C., Meier, K. & Maass, W. (2019). Neuromorphic hardware
learns to learn. Front. Neurosci. 13:483. Rule, for the chosen arm a only:

    w_a   <- (1 - eta_a) w_a + eta_a r          (r in {0, 1} mapped to {0, 63} weight units)
    eta_a <- eta_a * decay

Five meta-parameters (genes): learning rate eta0, weight prior w0 (every plastic weight at
the start of an episode), decay, action inhibition (weight of the inhibitory synapses by
which each action neuron's spikes reach the other action neurons of its bandit) and
stimulus inhibition (weight of an inhibitory synapse from the state input onto every action
neuron: feed-forward inhibition that sets how much plastic drive a neuron needs to fire).

The agent (one chip hemisphere runs `bandits` agents side by side, lane-parallel):
row 0 (excitatory, plastic): the state input -> every action neuron; row 1 (inhibitory):
the same state input, weight = stimulus inhibition; rows 2 + a (inhibitory): the spikes of
arm a's action neurons, label = bandit index, reaching the other arms' neurons of the same
bandit. Action neuron of bandit i, arm a = column a * bandits + i ("blocked" lanes).

The program (one invocation per pull, at the end of the pull's window; the first
invocation, at t = 0, only initialises): read and clear the rate counters; per bandit the
arm with the highest count is chosen (a tie, also silence, is broken by a fair coin from
the column random generators; with more than 2 arms, sequential coins: later arms win a
multi-way tie more often); the reward is drawn from a column generator against the arm's
probability the host wrote (`p_thr`, 7 bit: r = 1 iff u7 <= p_thr, u7 = rng >> 1, so
p = (p_thr + 1) / 128: the host writes round(128 p) - 1); the rule updates; pulls per lane
are counted (`pulls`). Cross-lane moves (arm a of bandit i <-> lane i) go through SRAM: a
vector stored and reloaded at an offset. Fixed point: eta, decay Q0.7 (k / 128); products
are rounded stochastically with a column random byte (floor(x + u), u ~ U[0, 1)), so small
learning rates still act on 6-bit weights on average.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chip_emulator.ppu import ProgramBuilder, VReg, isa, make_array_io, new_state, run_once
from chip_emulator.ppu.builder import R0, Reg
from chip_emulator.ppu.program import Program, read_symbol, write_symbol

from .genes import GeneSpec

ROW_STIM, ROW_STIM_INH, ROW_ACT_INH = 0, 1, 2  # rows of the agent (ROW_ACT_INH + arm)
W_MAX = 63


def n_rows(arms: int) -> int:
    return ROW_ACT_INH + arms + (ROW_ACT_INH + arms) % 2  # drivers hold 2 rows


def max_bandits(arms: int) -> int:
    """Bandits per hemisphere: arms * bandits lanes in one half row, bandit index a 6-bit label."""
    return min(64, 128 // arms)


def labels(arms: int, bandits: int) -> np.ndarray:
    """Synapse labels (rows, columns): inhibitory rows carry the bandit index, others 0."""
    lab = np.zeros((n_rows(arms), arms * bandits), np.int64)
    lab[ROW_ACT_INH:ROW_ACT_INH + arms] = np.tile(np.arange(bandits), arms)
    return lab


def q07(x: float) -> int:
    """A value in [0, 1] (or [-1, 1]) as a Q0.7 byte, 1.0 saturating to 127."""
    return int(np.clip(np.round(x * 128.0), -128, 127))


@dataclass
class PullContext:
    """Vector registers the rule sees in its update (all lanes blocked: a * bandits + i)."""

    b: ProgramBuilder
    arms: int
    bandits: int
    w: VReg  # current plastic weights 0..63
    chosen: VReg  # 1 where this lane's arm was chosen, else 0
    reward: VReg  # the bandit's reward (0/1), on all of its lanes
    rnd: VReg  # a fresh random byte per lane (for stochastic rounding)
    zero: VReg
    one: VReg
    step: Reg  # pulls done before this one (scalar)
    rotate: Callable[[VReg, VReg, int], None]  # rotate(dst, src, arms_offset)
    sfmul: Callable[[VReg, VReg, VReg, VReg], None]  # sfmul(dst, a, b, rnd) = sround(a b / 128)


class AgentProgram:
    """Builds the per-pull program around a rule's update (see the module docstring)."""

    def __init__(self, arms: int, bandits: int):
        if not (isinstance(arms, int) and arms >= 2):
            raise ValueError(f"arms must be an integer >= 2, got {arms!r}")
        if not (isinstance(bandits, int) and 1 <= bandits <= max_bandits(arms)):
            raise ValueError(f"bandits per chip must be 1..{max_bandits(arms)} for {arms} arms, "
                             f"got {bandits!r}")
        self.arms, self.bandits = arms, bandits
        self.lanes = arms * bandits

    def build(self, w_prior: int, w_action_inh: int, w_stim_inh: int,
              rule_state: Mapping[str, int], emit_init: Callable, emit_update: Callable) -> Program:
        K, NB, L = self.arms, self.bandits, self.lanes
        b = ProgramBuilder()
        b.symbol("initialised", "int32")
        b.symbol("step", "int32")
        b.symbol("p_thr", "int8", 128)  # host: round(128 p) - 1 per lane
        b.symbol("pulls", "int8", 128)  # out: pulls per lane
        b.symbol("chosen", "int8", 2 * 128)  # out: chosen flags of the last pull (lanes 0..L-1)
        b.symbol("reward", "int8", 128)  # out: reward of the last pull per lane
        b.symbol("buf", "int8", 2 * 128)  # scratch for cross-lane moves
        for a in range(K):
            inh = np.where(np.arange(128) // NB == a, 0, w_action_inh)
            inh[L:] = 0
            b.vector_constant(f"inh{a}", inh)
        for name, value in rule_state.items():
            b.symbol(name, "int8", 128, init=np.full(128, value))
        zero, one, v127, t0, t1 = (b.vreg(n) for n in ("zero", "one", "v127", "t0", "t1"))
        flag, step, addr = b.reg("flag"), b.reg("stepr"), b.reg("addr")
        b.splat(zero, 0)
        b.splat(one, 1)
        b.load_word(flag, "initialised")
        b.cmpi(flag, 0)
        main = b.label("pull")
        b.bc(main, c=isa.BR_NE)
        # ---- first invocation (t = 0): the network and the rule's state
        b.splat(t0, w_prior)
        b.io_out(t0, isa.IO_WEIGHTS, ROW_STIM)
        b.splat(t0, w_stim_inh)
        b.io_out(t0, isa.IO_WEIGHTS, ROW_STIM_INH)
        for a in range(K):
            b.load_vector(t0, f"inh{a}")
            b.io_out(t0, isa.IO_WEIGHTS, ROW_ACT_INH + a)
        b.store_vector(zero, "pulls")
        emit_init(b)
        b.li(flag, 1)
        b.store_word(flag, "initialised")
        b.halt()
        # ---- a pull
        b.place(main)
        b.load_word(step, "step")
        b.splat(v127, 127)
        cnt = b.vreg("cnt")
        b.io_in(cnt, isa.IO_RATES_CLEAR)
        b.fxvcmpb(cnt)
        b.fxvsel(cnt, cnt, v127, c=isa.C_LT)  # counts >= 128 read negative: clip to 127
        b.store_vector(cnt, "buf")
        best, idx, rnd, va = (b.vreg(n) for n in ("best", "idx", "rnd", "va"))
        b.fxvaddbm(best, cnt, zero)
        b.splat(idx, 0)
        for a in range(1, K):  # per bandit (lanes 0..NB-1): argmax over arms, fair coin on ties
            b.la(addr, "buf", a * NB)
            b.fxvlax(cnt, R0, addr)
            b.io_in(rnd, isa.IO_RNG)
            b.fxvsubbfs(t0, cnt, best)
            b.fxvaddbfs(t0, t0, t0)  # 2 (c_a - best): even, keeps its sign
            b.fxvcmpb(rnd)
            b.fxvsubbm(t1, zero, one)
            b.fxvsel(t1, one, t1, c=isa.C_LT)  # coin: -1 or +1
            b.fxvaddbfs(t0, t0, t1)  # nonzero; its sign decides, the coin only on a tie
            b.fxvcmpb(t0)
            b.fxvsel(best, best, cnt, c=isa.C_GT)
            b.splat(va, a)
            b.fxvsel(idx, idx, va, c=isa.C_GT)
        for a in range(K):  # chosen flags in blocked lanes: arm a's flags stored at offset a NB
            b.splat(va, a)
            b.fxvsubbm(t0, idx, va)
            b.fxvcmpb(t0)
            b.fxvsel(t0, zero, one, c=isa.C_EQ)
            b.la(addr, "chosen", a * NB)
            b.fxvstax(t0, R0, addr)
        for v in (cnt, best, idx):
            b.free(v)
        chosen = b.vreg("chosen")
        b.load_vector(chosen, "chosen")
        # reward: r = 1 iff u7 <= p_thr, for every lane; the chosen lane's draw counts
        b.load_vector(t0, "p_thr")
        b.io_in(rnd, isa.IO_RNG)
        b.fxvshb(rnd, rnd, 31)  # logical right by 1: u7 in 0..127
        b.fxvsubbm(t0, t0, rnd)  # p_thr - u7 in [-128, 127]
        b.fxvcmpb(t0)
        b.fxvsel(t0, one, zero, c=isa.C_LT)
        b.fxvcmpb(chosen)
        b.fxvsel(t0, zero, t0, c=isa.C_GT)  # only the chosen arm's draw
        reward = b.vreg("reward")
        b.fxvaddbm(reward, t0, zero)
        rot = b.vreg("rot")

        def rotate(dst: VReg, src: VReg, k: int) -> None:
            """dst[j] = src[(j + k NB) mod L] for j < L (store twice, load at the offset)."""
            b.store_vector(src, "buf")
            b.la(addr, "buf", L)
            b.fxvstax(src, R0, addr)
            b.la(addr, "buf", (k % K) * NB)
            b.fxvlax(dst, R0, addr)

        for a in range(1, K):  # the bandit's reward on all of its lanes
            rotate(rot, t0, a)
            b.fxvaddbm(reward, reward, rot)
        b.store_vector(reward, "reward")
        w = b.vreg("w")
        b.io_in(w, isa.IO_WEIGHTS, ROW_STIM)
        b.io_in(rnd, isa.IO_RNG)

        def sfmul(dst: VReg, x: VReg, y: VReg, r: VReg) -> None:
            """dst <- floor(x y / 128 + u), u = (r + 128) / 256: stochastic rounding."""
            b.splat(dst, 64)
            b.fxvmtacb(dst, dst)  # ACC <- 64
            b.fxvaddactacbm(dst, dst)  # ACC <- 128
            b.fxvmatacbfs(dst, x, y)  # ACC <- 128 + 2 x y   (Q0.15 of x y / 128)
            b.fxvaddacbm(dst, r)  # upper byte of ACC + r

        ctx = PullContext(b, K, NB, w, chosen, reward, rnd, zero, one, step, rotate, sfmul)
        emit_update(ctx)  # leaves the new weights in ctx.w
        vmax = va
        b.splat(vmax, W_MAX)
        b.clamp_bytes(w, zero, vmax, t0)
        b.io_out(w, isa.IO_WEIGHTS, ROW_STIM)
        b.load_vector(t0, "pulls")
        b.fxvaddbm(t0, t0, chosen)
        b.store_vector(t0, "pulls")
        b.addi(step, step, 1)
        b.store_word(step, "step")
        b.halt()
        return b.build()


def write_probabilities(sram: np.ndarray, program: Program, p: np.ndarray) -> None:
    """Host: reward probabilities (bandits, arms) into `p_thr` (blocked lanes, 7 bit)."""
    p = np.asarray(p, np.float64)
    thr = np.clip(np.round(p.T.reshape(-1) * 128.0) - 1, -1, 127).astype(np.int64)
    full = np.zeros(128, np.int64)
    full[:thr.size] = thr
    write_symbol(sram, program, "p_thr", full)


def _genes(specs: tuple[GeneSpec, ...], genes: Mapping[str, float]) -> dict[str, float]:
    out = {}
    for s in specs:
        if s.name not in genes:
            raise ValueError(f"gene {s.name!r} missing; the rule has {[x.name for x in specs]}")
        v = float(genes[s.name])
        if not (np.isfinite(v) and s.lower <= v <= s.upper):
            raise ValueError(f"gene {s.name} = {v!r} outside [{s.lower}, {s.upper}]")
        out[s.name] = v
    return out


def network_genes() -> tuple[GeneSpec, ...]:
    """The agent's network meta-parameters (shared by every bandit rule); defaults hand-tuned."""
    return (
        GeneSpec("weight_prior", 0.0, 63.0, 56.0),
        GeneSpec("action_inhibition", 0.0, 63.0, 40.0),
        GeneSpec("stimulus_inhibition", 0.0, 63.0, 0.0),
    )


@dataclass(frozen=True)
class BohnstinglRule:
    """w_a <- (1 - eta_a) w_a + eta_a r,  eta_a <- eta_a decay  (chosen arm only)."""

    arms: int = 2
    bandits: int = 40  # per chip hemisphere (lanes)
    name: str = "bohnstingl"

    def gene_specs(self) -> tuple[GeneSpec, ...]:
        # defaults: the hand-tuned constants (l2l/tasks/bandit/tune.py, a grid on training seeds)
        return (GeneSpec("learning_rate", 0.0, 1.0, 0.3),) + network_genes()[:1] + (
            GeneSpec("decay", 0.5, 1.0, 0.9),) + network_genes()[1:]

    def compile(self, genes: Mapping[str, float]) -> Program:
        g = _genes(self.gene_specs(), genes)

        def init(b: ProgramBuilder) -> None:
            pass  # eta starts at eta0 from the data image of the symbol

        def update(c: PullContext) -> None:
            b = c.b
            t, d, e, nw = (b.vreg(n) for n in ("bt", "bd", "be", "bnw"))
            b.load_vector(e, "eta")
            b.splat(t, W_MAX)
            b.fxvcmpb(c.reward)
            b.fxvsel(t, c.zero, t, c=isa.C_GT)  # target r * 63
            b.fxvsubbm(d, t, c.w)  # r - w (weight units, |.| <= 63)
            c.sfmul(nw, e, d, c.rnd)  # eta (r - w), rounded stochastically   (rule, eq. 1)
            b.fxvaddbm(nw, nw, c.w)
            b.io_in(c.rnd, isa.IO_RNG)
            b.splat(t, q07(g["decay"]))
            c.sfmul(d, e, t, c.rnd)  # eta decay                               (rule, eq. 2)
            b.fxvcmpb(c.chosen)
            b.fxvsel(c.w, c.w, nw, c=isa.C_GT)
            b.fxvsel(e, e, d, c=isa.C_GT)
            b.store_vector(e, "eta")
            for v in (nw, e, d, t):
                b.free(v)

        return AgentProgram(self.arms, self.bandits).build(
            int(round(g["weight_prior"])), int(round(g["action_inhibition"])),
            int(round(g["stimulus_inhibition"])), {"eta": q07(g["learning_rate"])}, init, update)

    def portrait(self, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
        return portrait(self, genes, **axes)


PORTRAIT_AXES = ("weight", "reward", "chosen", "other_weight", "step")


def portrait(rule, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
    """dw of one pull (6-bit weight units) for every combination of the given axes, by
    running the compiled program on the emulated processor (array-backed I/O).

    Axes (default in brackets): weight 0..63 [all], reward 0/1 [0, 1], chosen 0/1 [1],
    other_weight 0..63 [32] (2 arms), step (pulls done before) [0]. A rule's eta state
    starts fresh (its value at step 0); `step` only reaches rules that read it. Stochastic
    rounding makes dw random by up to one unit: the table holds the mean over 64 draws.
    """
    bad = set(axes) - set(PORTRAIT_AXES)
    if bad:
        raise ValueError(f"portrait axes {sorted(bad)} unknown; allowed: {PORTRAIT_AXES}")
    grid = {"weight": np.arange(64), "reward": np.array([0, 1]), "chosen": np.array([1]),
            "other_weight": np.array([32]), "step": np.array([0])}
    grid.update({k: np.atleast_1d(np.asarray(v, np.int64)) for k, v in axes.items()})
    mesh = np.meshgrid(*grid.values(), indexing="ij")
    table = pd.DataFrame({k: m.reshape(-1) for k, m in zip(grid, mesh, strict=True)})
    if rule.arms != 2:
        raise ValueError(f"portrait needs a 2-armed rule (other_weight), got arms={rule.arms}")
    arms, nb = 2, rule.bandits
    prog = rule.compile(genes)
    dw = np.zeros(len(table))
    reps = 64
    for step, group in table.groupby("step"):
        for start in range(0, len(group), nb):
            rows = group.iloc[start:start + nb]
            n = len(rows)
            chosen = rows["chosen"].to_numpy() == 1
            acc = np.zeros(n)
            for rep in range(reps):
                io = make_array_io(rows=n_rows(arms), cols=arms * nb, seed=rep)
                st = new_state(prog)
                run_once(prog, st, io)  # the initialising invocation
                w = np.full(arms * nb, 32, np.int64)
                w[:n] = rows["weight"]
                w[nb:nb + n] = rows["other_weight"]
                io.rows[isa.IO_WEIGHTS, ROW_STIM] = w
                rates = np.zeros(arms * nb, np.uint8)
                rates[:n] = np.where(chosen, 20, 0)
                rates[nb:nb + n] = np.where(chosen, 0, 20)
                io.neurons[0] = rates
                p = np.zeros((nb, arms))
                p[:n, :] = rows["reward"].to_numpy()[:, None]
                write_probabilities(st.sram, prog, p)
                write_symbol(st.sram, prog, "step", int(step))
                run_once(prog, st, io)
                acc += io.rows[isa.IO_WEIGHTS, ROW_STIM, :n].astype(np.int64) - rows["weight"].to_numpy()
            dw[rows.index.to_numpy()] = acc / reps
    table["dw"] = dw
    return table


def read_pulls(sram: np.ndarray, program: Program, arms: int, bandits: int) -> np.ndarray:
    """Pulls per (bandit, arm) from the program's `pulls` vector."""
    v = read_symbol(sram, program, "pulls")[:arms * bandits].astype(np.int64)
    return v.reshape(arms, bandits).T
