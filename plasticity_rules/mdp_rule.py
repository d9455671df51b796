"""SARSA(lambda) on the plasticity processor in 8-bit fractional vector arithmetic, for small MDPs.

Bohnstingl, T., Scherr, F., Pehle, C., Meier, K. & Maass, W. (2019). Neuromorphic hardware learns
to learn. Frontiers in Neuroscience 13, 483 (MDP: 6 states x 8 actions, 1999 steps, a TD(lambda)
style rule in 8-bit fractional vector arithmetic on the processor with meta-parameters gamma,
eta and weight bounds; ../shared/REFERENCE.md, "MDP"). TD(lambda)/SARSA as in Sutton & Barto
(2018), ch. 12.7 (replacing traces).

All 48 action values Q[s, a] are one vector (lane s * 8 + a, Q0.7), and so are the traces e.
One invocation plays `n_steps` steps; the processor also samples the environment (transition
and reward tables from the host, random bytes from its column generators):

    a'  = epsilon-greedy(Q[s', .])            greedy ties broken by a random byte
    d   = (1 - gamma) r + gamma Q[s', a'] - Q[s, a]         scalar, Q0.7, clamped   (TD error)
    e[s, a] = 1                                              (replacing trace)
    Q  <- clip(Q + round(eta d e), q_min, q_max)             vector: one fractional multiply-add
    e  <- gamma lambda e                                     vector
    (s, a) <- (s', a')

Rewards are Bernoulli (r in {0, 1}) and scaled by (1 - gamma), so Q stays within [0, 1); the
weight bounds q_min, q_max clip Q, and Q starts at q_init (above the true values: optimism
explores). Host symbols: n_steps, s0, mu (uint8[48], reward probability * 256), cdf
(uint8[48 * 6], cumulative transition probability * 256), q (int8[128]); out: log_state,
log_action, log_reward (uint8[LOG]), reward_sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chip_emulator.ppu import Program, ProgramBuilder, isa

from .genes import GeneSpec

N_S, N_A = 6, 8
MAX_STEPS = 2000  # log capacity (the task plays 1999)


def _q7(x: float) -> int:
    return int(np.clip(np.round(float(x) * 128), -128, 127))


@dataclass(frozen=True)
class MDPRule:
    name: str = "mdp_sarsa_lambda"

    def gene_specs(self) -> tuple[GeneSpec, ...]:
        return (
            GeneSpec("gamma", 0.0, 0.95, 0.5),
            GeneSpec("eta", 0.02, 0.99, 0.3, log_scale=True),
            GeneSpec("lam", 0.0, 0.95, 0.3),
            GeneSpec("epsilon", 0.0, 0.3, 0.05),
            GeneSpec("q_min", 0.0, 0.5, 0.0),
            GeneSpec("q_max", 0.5, 0.99, 0.99),
            GeneSpec("q_init", 0.0, 0.99, 0.9),
        )

    def defaults(self) -> dict[str, float]:
        return {g.name: g.default for g in self.gene_specs()}

    def constants(self, genes: Mapping[str, float]) -> dict[str, int]:
        g = {**self.defaults(), **genes}
        gamma = float(g["gamma"])
        c = {"gamma": _q7(gamma), "r_scale": _q7(1.0 - gamma), "eta": _q7(g["eta"]),
             "gl": _q7(gamma * float(g["lam"])),
             "eps": int(np.clip(round(float(g["epsilon"]) * 256), 0, 255)),
             "q_min": _q7(g["q_min"]), "q_max": _q7(g["q_max"]), "q_init": _q7(g["q_init"])}
        if c["q_min"] > c["q_max"]:
            raise ValueError(f"q_min = {g['q_min']} > q_max = {g['q_max']}")
        return c

    def compile(self, genes: Mapping[str, float]) -> Program:
        c = self.constants(genes)
        b = ProgramBuilder()
        b.symbol("n_steps", "int32")
        b.symbol("s0", "int32")
        b.symbol("reward_sum", "int32")
        b.symbol("mu", "uint8", N_S * N_A)
        b.symbol("cdf", "uint8", N_S * N_A * N_S, np.full(N_S * N_A * N_S, 255))
        b.symbol("q", "int8", 128, np.full(128, c["q_init"]))
        b.symbol("e_buf", "int8", 128)
        b.symbol("rng_buf", "uint8", 128)
        for name in ("log_state", "log_action", "log_reward"):
            b.symbol(name, "uint8", MAX_STEPS)

        qv, ev, kv, dq, glv = (b.vreg(n) for n in ("q", "e", "k", "dq", "gl"))
        lo, hi, tmp, c127 = (b.vreg(n) for n in ("lo", "hi", "tmp", "c127"))
        t, n, s, a, s2, a2, r = (b.reg(x) for x in ("t", "n", "s", "a", "s2", "a2", "r"))
        p, u, x, y, best, idx = (b.reg(x) for x in ("p", "u", "x", "y", "best", "idx"))

        b.splat(glv, c["gl"])
        b.splat(lo, c["q_min"])
        b.splat(hi, c["q_max"])
        b.splat(c127, 127)
        b.splat(ev, 0)
        b.load_vector(qv, "q")
        b.load_word(n, "n_steps")
        b.load_word(s, "s0")
        b.li(r, 0)
        b.store_word(r, "reward_sum")
        self._choose(b, c, s, a, p, u, x, y, best, tmp)

        b.li(t, 0)
        top, end = b.label("step"), b.label("end")
        b.place(top)
        b.cmp(t, n)
        b.bc(end, c=isa.BR_GE)
        # ---- environment: reward ~ Bernoulli(mu[s, a]), s' ~ P(. | s, a) (random bytes 2, 3)
        b.slwi(idx, s, 3)
        b.add(idx, idx, a)  # lane s * 8 + a
        b.la(p, "rng_buf")
        b.lbz(u, p, 2)
        b.la(p, "mu")
        b.add(p, p, idx)
        b.lbz(x, p, 0)
        b.li(r, 0)
        no_r = b.label("no_reward")
        b.cmp(u, x)
        b.bc(no_r, c=isa.BR_GE)
        b.li(r, 1)
        b.place(no_r)
        b.la(p, "rng_buf")
        b.lbz(u, p, 3)
        b.li(x, N_S)
        b.mullw(x, idx, x)
        b.la(p, "cdf")
        b.add(p, p, x)  # &cdf[idx * 6]
        b.li(s2, 0)
        scan, found = b.label("scan"), b.label("found")
        b.place(scan)
        b.cmpi(s2, N_S - 1)
        b.bc(found, c=isa.BR_GE)
        b.lbz(x, p, 0)
        b.cmp(u, x)
        b.bc(found, c=isa.BR_LT)  # u < cdf[j]: s' = j
        b.addi(p, p, 1)
        b.addi(s2, s2, 1)
        b.b(scan)
        b.place(found)
        # ---- log and totals
        for sym, reg in (("log_state", s), ("log_action", a), ("log_reward", r)):
            b.la(p, sym)
            b.add(p, p, t)
            b.stb(reg, p, 0)
        b.add_to_word(x, "reward_sum", r)
        # ---- a' = epsilon-greedy(Q[s', .]), then the TD error (scalar Q0.7)
        self._choose(b, c, s2, a2, p, u, x, y, best, tmp)
        b.slwi(x, s2, 3)
        b.add(x, x, a2)
        b.la(p, "q")
        b.add(y, p, x)
        b.lbz(x, y, 0)  # Q[s', a'] (>= 0: q_min >= 0)
        b.li(y, c["gamma"])
        b.mullw(x, x, y)
        b.srawi(x, x, 7)  # gamma Q[s', a']
        b.li(y, c["r_scale"])
        b.mullw(y, y, r)
        b.add(x, x, y)  # + (1 - gamma) r
        b.add(y, p, idx)
        b.lbz(y, y, 0)
        b.sub(x, x, y)  # - Q[s, a]                                          (TD error d)
        b.li(y, c["eta"])
        b.mullw(x, x, y)
        b.srawi(x, x, 7)  # eta d (Q0.7)
        b.clamp_scalar(x, -128, 127)
        b.fxvsplatb(kv, x)
        # ---- e[s, a] = 1; Q <- clip(Q + round(eta d e)); e <- gamma lambda e    (vector unit)
        b.store_vector(ev, "e_buf")
        b.la(p, "e_buf")
        b.add(p, p, idx)
        b.li(x, 127)
        b.stb(x, p, 0)
        b.load_vector(ev, "e_buf")
        b.fxvmtacb(c127, c127)  # ACC <- 127: rounding offset
        b.fxvmabfs(dq, ev, kv)  # floor((127 + 2 e k) / 256) = round(e k / 128)
        b.fxvaddbfs(qv, qv, dq)
        b.clamp_bytes(qv, lo, hi, tmp)
        b.store_vector(qv, "q")
        b.fxvmulbfs(ev, ev, glv)
        b.addi(s, s2, 0)
        b.addi(a, a2, 0)
        b.addi(t, t, 1)
        b.b(top)
        b.place(end)
        b.halt()
        return b.build()

    @staticmethod
    def _choose(b: ProgramBuilder, c: dict[str, int], s, a, p, u, x, y, best, tmp) -> None:
        """a <- epsilon-greedy over Q[s, .] (Q read from SRAM symbol q); draws fresh random bytes."""
        b.io_in(tmp, isa.IO_RNG, 0, 0)
        b.store_vector(tmp, "rng_buf")
        b.la(p, "rng_buf")
        b.lbz(u, p, 0)
        greedy, done = b.label("greedy"), b.label("chosen")
        b.cmpi(u, c["eps"])
        b.bc(greedy, c=isa.BR_GE)
        b.lbz(a, p, 1)
        b.andi(a, a, N_A - 1)  # explore: a uniform action
        b.b(done)
        b.place(greedy)
        b.li(best, -1)
        b.li(a, 0)
        with b.loop("j", 0, N_A) as j:
            skip = b.label("not_better")
            b.slwi(x, s, 3)
            b.add(x, x, j)
            b.la(p, "q")
            b.add(p, p, x)
            b.lbz(x, p, 0)
            b.slwi(x, x, 8)
            b.la(p, "rng_buf")
            b.add(p, p, j)
            b.lbz(y, p, 8)
            b.add(x, x, y)  # Q * 256 + random byte: ties broken at random
            b.cmp(x, best)
            b.bc(skip, c=isa.BR_LE)
            b.addi(best, x, 0)
            b.addi(a, j, 0)
            b.place(skip)
        b.place(done)

    def portrait(self, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
        from .mdp_portrait import mdp_portrait

        return mdp_portrait(self, genes, **axes)
