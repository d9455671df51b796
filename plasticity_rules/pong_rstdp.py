"""R-STDP in the Pong form as a plasticity-processor program (with the game, `pong_program`).

Wunderlich, T. et al. (2019). Demonstrating advantages of neuromorphic computation: a pilot study.
Frontiers in Neuroscience 13, 260; reward minus its running mean per state as in Fremaux,
Sprekeler & Gerstner (2010) (../shared/REFERENCE.md, "Pong", "R-STDP"):

    dw_ij = round(lr * c_ij * (R - mean_R[s]))        c_ij: causal correlation of row s (CADC LSB)
    w_ij  <- clip(w_ij + dw_ij, w_min, w_max)
    mean_R[s] <- mean_R[s] + smooth * (R - mean_R[s])

In the processor's arithmetic (`pong_program` gives amp = c / 2 and dR in Q0.7):

    k  = (dR * round(2 lr 256)) >> 8                  scalar, Q0.7, clamped to [-128, 127]
    dw = floor((127 + 2 amp k) / 256)                  = round(amp k / 128): accumulator preset 127,
                                                         one fractional multiply-add (fxvmabfs)

Credit (`credit`, our choice): "winner" (default) zeroes c_ij of every motor neuron j but the chosen
action's before the rule, as an ideal winner-take-all (lateral inhibition) between the motor
neurons would; "all" updates every synapse of row s that saw correlation.

`lr` = 0.125 is the paper's constant. The genes `tau_corr_us`, `eta_corr_lsb` (correlation time
constant and amplitude of the sensors) and `w_init` (mean of the initial weights, the paper's 14)
are read by the task, which sets up the chip; `compile` uses the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from chip_emulator.ppu import Program, ProgramBuilder

from .genes import GeneSpec
from .pong_portrait import pong_portrait
from .pong_program import RuleRegs, build_pong_program

SMOOTH_MIN = 1 / 256  # the smallest non-zero smoothing the program's Q0.8 factor holds
PAPER_LR = 0.125  # Wunderlich et al. 2019: dw = round(0.125 * causal * (R - mean_R))

PONG_TASK_GENES = (  # chip-side genes shared by the Pong rules (read by the task)
    GeneSpec("tau_corr_us", 2.0, 30.0, 15.0, log_scale=True),
    GeneSpec("eta_corr_lsb", 0.2, 2.0, 2.0, log_scale=True),
    GeneSpec("w_init", 4.0, 40.0, 14.0),
)


def mean_r_update_genes() -> tuple[GeneSpec, ...]:
    # defaults: a slow running mean (1/256, the smallest step of the program's Q0.8 factor) from an
    # optimistic start (1.0): every action but the right one is depressed while mean_R > 0.7,
    # which is what explores (docs/results.md "Pong"; our choice, the paper gives no values)
    return (GeneSpec("smooth", SMOOTH_MIN, 1.0, SMOOTH_MIN, log_scale=True),
            GeneSpec("theta", 0.0, 20.0, 0.0),
            GeneSpec("mean_r0", 0.0, 1.0, 1.0),
            GeneSpec("corr_gain", 1.0, 8.0, 8.0, log_scale=True))


def corr_shift(gain: float) -> int:
    """The digital correlation gain is a power of two (a saturating doubling per step)."""
    return int(np.clip(np.round(np.log2(max(float(gain), 1.0))), 0, 3))


def mean_r_update_options(g: Mapping[str, float]) -> dict[str, int]:
    """``build_pong_program``'s fixed-point options from the genes of ``mean_r_update_genes``
    (shared by the Pong rules)."""
    return {"smooth_q8": int(round(float(g["smooth"]) * 256)), "theta": int(round(float(g["theta"]))),
            "corr_shift": corr_shift(g["corr_gain"]),
            "mean_r0_q15": int(round(float(g["mean_r0"]) * 32768))}


@dataclass(frozen=True)
class PongRSTDP:
    name: str = "pong_rstdp"
    w_min: int = 0
    w_max: int = 63
    credit: str = "winner"  # only the chosen action's synapse is updated; "all": every synapse of row s

    def gene_specs(self) -> tuple[GeneSpec, ...]:
        lr = GeneSpec("lr", 0.01, 0.5, PAPER_LR, log_scale=True)
        return (lr,) + mean_r_update_genes() + PONG_TASK_GENES

    def defaults(self) -> dict[str, float]:
        return {g.name: g.default for g in self.gene_specs()}

    def compile(self, genes: Mapping[str, float]) -> Program:
        g = {**self.defaults(), **genes}
        lr_q8 = int(round(2 * float(g["lr"]) * 256))
        if not 0 <= lr_q8 <= 4096:
            raise ValueError(f"lr = {g['lr']}: allowed 0..8")

        def emit(b: ProgramBuilder, regs: RuleRegs) -> None:
            kr, c = b.reg("rstdp_k"), b.reg("rstdp_c")
            kv, c127, dw = b.vreg("rstdp_k"), b.vreg("rstdp_127"), b.vreg("rstdp_dw")
            b.li(c, lr_q8)
            b.mullw(kr, regs.dr, c)
            b.srawi(kr, kr, 8)  # k = dR * 2 lr (Q0.7)
            b.clamp_scalar(kr, -128, 127)
            b.fxvsplatb(kv, kr)
            b.splat(c127, 127)
            b.fxvmtacb(c127, c127)  # ACC <- 127 per lane (rounding offset)
            b.fxvmabfs(dw, regs.amp, kv)  # dw = floor((127 + 2 amp k) / 256)
            b.fxvaddbfs(regs.w, regs.w, dw)

        b = build_pong_program(emit, w_min=self.w_min, w_max=self.w_max, credit=self.credit,
                               **mean_r_update_options(g))
        return b.build()

    def reference_dw(self, genes: Mapping[str, float], causal_lsb: np.ndarray, dr: np.ndarray) -> np.ndarray:
        """The float formula: lr * c' * dR, rounded, with c' = 2 min(gain max(c / 2 - theta, 0), 127)
        (the correlation gain saturates the byte lane at 127)."""
        g = {**self.defaults(), **genes}
        amp = np.maximum(np.asarray(causal_lsb, float) / 2 - round(float(g["theta"])), 0.0)
        amp = np.minimum(amp * 2 ** corr_shift(g["corr_gain"]), 127.0)
        return np.round(float(g["lr"]) * 2 * amp * np.asarray(dr, float))

    def portrait(self, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
        # the credit mask only zeroes the other columns' correlation before the rule: the portrait
        # shows the rule at a synapse that has correlation (every column of the portrait's row)
        return pong_portrait(replace(self, credit="all").compile(genes), **axes)
