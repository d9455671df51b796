"""The meta-plasticity network: a one-hidden-layer MLP evaluated lane-parallel on the vector unit.

Source: Bohnstingl et al. 2019, "Neuromorphic hardware learns to learn" (meta-plasticity variant:
a small MLP in fixed point on the plasticity processor whose output is the weight change); the
arithmetic is the Nux FXV vector unit's (../shared/REFERENCE.md, "Vector instruction semantics").

Network, for every one of the 128 byte lanes at once (all values Q0.7 bytes, k/128 in [-1, 1)):

    a_j = sat16(... sat16(sat16(b1_j << 8) + 2 W1_j0 x_0) ... + 2 W1_j,n-1 x_n-1)  (Q0.15 accumulator)
    h_j = act(floor(a_j / 256))            act: hardtanh = the saturation itself; relu = max(., 0)
    y   = floor(sat16(... sat16(b2 << 8) + 2 W2_0 h_0 ... + 2 W2_H-1 h_H-1) / 256)

The sums run in the accumulator (`fxvmtacbf` for the bias, `fxvmatacbfs` / `fxvmultacbfs` for the
products, `fxvmabfs` for the last product of a sum, which writes the register directly); every
partial sum saturates at 16 bits (the fractional accumulator), so a sum is clipped in input order,
which `reference` reproduces bit for bit. Weights are immediates (li + splat); a weight quantised to
0 emits nothing, a hidden unit with output weight 0 or with all-zero weights and bias is skipped, so
a genome's program size and cycles depend on it. Each weight kept costs 3 instructions (7 cycles;
a weight equal to the one before it reuses the splat).

Genes (all in [-1, 1]; 1.0 saturates to 127/128), in this order: W1 (hidden-major: w1_<j>_<i>),
b1 (b1_<j>), W2 (w2_<j>), b2.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chip_emulator.ppu import ProgramBuilder, VReg, isa

from .genes import GeneSpec

ACTIVATIONS = ("hardtanh", "relu")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_scratch_ids = itertools.count()  # unique scratch register names across emits into one builder


def _sat16(v: np.ndarray) -> np.ndarray:
    return np.clip(v, -32768, 32767)


def _fract(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """FXV fractional product 2ab (Q0.15), the single saturating case -1 * -1 -> 32767."""
    p = 2 * a.astype(np.int64) * b.astype(np.int64)
    return np.where(p == 32768, 32767, p)


@dataclass(frozen=True)
class MetaNetwork:
    n_inputs: int
    n_hidden: int = 8
    activation: str = "hardtanh"  # "hardtanh" (saturating) or "relu" (clip at 0)

    def __post_init__(self):
        if not isinstance(self.n_inputs, (int, np.integer)) or self.n_inputs < 1:
            raise ValueError(f"MetaNetwork.n_inputs must be an integer >= 1, got {self.n_inputs!r}")
        if not isinstance(self.n_hidden, (int, np.integer)) or self.n_hidden < 1:
            raise ValueError(f"MetaNetwork.n_hidden must be an integer >= 1, got {self.n_hidden!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"MetaNetwork.activation must be one of {ACTIVATIONS}, "
                             f"got {self.activation!r}")

    # ------------------------------------------------------------- genome
    def gene_specs(self, prefix: str = "mlp") -> tuple[GeneSpec, ...]:
        if not _NAME.match(prefix):
            raise ValueError(f"gene prefix {prefix!r}: letters, digits and '_' only")
        h, n = self.n_hidden, self.n_inputs
        names = ([f"{prefix}_w1_{j}_{i}" for j in range(h) for i in range(n)]
                 + [f"{prefix}_b1_{j}" for j in range(h)]
                 + [f"{prefix}_w2_{j}" for j in range(h)] + [f"{prefix}_b2"])
        return tuple(GeneSpec(name, -1.0, 1.0, 0.0) for name in names)

    @property
    def n_params(self) -> int:
        return self.n_hidden * (self.n_inputs + 2) + 1

    def quantise(self, params: np.ndarray) -> np.ndarray:
        """Float params in gene order -> int8 Q0.7 (round(p * 128), 1.0 saturating to 127)."""
        p = np.asarray(params, dtype=np.float64)
        if p.shape != (self.n_params,):
            raise ValueError(f"MetaNetwork params: expected shape ({self.n_params},) "
                             f"(n_hidden * (n_inputs + 2) + 1), got {p.shape}")
        bad = ~np.isfinite(p) | (p < -1.0) | (p > 1.0)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ValueError(f"MetaNetwork param {self.gene_specs()[k].name} = {p[k]!r} "
                             f"outside [-1, 1]")
        return np.clip(np.round(p * 128), -128, 127).astype(np.int8)

    def _split(self, q: np.ndarray):
        q = np.asarray(q)
        if q.shape != (self.n_params,) or q.dtype != np.int8:
            raise ValueError(f"MetaNetwork weights q: expected int8 of shape ({self.n_params},) "
                             f"(from quantise), got {q.dtype} {q.shape}")
        h, n = self.n_hidden, self.n_inputs
        q = q.astype(np.int64)
        w1 = q[:h * n].reshape(h, n)
        b1 = q[h * n:h * n + h]
        w2 = q[h * n + h:h * n + 2 * h]
        return w1, b1, w2, int(q[-1])

    # ------------------------------------------------------------- bit-exact model
    def reference(self, q: np.ndarray, x: np.ndarray) -> np.ndarray:
        """x int8 [n_inputs, lanes] (Q0.7) -> int8 [lanes]: what `emit`'s code computes."""
        w1, b1, w2, b2 = self._split(q)
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[0] != self.n_inputs or x.dtype != np.int8:
            raise ValueError(f"MetaNetwork inputs x: expected int8 [n_inputs={self.n_inputs}, lanes], "
                             f"got {x.dtype} {x.shape}")
        x = x.astype(np.int64)
        y = np.full(x.shape[1], b2 << 8, np.int64)
        for j in range(self.n_hidden):
            a = np.full(x.shape[1], b1[j] << 8, np.int64)
            for i in range(self.n_inputs):
                a = _sat16(a + _fract(w1[j, i], x[i]))
            hj = a >> 8  # upper byte: floor, already within [-128, 127] (hardtanh)
            if self.activation == "relu":
                hj = np.maximum(hj, 0)
            y = _sat16(y + _fract(w2[j], hj))
        return (y >> 8).astype(np.int8)

    # ------------------------------------------------------------- code
    def emit(self, b: ProgramBuilder, q: np.ndarray, inputs: Sequence[VReg], out: VReg) -> None:
        """Append code computing `out` (all 128 byte lanes) from the input registers.

        Clobbers the accumulator, the condition flags (relu) and the builder's scalar scratch.
        `out` may be one of the inputs. Needs one vector register per hidden unit kept, plus
        one for weights (and one for zero with relu): with too few free registers the builder
        raises.
        """
        w1, b1, w2, b2 = self._split(q)
        if len(inputs) != self.n_inputs or not all(isinstance(v, VReg) for v in inputs):
            raise ValueError(f"MetaNetwork.emit: expected {self.n_inputs} input VRegs, "
                             f"got {len(inputs)}")
        if not isinstance(out, VReg):
            raise ValueError(f"MetaNetwork.emit: out must be a VReg, got {out!r}")
        tag = next(_scratch_ids)
        scratch: list[VReg] = []

        def new(name):
            v = b.vreg(f"_mlp{tag}_{name}")
            scratch.append(v)
            return v

        wv = new("w")
        held = [None]  # the value wv currently holds (consecutive equal weights splat once)

        def weight(value: int) -> VReg:
            if held[0] != value:
                b.splat(wv, value)
                held[0] = value
            return wv

        zero = None
        if self.activation == "relu":
            zero = new("zero")
            b.splat(zero, 0)
        hidden: list[tuple[int, VReg]] = []
        for j in range(self.n_hidden):
            terms = [(int(w1[j, i]), inputs[i]) for i in range(self.n_inputs) if w1[j, i] != 0]
            if w2[j] == 0 or (not terms and b1[j] == 0):
                continue  # contributes exactly 0 to the output
            hj = new(f"h{j}")
            self._sum(b, weight, int(b1[j]), terms, hj)
            if zero is not None:
                b.fxvcmpb(hj)
                b.fxvsel(hj, hj, zero, c=isa.C_LT)  # relu: max(h, 0)
            hidden.append((int(w2[j]), hj))
        self._sum(b, weight, b2, hidden, out)
        for v in reversed(scratch):
            b.free(v)

    @staticmethod
    def _sum(b: ProgramBuilder, weight, bias: int, terms: list[tuple[int, VReg]], dst: VReg) -> None:
        """dst <- floor(sat16(bias << 8 + sum 2 w x) / 256), saturating in term order."""
        if not terms:
            b.splat(dst, bias)  # upper byte of bias << 8
            return
        if bias == 0 and len(terms) == 1:
            w, xv = terms[0]
            b.fxvmulbfs(dst, weight(w), xv)  # floor(2wx / 256) = upper byte of the product
            return
        rest = terms
        if bias != 0:
            b.fxvmtacbf(weight(bias), weight(bias))  # ACC <- bias << 8 (RT unused)
        else:
            w, xv = terms[0]
            b.fxvmultacbfs(xv, weight(w), xv)  # ACC <- 2wx (RT unused)
            rest = terms[1:]
        for w, xv in rest[:-1]:
            b.fxvmatacbfs(xv, weight(w), xv)  # ACC <- sat16(ACC + 2wx) (RT unused)
        w, xv = rest[-1]
        b.fxvmabfs(dst, weight(w), xv)  # dst <- upper byte of sat16(ACC + 2wx)
