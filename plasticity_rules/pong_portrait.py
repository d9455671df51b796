"""Portrait of a Pong rule: dw as a function of causal correlation, reward difference and weight,
measured by running the COMPILED program (`pong_program`) once per point on the emulated processor.

Set-up per invocation (array-backed I/O, 32 rows x 32 columns): state s = 0, rate counter of
neuron 0 highest (so a = s and R = 1), mean_R[0] = 1 - reward (so R - mean_R = the `reward` axis),
row 0's causal readings = baseline - causal (one value per column), its weights = `weight`.
dw = the weight after the invocation minus before (clamping included), in 6-bit units.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from chip_emulator.ppu import Program, isa, make_array_io, new_state, run_once, write_symbol

from .pong_program import N_STATES

BASELINE = 200  # reading after a reset in the portrait's array (CADC readings fall from it)


def pong_portrait(program: Program, causal=None, reward=None, weight=None) -> pd.DataFrame:
    """Tidy table: columns causal (CADC LSB), reward (R - mean_R), weight, dw."""
    causal = np.atleast_1d(np.arange(0, 129, 8) if causal is None else causal).astype(float)
    reward = np.atleast_1d(np.linspace(-1, 1, 9) if reward is None else reward).astype(float)
    weight = np.atleast_1d(32 if weight is None else weight).astype(int)
    if causal.min() < 0 or causal.max() > BASELINE:
        raise ValueError(f"causal must be within 0..{BASELINE} LSB")
    if reward.min() < -1 or reward.max() > 1:
        raise ValueError("reward (R - mean_R) must be within -1..1")
    if weight.min() < 0 or weight.max() > 63:
        raise ValueError("weight must be within 0..63")
    rows = []
    for r, w in itertools.product(reward, weight):
        for i0 in range(0, causal.size, N_STATES):
            c = causal[i0:i0 + N_STATES]
            dw = _one_call(program, c, float(r), int(w))
            rows += [(float(ci), r, int(w), int(d)) for ci, d in zip(c, dw, strict=True)]
    return pd.DataFrame(rows, columns=["causal", "reward", "weight", "dw"])


def _one_call(program: Program, causal: np.ndarray, reward: float, weight: int) -> np.ndarray:
    n = causal.size
    io = make_array_io(N_STATES, N_STATES, seed=0)
    io.rows[isa.IO_CAUSAL] = BASELINE
    io.baseline[:] = BASELINE
    io.rows[isa.IO_CAUSAL, 0, :n] = np.clip(np.round(BASELINE - causal), 0, 255).astype(np.uint8)
    io.rows[isa.IO_WEIGHTS, 0] = weight
    io.neurons[0, :] = 0
    io.neurons[0, 0] = 255  # neuron 0 wins: action 0 = state 0, R = 1
    st = new_state(program)
    for name, v in (("k", 1), ("state", 0), ("ball_x", 0), ("ball_y", 16), ("ball_vx", 1),
                    ("ball_vy", 1), ("paddle", 0)):
        write_symbol(st.sram, program, name, v)
    mean_r = np.zeros(N_STATES, np.int64)
    mean_r[0] = int(round((1.0 - reward) * 128)) << 8  # Q0.15
    write_symbol(st.sram, program, "mean_r", mean_r.astype(np.int32))
    write_symbol(st.sram, program, "base_buf", np.full(128, BASELINE >> 1, np.int8))
    run_once(program, st, io)
    return io.rows[isa.IO_WEIGHTS, 0, :n].astype(int) - weight
