"""Portrait of the MDP rule: the change of Q[s, a] after one step, as a function of the reward,
Q[s, a] and Q[s', a'], measured by running the COMPILED program (`mdp_rule`) for one step.

Set-up: s0 = 0, every row of Q[0, .] = q (so any greedy action is the same), every other state's
Q = q_next, epsilon as in the genes, mu[0, .] = 1 or 0 (the `reward` axis), every transition from
state 0 leads away from it. `dw` is the change of Q[0, a] in Q0.7 units (1/128).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from chip_emulator.ppu import make_array_io, new_state, read_symbol, run_once, write_symbol

N_S, N_A = 6, 8


def mdp_portrait(rule, genes: Mapping[str, float], reward=None, q=None, q_next=None) -> pd.DataFrame:
    reward = np.atleast_1d([0, 1] if reward is None else reward).astype(int)
    q = np.atleast_1d(np.linspace(0, 0.9, 4) if q is None else q).astype(float)
    q_next = np.atleast_1d(np.linspace(0, 0.9, 4) if q_next is None else q_next).astype(float)
    if not set(np.unique(reward)) <= {0, 1}:
        raise ValueError("reward must be 0 or 1 (Bernoulli rewards)")
    for name, v in (("q", q), ("q_next", q_next)):
        if v.min() < 0 or v.max() >= 1:
            raise ValueError(f"{name} must be within [0, 1)")
    program = rule.compile({**genes, "epsilon": 0.0})
    rows = []
    for r, qq, qn in itertools.product(reward, q, q_next):
        qi, qni = int(round(qq * 128)), int(round(qn * 128))
        st = new_state(program)
        qv = np.full(128, qni, np.int8)
        qv[:N_A] = qi
        cdf = np.full(N_S * N_A * N_S, 255, np.uint8)
        cdf[0:N_A * N_S:N_S] = 0  # from state 0: never back to state 0
        mu = np.zeros(N_S * N_A, np.uint8)
        mu[:N_A] = 255 if r else 0
        for name, v in (("n_steps", 1), ("s0", 0), ("mu", mu), ("cdf", cdf), ("q", qv)):
            write_symbol(st.sram, program, name, v)
        run_once(program, st, make_array_io(8, 128, seed=3))
        a = int(read_symbol(st.sram, program, "log_action")[0])
        got_r = int(read_symbol(st.sram, program, "log_reward")[0])
        q_new = int(read_symbol(st.sram, program, "q")[a])
        rows.append((got_r, qq, qn, q_new - qi))
    return pd.DataFrame(rows, columns=["reward", "q", "q_next", "dw"])
