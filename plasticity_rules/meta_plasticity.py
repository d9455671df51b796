"""The generic meta-plasticity rule: a small MLP over local observables of each synapse, whose
output is the weight change, evaluated for all synapses of a row at once on the vector unit.

Source: Bohnstingl et al. 2019, "Neuromorphic hardware learns to learn" (meta-plasticity: an MLP
in fixed point on the plasticity processor outputs dw; its weights are evolved); see
plasticity_rules/meta_network.py for the network and its arithmetic.

Per synapse (i, j) and invocation, with every observable a Q0.7 fraction in [0, 1) or [-1, 1):

    causal   = max((base_c >> 1) - (causal_reading >> 1), 0) / 128    (amplitude, 2 LSB units)
    acausal  = the same for the anti-causal sensor
    weight   = 2 w / 128                                                 (w in 0..63)
    reward   = host symbol ``reward`` (int32, Q0.7) / 128: a broadcast modulator
    rate     = (rate counter of neuron j >> 1) / 128, read and cleared each invocation
    step     = min(floor(n M / 2^16), 127) / 128, n the invocations so far, M = round(2^23 / horizon)
    y  = MLP(observables)                                                (Q0.7 output)
    dw = floor((y + 2^(s-1)) / 2^s), s = 7 - log2(dw_max)                (round(y dw_max / 128))
    w <- clamp(w + dw, 0, 63);  both correlation stores of the row reset (if read)

The genome is the network's parameters (MetaNetwork.gene_specs("mlp"), all in [-1, 1]).
Structure (not evolved): n_rows, n_halves, observables (any non-empty subset, in the given
order), n_hidden, activation, dw_max (power of two, 1..64), horizon, rate_gain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from chip_emulator.ppu import Program, ProgramBuilder, isa, write_symbol
from chip_emulator.ppu.array_io import RATES

from .genes import GeneSpec
from .meta_network import MetaNetwork
from .portrait import array_portrait
from .rule_cost import (
    emit_amplitude,
    emit_gain,
    emit_halved_baselines,
    emit_round_shift,
    resolve_genes,
    round_shift_reference,
)

OBSERVABLES = ("causal", "acausal", "weight", "reward", "rate", "step")
PER_SYNAPSE = ("causal", "acausal", "weight")


@dataclass(frozen=True)
class MetaPlasticityRule:
    n_rows: int = 256
    n_halves: int = 2
    observables: tuple[str, ...] = ("causal", "acausal", "weight", "reward")
    n_hidden: int = 8
    activation: str = "hardtanh"
    dw_max: int = 8  # |dw| per invocation below dw_max (dw = round(y * dw_max))
    horizon: int = 100  # invocations over which the step observable runs from 0 to 1
    rate_gain: int = 1  # rate = min((count >> 1) * rate_gain, 127) / 128: 1, 2, 4 or 8
    baseline: int = 200  # initial baseline symbols (the host writes measured readings)
    name: str = "meta_plasticity"

    def __post_init__(self):
        if not 1 <= self.n_rows <= 256:
            raise ValueError(f"MetaPlasticityRule.n_rows must be in 1..256, got {self.n_rows}")
        if self.n_halves not in (1, 2):
            raise ValueError(f"MetaPlasticityRule.n_halves must be 1 or 2, got {self.n_halves}")
        obs = tuple(self.observables)
        if not obs or set(obs) - set(OBSERVABLES) or len(set(obs)) != len(obs):
            raise ValueError(f"MetaPlasticityRule.observables: a non-empty subset of {OBSERVABLES} "
                             f"without repeats, got {self.observables!r}")
        if self.dw_max not in (1, 2, 4, 8, 16, 32, 64):
            raise ValueError(f"MetaPlasticityRule.dw_max must be a power of two in 1..64, got {self.dw_max}")
        if self.rate_gain not in (1, 2, 4, 8):
            raise ValueError(f"MetaPlasticityRule.rate_gain must be 1, 2, 4 or 8, got {self.rate_gain}")
        if not 1 <= self.horizon <= 65535:
            raise ValueError(f"MetaPlasticityRule.horizon must be in 1..65535, got {self.horizon}")
        MetaNetwork(len(obs), self.n_hidden, self.activation)  # validates n_hidden and activation

    @property
    def network(self) -> MetaNetwork:
        return MetaNetwork(len(self.observables), self.n_hidden, self.activation)

    @property
    def shift(self) -> int:
        return 7 - int(np.log2(self.dw_max))

    @property
    def step_multiplier(self) -> int:
        return int(round(2**23 / self.horizon))

    def gene_specs(self) -> tuple[GeneSpec, ...]:
        return self.network.gene_specs("mlp")

    def quantised(self, genes: Mapping[str, float]) -> np.ndarray:
        specs = self.gene_specs()
        g = resolve_genes(self.name, specs, genes)
        return self.network.quantise(np.array([g[s.name] for s in specs]))

    def compile(self, genes: Mapping[str, float]) -> Program:
        q = self.quantised(genes)
        obs = tuple(self.observables)
        corr = [o for o in ("causal", "acausal") if o in obs]
        b = ProgramBuilder()
        b.symbol("reward", "int32")
        b.symbol("baseline_causal", "uint8", 256, np.full(256, self.baseline))
        b.symbol("baseline_acausal", "uint8", 256, np.full(256, self.baseline))
        b.symbol("invocations", "int32")
        zero, wmax, tmp = b.vreg("zero"), b.vreg("wmax"), b.vreg("tmp")
        m128, bias, half = b.vreg("m128"), b.vreg("bias"), b.vreg("half")
        H = range(self.n_halves)
        base = {(o, h): b.vreg(f"base_{o}{h}") for o in corr for h in H}
        rate = [b.vreg(f"rate{h}") for h in H] if "rate" in obs else []
        bcast = {o: b.vreg(o) for o in ("reward", "step") if o in obs}
        x = {o: b.vreg(f"x_{o}") for o in obs if o in PER_SYNAPSE}
        w, y = b.vreg("w"), b.vreg("y")
        t = b.reg("t")
        b.splat(zero, 0)
        b.splat(wmax, 63)
        b.splat(m128, -128)
        b.splat(bias, 128 >> self.shift)
        if self.shift:
            b.splat(half, 1 << (self.shift - 1))
        for (o, h), v in base.items():
            emit_halved_baselines(b, v, f"baseline_{o}", h, zero)
        for h, v in enumerate(rate):
            b.io_in(v, isa.IO_RATES_CLEAR, 0, h)
            b.fxvshb(v, v, 31)  # count >> 1
            emit_gain(b, v, self.rate_gain)
        if "reward" in bcast:
            b.load_word(t, "reward")
            b.fxvsplatb(bcast["reward"], t)
        if "step" in bcast:  # min(n M >> 16, 127); n clamped first so that n M fits 32 bits
            big, ok = b.label("step_big"), b.label("step_ok")
            b.load_word(t, "invocations")
            b.cmpi(t, self.horizon)
            b.bc(big, c=isa.BR_GE)
            m = b.reg("m")
            b.li(m, self.step_multiplier)
            b.mullw(t, t, m)
            b.srawi(t, t, 16)
            b.cmpi(t, 127)
            b.bc(ok, c=isa.BR_LE)
            b.place(big)
            b.li(t, 127)
            b.place(ok)
            b.fxvsplatb(bcast["step"], t)
        inputs = []
        with b.rows("row", self.n_rows) as row:
            for h in H:
                b.io_in(w, isa.IO_WEIGHTS, row, h)
                for o in corr:
                    kind = isa.IO_CAUSAL if o == "causal" else isa.IO_ACAUSAL
                    emit_amplitude(b, x[o], kind, row, h, base[(o, h)], zero)
                if "weight" in x:
                    b.fxvaddbm(x["weight"], w, w)  # 2 w: Q0.7
                inputs = [x[o] if o in x else rate[h] if o == "rate" else bcast[o] for o in obs]
                try:
                    self.network.emit(b, q, inputs, y)
                except ValueError as e:
                    raise ValueError(f"{self.name}: the network does not fit the vector registers "
                                     f"(n_hidden={self.n_hidden}, {len(obs)} observables): {e}") from None
                emit_round_shift(b, y, self.shift, half if self.shift else None, m128, bias)
                b.fxvaddbfs(w, w, y)
                b.clamp_bytes(w, zero, wmax, tmp)
                b.io_out(w, isa.IO_WEIGHTS, row, h)
            if corr:
                b.io_out(zero, isa.IO_CORR_RESET, row, 0)
        b.add_to_word(t, "invocations")
        b.halt()
        return b.build()

    # ------------------------------------------------------------- reference and portrait
    def inputs_q7(self, causal=0, acausal=0, weight=0, reward_q7=0, rate_count=0, step=0,
                  shape=None) -> np.ndarray:
        """The network inputs (int8 [n_inputs, n]) the program forms from the raw observables:
        amplitudes in CADC LSB (reading = baseline - amplitude), weight 0..63, reward Q0.7,
        rate count 0..255, step = invocations so far; all broadcast to ``shape`` if given."""
        base = self.baseline >> 1

        def amp(a):
            return np.maximum(base - ((self.baseline - np.asarray(a, np.int64)) >> 1), 0)

        step_q = 127 if step >= self.horizon else min((int(step) * self.step_multiplier) >> 16, 127)
        rate = np.minimum((np.asarray(rate_count, np.int64) >> 1) * self.rate_gain, 127)
        vals = {"causal": amp(causal), "acausal": amp(acausal), "weight": 2 * np.asarray(weight, np.int64),
                "reward": np.asarray(reward_q7, np.int64), "rate": rate, "step": np.asarray(step_q, np.int64)}
        arrays = [vals[o] for o in self.observables]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if shape is None else shape
        arrays = [np.broadcast_to(a, shape) for a in arrays]
        return np.stack([a.reshape(-1) for a in arrays]).astype(np.int8)

    def reference(self, genes: Mapping[str, float], weight, **observables) -> np.ndarray:
        """Slow NumPy model of the program: the new weights (flattened) given the observables
        of inputs_q7 (broadcast against weight)."""
        w = np.asarray(weight, np.int64)
        x = self.inputs_q7(weight=w, shape=w.shape, **observables)
        y = self.network.reference(self.quantised(genes), x)
        dw = round_shift_reference(y, self.shift, rounding=True)
        return np.clip(w.reshape(-1) + dw, 0, 63)

    def portrait(self, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
        """Axes on the array backend: per synapse ``causal``, ``acausal`` (amplitudes, CADC
        LSB), ``weight`` (0..63); broadcast ``reward`` (fraction in [-1, 1)), ``rate`` (count
        0..255), ``step`` (invocations so far). Unused observables do not change dw. Without
        axes: the heat maps of issue 10, causal x acausal (0..200, steps of 20) at weights 16
        and 48 and reward -0.5, 0, 0.5, as far as the rule observes them; rate (0..224, steps
        of 32) and step (0..horizon in quarters) fill in when fewer than two of those remain."""
        if not axes:
            grids = {"causal": np.arange(0, 201, 20), "acausal": np.arange(0, 201, 20),
                     "weight": np.array([16, 48]), "reward": np.array([-0.5, 0.0, 0.5]),
                     "rate": np.arange(0, 256, 32), "step": np.linspace(0, self.horizon, 5).astype(int)}
            names = [o for o in ("causal", "acausal", "weight", "reward") if o in self.observables]
            names += [o for o in ("rate", "step") if o in self.observables][:max(0, 2 - len(names))]
            axes = {o: grids[o] for o in names}
        allowed = PER_SYNAPSE + ("reward", "rate", "step")
        if not axes or set(axes) - set(allowed):
            raise ValueError(f"meta_plasticity portrait axes: some of {allowed}; got {sorted(axes)}")
        program = self.compile(genes)
        syn = {k: v for k, v in axes.items() if k in PER_SYNAPSE}
        bc = {k: v for k, v in axes.items() if k not in PER_SYNAPSE}
        out = array_portrait(program, self.n_rows, 128 * self.n_halves, syn, bc,
                             partial(self._prepare, program))
        return out.drop(columns="cycles")

    def _prepare(self, program, io, state, per_syn, broadcast):
        for name, kind in (("causal", isa.IO_CAUSAL), ("acausal", isa.IO_ACAUSAL)):
            amp = per_syn.get(name, np.zeros(io.rows.shape[1:]))
            if (amp < 0).any() or (amp > self.baseline).any():
                raise ValueError(f"meta_plasticity portrait: {name} must be in 0..{self.baseline}")
            io.rows[kind] = (self.baseline - np.round(amp)).astype(np.uint8)
        r = broadcast.get("reward", 0.0)
        if not -1 <= r < 1:
            raise ValueError(f"meta_plasticity portrait: reward {r} outside [-1, 1)")
        write_symbol(state.sram, program, "reward", int(np.clip(round(r * 128), -128, 127)))
        io.neurons[RATES] = int(np.clip(round(broadcast.get("rate", 0)), 0, 255))
        write_symbol(state.sram, program, "invocations", int(broadcast.get("step", 0)))
