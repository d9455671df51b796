"""Run a batch of chip instances for a span of hardware time.

``run`` is the one entry point: it validates, packs the inputs, and calls the compiled
loop (kernel.py) once for the whole span (or once per thread, each thread taking a
share of the (instance, hemisphere) pairs: the hemispheres are independent, so no
synchronisation is needed inside the loop; the threads live in a pool kept between
runs, and the calling thread takes the last share). The PPU hook runs inside the loop
(ppu_port.py); a plain Python ``callback`` at timer events is offered for tests and
exploration and runs the span segment by segment.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from chip_emulator.chip import Chip
from chip_emulator.kernel import run_kernel, run_kernel_ppu
from chip_emulator.network import NO_INPUTS, Inputs, Wiring, make_wiring, pack_inputs
from chip_emulator.ppu_port import ppu_noop
from chip_emulator.state import ChipState

_POOL: list = [None, 0]  # (executor, its size): threads kept alive between runs
_POOL_LOCK = threading.Lock()


def _worker_pool(n: int) -> ThreadPoolExecutor:
    """A process-wide pool of at least ``n`` threads. Starting threads per call cost
    0.1-0.3 ms, a tenth of a hardware ms of the full chip."""
    with _POOL_LOCK:
        if _POOL[1] < n:
            if _POOL[0] is not None:
                _POOL[0].shutdown(wait=False)
            _POOL[0], _POOL[1] = ThreadPoolExecutor(n, thread_name_prefix="chip_emulator"), n
        return _POOL[0]


@dataclass(frozen=True)
class Timer:
    """PPU timer: events at start_us, start_us + period_us, ... (n_periods events)."""

    start_us: float
    period_us: float
    n_periods: int

    def steps(self, dt_us: float) -> np.ndarray:
        if not (self.start_us >= 0 and self.period_us > 0 and self.n_periods >= 0):
            raise ValueError(f"Timer({self.start_us}, {self.period_us}, {self.n_periods}): "
                             "need start_us >= 0, period_us > 0, n_periods >= 0")
        t = self.start_us + self.period_us * np.arange(int(self.n_periods))
        return np.unique(np.round(t / dt_us).astype(np.int64))


@dataclass(frozen=True)
class Record:
    """What to record: up to ``max_spikes`` spikes per (instance, hemisphere), and the
    membrane of ``trace_neurons`` (indices within a hemisphere) every ``trace_every``
    steps."""

    max_spikes: int = 10_000
    trace_neurons: tuple = ()
    trace_every: int = 1


DEFAULT_RECORD = Record()


@dataclass
class Recording:
    """Spikes as (step, neuron) per (instance, hemisphere); ``spike_count`` counts all
    spikes, also those beyond ``max_spikes`` (not stored). Traces (B,H,K,T): membrane
    (LSB) at times ``trace_t_us``."""

    dt_us: float
    spike_step: np.ndarray
    spike_neuron: np.ndarray
    spike_count: np.ndarray
    trace: np.ndarray
    trace_t_us: np.ndarray

    def spikes(self, b: int, h: int):
        """(times_us, neurons) of instance b, hemisphere h, in time order."""
        c = min(int(self.spike_count[b, h]), self.spike_step.shape[2])
        return self.spike_step[b, h, :c] * self.dt_us, self.spike_neuron[b, h, :c].copy()

    @property
    def dropped(self) -> int:
        return int(np.maximum(self.spike_count - self.spike_step.shape[2], 0).sum())


def run(chip: Chip, state: ChipState, duration_us: float, wiring: Wiring | None = None,
        inputs: Inputs = NO_INPUTS, timer: Timer | None = None, ppu_fn=ppu_noop,
        ppu_ctx=(), record: Record = DEFAULT_RECORD, callback=None, threads: int = 1,
        inplace: bool = False):
    """Advance every instance by ``duration_us`` (rounded to whole steps).

    Returns ``(state, recording)``; the given state is left untouched unless
    ``inplace=True`` (then it is advanced and returned, saving a copy).
    ``ppu_fn(ppu_ctx, port, b, h, t_us)``: an ``@njit`` function called inside the
    loop at each timer event; ``callback(state, b, h, t_us)``: a Python function called
    at each timer event instead (slower: one compiled call per segment).
    ``threads``: >1 shares the (instance, hemisphere) pairs among threads.
    """
    spec = chip.spec
    B, H = chip.batch, spec.n_hemispheres
    dt = spec.dt_us
    if state.port[9].shape[:2] != (B, H):
        raise ValueError(f"state is for batch {state.port[9].shape[:2]}, chip for {(B, H)}")
    if not (np.isfinite(duration_us) and duration_us >= 0):
        raise ValueError(f"duration_us = {duration_us}: must be finite and >= 0")
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads = {threads!r}: must be an integer >= 1")
    if callback is not None and ppu_fn is not ppu_noop:
        raise ValueError("give either ppu_fn (compiled) or callback (Python), not both")
    wiring = wiring if wiring is not None else make_wiring(spec)
    if wiring.row_sign.shape != (H, spec.n_rows) or wiring.out_label.shape != (
            H, spec.n_neurons):
        raise ValueError("wiring does not match the chip's size")
    state = state if inplace else state.copy()
    n_steps = int(round(duration_us / dt))
    src = pack_inputs(spec, B, inputs)
    rec, recording = _make_record(spec, B, record, state.step, n_steps)
    timer_steps = timer.steps(dt) if timer is not None else np.zeros(0, np.int64)
    timer_steps = timer_steps[(timer_steps > state.fired_until) & (timer_steps >= state.step)
                              & (timer_steps <= state.step + n_steps)]
    flags = np.array([spec.correlation, bool((chip.neuron_arrays[8] > 0).any()),
                      spec.adaptation or spec.exponential], np.int64)
    neu, syn = chip.neuron_arrays, chip.syn_arrays
    wire = (wiring.row_sign, wiring.out_label)

    def call(step0, steps, tsteps, fn, ctx):
        args = (step0, steps, dt, chip.k_c, chip.k_a, flags, tsteps, neu, syn, wire, src,
                state.port, state.dyn, rec, fn, ctx)
        if fn is ppu_noop:  # the disk-cached compilation, without a PPU program
            kernel, args = run_kernel, args[:-2] + (None, ())
        else:
            # a disk-cached loop specialised on fn if one exists (chip_emulator/ppu/
            # core_loop.py; it takes None in fn's place), else fn's own compilation
            from chip_emulator.ppu.core_loop import cached_kernel

            kernel = cached_kernel(fn)
            if kernel is None:
                kernel = run_kernel_ppu
            else:
                args = args[:-2] + (None, ctx)
        if threads == 1 or B * H == 1:
            kernel(0, B * H, *args)
            return
        # contiguous, disjoint ranges of (instance, hemisphere) pairs, one per thread;
        # the last range runs in this thread (the kernel releases the GIL)
        edges = np.linspace(0, B * H, min(threads, B * H) + 1).round().astype(int)
        pool = _worker_pool(len(edges) - 2)
        futures = [pool.submit(kernel, int(lo), int(hi), *args)
                   for lo, hi in zip(edges[:-2], edges[1:-1], strict=True)]
        try:
            kernel(int(edges[-2]), int(edges[-1]), *args)
        finally:
            for f in futures:
                f.result()

    end = state.step + n_steps
    if callback is None:
        call(state.step, n_steps, timer_steps, ppu_fn, ppu_ctx)
    else:
        no_timer = np.zeros(0, np.int64)
        for ts in [int(s) for s in timer_steps if state.step <= s <= end] + [None]:
            stop = end if ts is None else ts
            call(state.step, stop - state.step, no_timer, ppu_noop, ())
            state.step = stop
            if ts is not None:
                for b in range(B):
                    for h in range(H):
                        callback(state, b, h, ts * dt)
    state.step = end
    if timer_steps.size:
        state.fired_until = int(timer_steps[-1])
    return state, recording


def _make_record(spec, B, record: Record, step0: int, n_steps: int):
    H = spec.n_hemispheres
    idx = np.asarray(record.trace_neurons, np.int64).reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= spec.n_neurons):
        raise ValueError(f"Record.trace_neurons must be in 0..{spec.n_neurons - 1}")
    if record.trace_every < 1 or record.max_spikes < 0:
        raise ValueError("Record.trace_every must be >= 1 and max_spikes >= 0")
    slots = n_steps // record.trace_every if idx.size else 0
    spk_step = np.zeros((B, H, record.max_spikes), np.int64)
    spk_nrn = np.zeros((B, H, record.max_spikes), np.int16)
    spk_count = np.zeros((B, H), np.int64)
    trace = np.zeros((B, H, idx.size, slots), np.float32)
    rec = (spk_step, spk_nrn, spk_count, idx, np.int64(record.trace_every), np.int64(step0),
           trace)
    t_us = (step0 + record.trace_every * (np.arange(slots) + 1)) * spec.dt_us
    return rec, Recording(spec.dt_us, spk_step, spk_nrn, spk_count, trace, t_us)
