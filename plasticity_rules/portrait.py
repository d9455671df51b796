"""Rule portraits: the weight change a compiled rule produces as a function of its inputs,
computed by running the program on the emulated processor (quantisation included).

Two drivers:

* `array_portrait`: on the processor's array backend (`make_array_io`). The grid over the
  per-synapse axes (e.g. causal and anti-causal amplitude, the current weight) is laid out
  across the synapses of the array; broadcast axes (e.g. a reward symbol) get one program
  invocation per value. A rule supplies `prepare(io, state, per_synapse, broadcast)` that
  writes the readings and symbols.
* `pair_on_core`: on the analog core (`chip_emulator.run`) with the correlation sensors: per
  neuron one pre/post spike pair at lag dt_us, repeated n_pairs times, then one invocation of
  the program on the core's port; dw read from row 0. Used for the STDP window.

A portrait is a tidy table: one column per axis and `dw` (6-bit weight units).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from chip_emulator import (
    ChipSpec,
    CorrelationParams,
    Inputs,
    NeuronParams,
    Record,
    event_label,
    init_state,
    make_chip,
    ppu_port,
    run,
)
from chip_emulator.ppu import Program, isa, make_array_io, make_core_ppu, new_state, ppu_core_fn, run_once

WEIGHT_DEFAULT = 32  # a mid-range start so that both signs of dw are visible


def grid(axes: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The cartesian product of the axes as a table (first axis varies slowest)."""
    names = list(axes)
    values = [np.asarray(axes[n]).reshape(-1) for n in names]
    for n, v in zip(names, values, strict=True):
        if v.size == 0:
            raise ValueError(f"portrait axis {n!r} is empty")
    rows = list(itertools.product(*values))
    return pd.DataFrame(rows, columns=names)


def array_portrait(program: Program, n_rows: int, n_cols: int, synapse_axes: Mapping[str, np.ndarray],
                   broadcast_axes: Mapping[str, np.ndarray], prepare: Callable) -> pd.DataFrame:
    """dw over the grid of all axes, on an n_rows x n_cols array backend.

    ``prepare(io, state, per_synapse, broadcast)`` gets the backend (weights already set from
    the ``weight`` axis, else WEIGHT_DEFAULT), the fresh processor state, the per-synapse axis
    values as (n_rows, n_cols) arrays and the broadcast values as floats; it writes readings
    and symbols. Points beyond the grid repeat its first point. Columns: the axes, dw, cycles.
    """
    syn = grid(synapse_axes) if synapse_axes else pd.DataFrame(index=[0])
    cap = n_rows * n_cols
    tables = []
    for bvals in grid(broadcast_axes).itertuples(index=False) if broadcast_axes else [()]:
        broadcast = dict(zip(broadcast_axes, (float(v) for v in bvals), strict=True))
        for start in range(0, len(syn), cap):
            chunk = syn.iloc[start:start + cap]
            k = len(chunk)
            per_syn = {}
            for name in synapse_axes:
                v = np.full(cap, chunk[name].iloc[0], dtype=float)
                v[:k] = chunk[name].to_numpy(float)
                per_syn[name] = v.reshape(n_rows, n_cols)
            io = make_array_io(n_rows, n_cols)
            w0 = per_syn.get("weight", np.full((n_rows, n_cols), WEIGHT_DEFAULT))
            io.rows[isa.IO_WEIGHTS] = np.clip(np.round(w0), 0, 63).astype(np.uint8)
            before = io.rows[isa.IO_WEIGHTS].astype(int).copy()
            state = new_state(program)
            prepare(io, state, per_syn, broadcast)
            cycles = run_once(program, state, io)
            dw = (io.rows[isa.IO_WEIGHTS].astype(int) - before).reshape(-1)[:k]
            t = chunk.reset_index(drop=True).copy() if synapse_axes else pd.DataFrame(index=[0])
            for name, v in broadcast.items():
                t[name] = v
            t["dw"] = dw
            t["cycles"] = cycles
            tables.append(t)
    out = pd.concat(tables, ignore_index=True)
    return out[[*synapse_axes, *broadcast_axes, "dw", "cycles"]]


