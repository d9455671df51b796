"""The meta-plasticity variant of the bandit agent (Bohnstingl et al. 2019, "Neuromorphic hardware
learns to learn", Front. Neurosci. 13:483): a small MLP on the plasticity processor whose output
is the weight change of every plastic synapse (both arms of every bandit, lane-parallel).

Inputs (Q0.7 bytes, k / 128), per lane (bandit i, arm a):

    step   = floor(t * c / 256), c = round(256 * 128 / pulls)   (0 at the first pull, ~1 at the last)
    reward = 127 r                                              (the bandit's reward of this pull)
    chosen = 127 [a was chosen]
    own    = 2 w_a                                              (6-bit weight -> Q0.7)
    other  = 2 max_{a' != a} w_a'

    y  = MLP(step, reward, chosen, own, other)                  (plasticity_rules/meta_network.py)
    dw = floor(y * gain / 128 + u)   u ~ U[0, 1) from a column generator (stochastic rounding)
    w  <- clip(w + dw, 0, 63)

gain is a fixed structure option (default 64: |dw| <= 64 y per pull, y in [-1, 1)). Genes: the agent's three
network meta-parameters (weight prior, action and stimulus inhibition, as for the Bohnstingl
rule) and the MLP's weights and biases (all in [-1, 1]).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from chip_emulator.ppu import ProgramBuilder, isa
from chip_emulator.ppu.program import Program

from .bandit_rule import AgentProgram, PullContext, _genes, network_genes, portrait
from .genes import GeneSpec
from .meta_network import MetaNetwork

N_INPUTS = 5  # step, reward, chosen, own weight, other weight


@dataclass(frozen=True)
class BanditMetaNetworkRule:
    arms: int = 2
    bandits: int = 40  # per chip hemisphere (lanes)
    hidden: int = 8
    activation: str = "relu"
    pulls: int = 100  # scales the step input
    gain: int = 64  # Q0.7 output scale: dw = y * gain / 128 weight units
    name: str = "meta_network"

    def __post_init__(self):
        if not (isinstance(self.pulls, int) and 1 <= self.pulls <= 127):
            raise ValueError(f"pulls must be an integer 1..127, got {self.pulls!r}")
        if not (isinstance(self.gain, int) and 1 <= self.gain <= 127):
            raise ValueError(f"gain must be an integer 1..127, got {self.gain!r}")

    @property
    def network(self) -> MetaNetwork:
        return MetaNetwork(N_INPUTS, self.hidden, self.activation)

    def gene_specs(self) -> tuple[GeneSpec, ...]:
        """Network genes, then the MLP's (MetaNetwork order). Defaults (where evolution starts):
        with relu and at least 2 hidden units, the Bohnstingl update without decay,
        dw = eta (63 r - w) for the chosen arm (eta = 0.3 at gain 64), 0 for the others:

            h0 = relu(0.5 r + 0.5 c - 0.5 own - 0.5),  h1 = relu(-0.5 r + 0.5 c + 0.5 own - 0.5)
            y  = 0.6 h0 - 0.6 h1     (every partial sum stays inside [-1, 1]: no saturation)
        """
        start = {}
        if self.activation == "relu" and self.hidden >= 2:
            for j, (w1, w2) in enumerate((([0, .5, .5, -.5, 0], 0.6), ([0, -.5, .5, .5, 0], -0.6))):
                start.update({f"mlp_w1_{j}_{i}": v for i, v in enumerate(w1)})
                start[f"mlp_b1_{j}"], start[f"mlp_w2_{j}"] = -0.5, w2
        mlp = tuple(replace(s, default=start.get(s.name, s.default)) for s in self.network.gene_specs("mlp"))
        return network_genes() + mlp

    def compile(self, genes: Mapping[str, float]) -> Program:
        g = _genes(self.gene_specs(), genes)
        net = self.network
        q = net.quantise(np.array([g[s.name] for s in net.gene_specs("mlp")]))
        step_scale = int(round(256 * 128 / self.pulls))

        def init(b: ProgramBuilder) -> None:
            pass

        def update(c: PullContext) -> None:
            b = c.b
            x = [b.vreg(f"mx{i}") for i in range(N_INPUTS)]
            s = b.reg("mstep")
            b.li(s, step_scale)
            b.mullw(s, s, c.step)
            b.srawi(s, s, 8)
            b.fxvsplatb(x[0], s)  # step
            b.free(s)
            b.splat(x[1], 127)
            b.fxvcmpb(c.reward)
            b.fxvsel(x[1], c.zero, x[1], c=isa.C_GT)  # reward
            b.splat(x[2], 127)
            b.fxvcmpb(c.chosen)
            b.fxvsel(x[2], c.zero, x[2], c=isa.C_GT)  # chosen flag
            b.fxvaddbm(x[3], c.w, c.w)  # own weight, Q0.7
            c.rotate(x[4], x[3], 1)  # other weight: max over the other arms
            if c.arms > 2:
                t = b.vreg("mt")
                for k in range(2, c.arms):
                    c.rotate(t, x[3], k)
                    tmp = b.vreg("mtmp")
                    b.fxvsubbfs(tmp, t, x[4])
                    b.fxvcmpb(tmp)
                    b.fxvsel(x[4], x[4], t, c=isa.C_GT)
                    b.free(tmp)
                b.free(t)
            y = b.vreg("my")
            net.emit(b, q, x, y)
            g_v = x[0]
            b.splat(g_v, self.gain)
            c.sfmul(x[1], y, g_v, c.rnd)  # dw, rounded stochastically
            b.fxvaddbfs(c.w, c.w, x[1])  # clipped to 0..63 by the skeleton
            for v in [y, *reversed(x)]:
                b.free(v)

        return AgentProgram(self.arms, self.bandits).build(
            int(round(g["weight_prior"])), int(round(g["action_inhibition"])),
            int(round(g["stimulus_inhibition"])), {}, init, update)

    def portrait(self, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
        return portrait(self, genes, **axes)
