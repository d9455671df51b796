"""Classic pair-based STDP as an on-chip rule: the processor's example program with its learning
rates and threshold as genes.

Source: Bi & Poo 1998 (the exponential window); on BrainScaleS-2 the correlation sensors
accumulate eta_c exp(-|dt| / tau) per pre/post pair (../shared/REFERENCE.md, "Correlation
sensors") and the program turns the readings into weight changes
(`chip_emulator/ppu/examples/stdp.py`, reused here, not copied). Per synapse and invocation:

    amp_c = max((base_c >> 1) - (causal_reading >> 1) - theta, 0)
    amp_a = max((base_a >> 1) - (acausal_reading >> 1) - theta, 0)
    w <- clamp(w + floor(amp_c eta_plus_q / 128) - floor(amp_a eta_minus_q / 128), 0, 63)

so after n pairings at lag dt = t_post - t_pre (one invocation):

    dw(dt) ~ +eta_plus  * n eta_c exp(-dt / tau) / 2    (dt > 0, causal)
    dw(dt) ~ -eta_minus * n eta_c exp(+dt / tau) / 2    (dt < 0, anti-causal)

within the quantisation (the halvings, the CADC rounding, the floor of the multiply: at most
about 2 weight units).

Genes: eta_plus, eta_minus (Q0.7 learning rates, fractions in [0, 127/128], default 0.5);
threshold (theta, in units of 2 CADC LSB, [0, 32], default 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chip_emulator.ppu import Program, isa
from chip_emulator.ppu.examples.stdp import stdp_program

from .genes import GeneSpec
from .portrait import array_portrait, pair_on_core
from .rule_cost import q07, resolve_genes

ETA_MAX = 127 / 128


@dataclass(frozen=True)
class STDPRule:
    n_rows: int = 256
    n_halves: int = 2  # 128 columns each
    baseline: int = 200  # initial value of the baseline symbols (the host writes measured ones)
    name: str = "stdp"

    def __post_init__(self):
        if not 1 <= self.n_rows <= 256:
            raise ValueError(f"STDPRule.n_rows must be in 1..256, got {self.n_rows}")
        if self.n_halves not in (1, 2):
            raise ValueError(f"STDPRule.n_halves must be 1 or 2, got {self.n_halves}")

    def gene_specs(self) -> tuple[GeneSpec, ...]:
        return (GeneSpec("eta_plus", 0.0, ETA_MAX, 0.5), GeneSpec("eta_minus", 0.0, ETA_MAX, 0.5),
                GeneSpec("threshold", 0.0, 32.0, 0.0))

    def compile(self, genes: Mapping[str, float]) -> Program:
        g = resolve_genes(self.name, self.gene_specs(), genes)
        return stdp_program(self.n_rows, self.n_halves, eta_plus=q07(g["eta_plus"]),
                            eta_minus=q07(g["eta_minus"]), baseline=self.baseline,
                            threshold=int(round(g["threshold"])))

    def portrait(self, genes: Mapping[str, float], **axes: np.ndarray) -> pd.DataFrame:
        """Axes: ``dt_us`` (post - pre lag of spike pairs on the analog core, see `window`) or
        any of ``causal``, ``acausal`` (amplitudes baseline - reading, CADC LSB) and
        ``weight`` on the array backend. Columns: the axes and dw. Without axes: causal x
        acausal, 0..200 in steps of 10, at weight 32."""
        if not axes:
            amp = np.arange(0, 201, 10)
            axes = {"causal": amp, "acausal": amp}
        if "dt_us" in axes:
            if len(axes) > 1:
                raise ValueError(f"stdp portrait: dt_us does not combine with "
                                 f"{sorted(set(axes) - {'dt_us'})}")
            return self.window(genes, axes["dt_us"])[["dt_us", "dw"]]
        allowed = {"causal", "acausal", "weight"}
        if not axes or set(axes) - allowed:
            raise ValueError(f"stdp portrait axes: dt_us, or some of {sorted(allowed)}; got {sorted(axes)}")
        program = self.compile(genes)
        return array_portrait(program, self.n_rows, 128 * self.n_halves, axes, {}, self._prepare).drop(
            columns="cycles")

    def window(self, genes: Mapping[str, float], dt_us: np.ndarray, *, n_pairs: int = 60,
               mode: str = "ideal", seed: int = 0, eta_lsb: float = 2.0, tau_us: float = 5.0) -> pd.DataFrame:
        """The STDP window measured on the analog core (`portrait.pair_on_core`): n_pairs
        pairings at each lag, then one invocation. Columns: dt_us, lag_us (measured), dw,
        causal, acausal (the amplitudes the program saw), cycles."""
        return pair_on_core(self.compile(genes), self.n_rows, 128 * self.n_halves, dt_us,
                            n_pairs=n_pairs, mode=mode, seed=seed, eta_lsb=eta_lsb, tau_us=tau_us)

    def _prepare(self, io, state, per_syn, broadcast):
        for name, kind in (("causal", isa.IO_CAUSAL), ("acausal", isa.IO_ACAUSAL)):
            amp = per_syn.get(name, np.zeros(io.rows.shape[1:]))
            if (amp < 0).any() or (amp > self.baseline).any():
                raise ValueError(f"stdp portrait: {name} amplitudes must be in 0..{self.baseline}")
            io.rows[kind] = (self.baseline - np.round(amp)).astype(np.uint8)
        # the program's baseline symbols already hold self.baseline


def stdp_reference(causal, acausal, weight, eta_plus: int, eta_minus: int, threshold: int = 0,
                   baseline: int = 200) -> np.ndarray:
    """Slow NumPy model of the example program (amplitudes in CADC LSB, Q0.7 rates): new weights."""
    def amp(a):
        reading = baseline - np.asarray(a, np.int64)
        return np.maximum(np.clip((baseline >> 1) - threshold, -128, 127) - (reading >> 1), 0)

    def fmul(a, eta):
        return (2 * a * eta) >> 8

    w = np.asarray(weight, np.int64)
    w = np.clip(w + fmul(amp(causal), eta_plus), -128, 127)
    w = np.clip(w - fmul(amp(acausal), eta_minus), -128, 127)
    return np.clip(w, 0, 63)
