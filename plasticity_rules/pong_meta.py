"""The meta-plasticity network replacing R-STDP in Pong (Bohnstingl et al. 2019, meta-plasticity
variant, on the Pong task of Wunderlich et al. 2019).

Per synapse of the state's row, lane-parallel on the vector unit (`plasticity_rules.meta_network`):

    x = (amp, dR, w / 64)                 Q0.7 each: causal amplitude (after the correlation gain and
                                          threshold of `pong_program`), R - mean_R[s], the weight
    y = MLP(x)                            Q0.7
    dw = round(y * out_gain / 128)        6-bit weight units, |dw| <= out_gain
    w <- clip(w + dw, w_min, w_max)

The game, the action choice and the running mean reward are those of `pong_program`, as for the
hand-written R-STDP kernel (`pong_rstdp`); only the weight update differs.

Start (the genes' defaults, `start="rstdp"`): relu units h0 = relu(amp + dR - 1/2), h1 =
relu(amp - dR - 1/2), y = h0 - h1, a crude R-STDP (y = 2 dR, clipped, where the causal
amplitude saturates; 0 where it and |dR| are small); the other hidden units start at 0.
`start="zero"`: every weight 0 (no plasticity).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from chip_emulator.ppu import Program, ProgramBuilder

from .genes import GeneSpec
from .meta_network import MetaNetwork
from .pong_portrait import pong_portrait
from .pong_program import RuleRegs, build_pong_program
from .pong_rstdp import PONG_TASK_GENES, mean_r_update_genes, mean_r_update_options

N_INPUTS = 3  # amp, dR, weight
RSTDP_START = {"mlp_w1_0_0": 1.0, "mlp_w1_0_1": 1.0, "mlp_b1_0": -0.5,  # h0 = relu(amp + dR - 1/2)
               "mlp_w1_1_0": 1.0, "mlp_w1_1_1": -1.0, "mlp_b1_1": -0.5,  # h1 = relu(amp - dR - 1/2)
               "mlp_w2_0": 1.0, "mlp_w2_1": -1.0}  # y = h0 - h1


@dataclass(frozen=True)
class PongMetaNetwork:
    name: str = "pong_meta_network"
    n_hidden: int = 6
    activation: str = "relu"
    out_gain: int = 16
    start: str = "rstdp"  # the MLP genes' defaults: "rstdp" (a crude R-STDP) or "zero"
    credit: str = "winner"  # only the chosen action's synapse sees correlation; "all": every synapse
    w_min: int = 0
    w_max: int = 63

    def __post_init__(self):
        if not 1 <= int(self.out_gain) <= 127:
            raise ValueError(f"PongMetaNetwork.out_gain = {self.out_gain}: allowed 1..127")
        if self.start not in ("rstdp", "zero"):
            raise ValueError(f"PongMetaNetwork.start = {self.start!r}: allowed 'rstdp', 'zero'")
        if self.start == "rstdp" and self.n_hidden < 2:
            raise ValueError("PongMetaNetwork.start = 'rstdp' needs n_hidden >= 2")

    @property
    def network(self) -> MetaNetwork:
        return MetaNetwork(N_INPUTS, self.n_hidden, self.activation)

    def gene_specs(self) -> tuple[GeneSpec, ...]:
        start = RSTDP_START if self.start == "rstdp" else {}
        mlp = tuple(replace(g, default=start.get(g.name, g.default)) for g in self.network.gene_specs("mlp"))
        return mlp + mean_r_update_genes() + PONG_TASK_GENES

    def defaults(self) -> dict[str, float]:
        return {g.name: g.default for g in self.gene_specs()}

    def compile(self, genes: Mapping[str, float]) -> Program:
        g = {**self.defaults(), **genes}
        net = self.network
        params = np.array([float(g[s.name]) for s in net.gene_specs("mlp")])
        q = net.quantise(params)

        def emit(b: ProgramBuilder, regs: RuleRegs) -> None:
            dr, wq, y, gain = b.vreg("mn_dr"), b.vreg("mn_w"), b.vreg("mn_y"), b.vreg("mn_gain")
            b.fxvsplatb(dr, regs.dr)
            b.fxvaddbm(wq, regs.w, regs.w)  # w / 64 in Q0.7 (2 w, w <= 63)
            net.emit(b, q, [regs.amp, dr, wq], y)
            b.splat(gain, int(self.out_gain))
            b.splat(dr, 127)
            b.fxvmtacb(dr, dr)  # ACC <- 127: round, not floor (a floor would depress on every small y < 0)
            b.fxvmabfs(y, y, gain)  # floor((127 + 2 y out_gain) / 256) = round(y * out_gain / 128)
            b.fxvaddbfs(regs.w, regs.w, y)

        b = build_pong_program(emit, w_min=self.w_min, w_max=self.w_max, credit=self.credit,
                               **mean_r_update_options(g))
        return b.build()

    def portrait(self, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
        # the credit mask keeps only the chosen column's change: the portrait shows the rule itself
        return pong_portrait(replace(self, credit="all").compile(genes), **axes)
