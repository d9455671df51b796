"""What the on-chip rules share: checking genes against their specs, small code emitters (the
correlation amplitude, an arithmetic byte shift, applying dw with the 6-bit clamp), and measuring a
compiled program's size and cycles per invocation on the processor emulator.

Measure the table of docs/rules.md with ``python -m plasticity_rules.rule_cost``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import numpy as np

from chip_emulator.ppu import Program, ProgramBuilder, VReg, isa, make_array_io, new_state, run_once, validate

from .genes import GeneSpec

WEIGHT_MAX = 63


def resolve_genes(rule: str, specs: tuple[GeneSpec, ...], genes: Mapping[str, float]) -> dict[str, float]:
    """Genes by name, missing ones at their default; unknown names, non-numbers and values
    outside [lower, upper] are refused naming the gene."""
    if not isinstance(genes, Mapping):
        raise TypeError(f"{rule}: genes must be a mapping name -> value, got {type(genes).__name__}")
    known = {s.name: s for s in specs}
    unknown = sorted(set(genes) - set(known))
    if unknown:
        raise ValueError(f"{rule}: unknown gene(s) {unknown}; the genes are {list(known)}")
    out = {}
    for s in specs:
        v = genes.get(s.name, s.default)
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"{rule}: gene {s.name} = {v!r} is not a number") from None
        if not (math.isfinite(v) and s.lower <= v <= s.upper):
            raise ValueError(f"{rule}: gene {s.name} = {v!r} outside [{s.lower}, {s.upper}]")
        out[s.name] = v
    return out


def q07(x: float) -> int:
    """A fraction in [-1, 1] as a Q0.7 byte (round(x * 128), 1.0 saturating to 127)."""
    return int(min(127, max(-128, round(x * 128))))


def ppu_metrics(program: Program, cycles) -> dict[str, float]:
    """The task metrics of an on-chip rule (the contract's names): program size and the
    cycles per invocation (max and mean over the invocations given, e.g. CorePPU.cycles)."""
    c = np.asarray(cycles, dtype=np.int64).reshape(-1)
    return {"ppu_bytes": float(program.size_bytes),
            "ppu_cycles_max": float(c.max()) if c.size else float("nan"),
            "ppu_cycles_mean": float(c.mean()) if c.size else float("nan")}


# ---------------------------------------------------------------- code emitters
def emit_halved_baselines(b: ProgramBuilder, dst: VReg, symbol: str, half: int, theta: VReg) -> None:
    """dst <- (baseline >> 1) - theta for the 128 columns of `half` (uint8 symbol of 256)."""
    t = b.reg(f"_hb{dst.index}")
    b.la(t, symbol, 128 * half)
    b.fxvlax(dst, 0, t)
    b.fxvshb(dst, dst, 31)  # logical right shift by 1: the unsigned reading / 2
    b.fxvsubbfs(dst, dst, theta)
    b.free(t)


def emit_amplitude(b: ProgramBuilder, dst: VReg, kind: int, row, half: int, base: VReg,
                   zero: VReg) -> None:
    """dst <- max(base - (reading >> 1), 0): a correlation amplitude in units of 2 CADC LSB
    (0..127, so a Q0.7 fraction of the full 8-bit scale), base from emit_halved_baselines."""
    b.io_in(dst, kind, row, half)
    b.fxvshb(dst, dst, 31)
    b.fxvsubbfs(dst, base, dst)
    b.fxvcmpb(dst)
    b.fxvsel(dst, dst, zero, c=isa.C_LT)


def emit_gain(b: ProgramBuilder, v: VReg, gain: int) -> None:
    """v <- sat(v * gain) for a power-of-two gain (saturating doublings)."""
    if gain < 1 or gain & (gain - 1):
        raise ValueError(f"gain must be a power of two >= 1, got {gain}")
    for _ in range(gain.bit_length() - 1):
        b.fxvaddbfs(v, v, v)


def emit_round_shift(b: ProgramBuilder, v: VReg, shift: int, half_lsb: VReg | None, m128: VReg,
                     bias: VReg) -> None:
    """v <- floor(v / 2^shift) for signed bytes (after adding half_lsb = 2^(shift-1), saturating,
    if given: rounding). FXV shifts right only logically: flip the sign bit (x + 128 mod 256),
    shift, subtract bias = 128 >> shift."""
    if shift == 0:
        return
    if half_lsb is not None:
        b.fxvaddbfs(v, v, half_lsb)
    b.fxvaddbm(v, v, m128)
    b.fxvshb(v, v, 32 - shift)
    b.fxvsubbm(v, v, bias)


def emit_apply_dw(b: ProgramBuilder, w: VReg, dw: VReg, row, half: int, zero: VReg, wmax: VReg,
                  tmp: VReg) -> None:
    """w <- clamp(w + dw, 0, 63) for the half row (read, saturating add, clamp, write)."""
    b.io_in(w, isa.IO_WEIGHTS, row, half)
    b.fxvaddbfs(w, w, dw)
    b.clamp_bytes(w, zero, wmax, tmp)
    b.io_out(w, isa.IO_WEIGHTS, row, half)


def round_shift_reference(v, shift: int, rounding: bool = True):
    """NumPy twin of emit_round_shift."""
    v = np.asarray(v, np.int64)
    if shift == 0:
        return v
    if rounding:
        v = np.clip(v + (1 << (shift - 1)), -128, 127)
    return v >> shift


def busy_array_io(n_rows: int, n_cols: int, seed: int = 0):
    """An array backend with random weights, correlation readings and rates: a stand-in for
    a synapse array mid-experiment (the rules' cycles do not depend on the values)."""
    io = make_array_io(n_rows, n_cols, seed)
    rng = np.random.default_rng(seed)
    io.rows[isa.IO_WEIGHTS] = rng.integers(0, 64, (n_rows, n_cols))
    io.rows[isa.IO_CAUSAL] = rng.integers(100, 201, (n_rows, n_cols))
    io.rows[isa.IO_ACAUSAL] = rng.integers(100, 201, (n_rows, n_cols))
    io.neurons[:] = rng.integers(0, 256, io.neurons.shape)
    return io


def program_cost(program: Program, n_rows: int, n_cols: int, seed: int = 0) -> dict[str, int]:
    """Size (code + data, bytes) and cycles of one invocation on an n_rows x n_cols array."""
    validate(program)
    state = new_state(program)
    cycles = run_once(program, state, busy_array_io(n_rows, n_cols, seed))
    return {"ppu_bytes": int(program.size_bytes), "ppu_code_bytes": int(program.code_bytes),
            "ppu_cycles": int(cycles)}


def _cases():
    """(rule, genes, note, n_rows, n_cols) of the docs/rules.md table."""
    from .abcd import ABCDRule
    from .meta_plasticity import OBSERVABLES, MetaPlasticityRule
    from .rstdp import RSTDPRule
    from .stdp import STDPRule

    def dense(rule, seed=0, sparsity=0.0):
        rng = np.random.default_rng(seed)
        return {s.name: (0.0 if rng.random() < sparsity else float(rng.uniform(-0.9, 0.9)))
                for s in rule.gene_specs()}

    out = []
    for rows, cols in ((256, 256), (32, 32)):
        halves = 1 if cols <= 128 else 2
        out += [(STDPRule(rows, halves), {}, "default genes"),
                (RSTDPRule(rows, halves), {}, "default genes"),
                (ABCDRule(rows, halves), {"B": 0.1, "C": 0.1, "D": 0.1}, "rates, A-D nonzero"),
                (ABCDRule(rows, halves, "causal"), {"B": 0.1, "C": 0.1, "D": 0.1}, "causal, A-D nonzero")]
        mp = MetaPlasticityRule(rows, halves)
        out += [(mp, dense(mp), "4 observables, 8 hidden, dense"),
                (mp, dense(mp, 1, 0.5), "4 observables, 8 hidden, half zero")]
        mp6 = MetaPlasticityRule(rows, halves, OBSERVABLES)
        out.append((mp6, dense(mp6), "6 observables, 8 hidden, dense"))
        out = [(*c, rows, cols) if len(c) == 3 else c for c in out]
    return out


def _table(repeats: int = 5) -> list[dict]:
    """The docs table; host times: compile once, emulate one invocation (median of repeats,
    after a warm-up run), wall and CPU."""
    out = []
    for rule, genes, note, rows, cols in _cases():
        t0 = time.perf_counter()
        program = rule.compile(genes)
        compile_s = time.perf_counter() - t0
        cost = program_cost(program, rows, cols)  # also the warm-up
        io = busy_array_io(rows, cols)
        walls, cpus = [], []
        for _ in range(repeats):
            state = new_state(program)
            t0, c0 = time.perf_counter(), time.process_time()
            run_once(program, state, io)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        out.append({"rule": rule.name, "array": f"{rows}x{cols}", "genes": note, **cost,
                    "chip_us": cost["ppu_cycles"] / 250.0, "compile_ms": 1e3 * compile_s,
                    "emulate_ms_wall": 1e3 * float(np.median(walls)),
                    "emulate_ms_cpu": 1e3 * float(np.median(cpus))})
    return out


def _markdown(rows: list[dict]) -> str:
    cols = list(rows[0])

    def fmt(v):
        return f"{v:.3g}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    import os

    print(f"load average before: {os.getloadavg()}")
    print(_markdown(_table()))
    print(f"load average after: {os.getloadavg()}")