# ---------------------------------------------------------------- analog core: spike pairs
def pair_on_core(program: Program, n_rows: int, n_cols: int, dt_us: np.ndarray, *,
                 symbols: Mapping[str, object] | None = None, n_pairs: int = 60,
                 eta_lsb: float = 2.0, tau_us: float = 5.0, mode: str = "ideal", seed: int = 0,
                 weight: int = WEIGHT_DEFAULT) -> pd.DataFrame:
    """Pair one pre and one post spike per synapse of row 0 at lag dt_us (post - pre), n_pairs
    times, on the analog core with its correlation sensors; then run the program once on the
    core's port and return dw of row 0's synapses.

    Neuron j of instance b gets the j-th lag; a pre spike on row 0 (all neurons, label 0);
    the post spike of neuron j is forced by 12 coincident events on a drive row (row 1 +
    j // 64, label j % 64, weight 63 only at column j) on a fast neuron (tau_mem 1 us,
    tau_syn 0.3 us), so it fires exactly once. The drive time is corrected once by the
    latency measured in a first run. ``symbols``: host writes before the program runs;
    the correlation baselines (``baseline_causal`` / ``baseline_acausal``, if the program
    has them) are set to the readings of row 0 right after reset. Columns: dt_us, lag_us
    (the measured post - pre time on the step grid, mean over pairs), dw, causal and
    acausal (the row-0 amplitudes baseline - reading the program saw), cycles.
    """
    dt_us = np.asarray(dt_us, float).reshape(-1)
    if dt_us.size == 0 or not np.isfinite(dt_us).all():
        raise ValueError("pair_on_core: dt_us must be a non-empty array of finite lags")
    if n_pairs * eta_lsb > 120:  # the reading (baseline >= 120 - store) would clip at 0
        raise ValueError(f"pair_on_core: n_pairs * eta_lsb = {n_pairs * eta_lsb:g} LSB exceeds the "
                         "120 LSB the CADC can show below its baseline")
    n_drive_rows = -(-min(n_cols, dt_us.size) // 64)
    if n_rows < 1 + n_drive_rows:
        raise ValueError(f"pair_on_core needs {1 + n_drive_rows} rows, the program has {n_rows}")
    K = dt_us.size
    B = -(-K // n_cols)
    spec = ChipSpec(n_hemispheres=1, n_rows=n_rows, n_neurons=n_cols)
    neuron = NeuronParams(tau_mem_us=1.0, tau_syn_exc_us=0.3)
    corr = CorrelationParams(tau_causal_us=tau_us, tau_acausal_us=tau_us, eta_causal_lsb=eta_lsb,
                             eta_acausal_lsb=eta_lsb)
    chip = make_chip(spec, seeds=[seed + b for b in range(B)], neuron=neuron, corr=corr, mode=mode)
    j = np.arange(n_cols)
    weights = np.zeros((B, 1, n_rows, n_cols), np.int64)
    labels = np.zeros_like(weights)
    weights[:, 0, 0] = weight
    weights[:, 0, 1 + j // 64, j] = 63
    labels[:, 0, 1 + j // 64, j] = j % 64
    span = float(np.abs(dt_us).max())
    period = 2 * span + 10 * tau_us + 10.0
    t0 = span + 10.0
    inst = np.repeat(np.arange(B), n_cols)[:K]
    col = np.tile(j, B)[:K]

    def events(latency):
        ev = [[], [], []]
        for n in range(n_pairs):
            tp = t0 + n * period
            ev[0].append(np.arange(B))
            ev[1].append(np.full(B, tp))
            ev[2].append(np.full(B, event_label(0, 0)))
            td = tp + dt_us - latency
            ev[0].append(np.repeat(inst, 12))
            ev[1].append(np.repeat(td, 12))
            ev[2].append(np.repeat(event_label(1 + col // 64, col % 64), 12))
        i, t, lab = (np.concatenate(e) for e in ev)
        return Inputs(events=(i, np.zeros_like(i), t, lab))

    def simulate(latency):
        state = init_state(chip, run_seeds=[seed + b for b in range(B)], weights=weights, labels=labels)
        base = np.zeros((B, 2, n_cols), np.uint8)
        for b in range(B):  # readings right after reset: the program's baselines
            ppu_port.get_causal(state.port, b, 0, 0, 0, base[b, 0])
            ppu_port.get_acausal(state.port, b, 0, 0, 0, base[b, 1])
        state, rec = run(chip, state, t0 + n_pairs * period, inputs=events(latency),
                         record=Record(max_spikes=n_pairs * n_cols + 1000), inplace=True)
        post = np.full((K, n_pairs), np.nan)
        for b in range(B):
            t, nrn = rec.spikes(b, 0)
            for k in np.flatnonzero(inst == b):
                tk = t[nrn == col[k]]
                post[k, :min(tk.size, n_pairs)] = tk[:n_pairs]
                if tk.size != n_pairs:
                    raise RuntimeError(f"pair_on_core: neuron {col[k]} fired {tk.size} times for "
                                       f"{n_pairs} pairings (dt_us = {dt_us[k]})")
        pre = t0 + np.arange(n_pairs) * period
        pre = np.floor(pre / spec.dt_us + 1e-9) * spec.dt_us
        return state, base, post - pre

    lat0 = 1.0
    _, _, lag = simulate(lat0)
    latency = lat0 + (lag - dt_us[:, None]).mean(axis=1)  # per neuron
    state, base, lag = simulate(np.round(latency / spec.dt_us) * spec.dt_us)

    ppu = make_core_ppu(program, B, 1, seeds=[seed + b for b in range(B)])
    amps = np.zeros((B, 2, n_cols), np.int64)
    dw = np.zeros((B, n_cols), np.int64)
    for b in range(B):
        for name, value in (symbols or {}).items():
            ppu.write_symbol(name, value, b=b)
        for k, name in enumerate(("baseline_causal", "baseline_acausal")):
            if name in program.symbols:
                full = np.zeros(program.symbols[name].count, np.uint8)
                full[:n_cols] = base[b, k]
                ppu.write_symbol(name, full, b=b)
        now = np.zeros((2, n_cols), np.uint8)
        ppu_port.get_causal(state.port, b, 0, 0, 0, now[0])
        ppu_port.get_acausal(state.port, b, 0, 0, 0, now[1])
        amps[b] = base[b].astype(int) - now
        before = state.weights[b, 0, 0].astype(int).copy()
        ppu_core_fn(ppu.ctx, state.port, b, 0, float(state.step * spec.dt_us))
        ppu.check()
        dw[b] = state.weights[b, 0, 0].astype(int) - before
    cycles = np.array([ppu.cycles(b, 0)[0] for b in range(B)])
    return pd.DataFrame({
        "dt_us": dt_us, "lag_us": lag.mean(axis=1), "dw": dw[inst, col],
        "causal": amps[inst, 0, col], "acausal": amps[inst, 1, col], "cycles": cycles[inst]})
