"""The PPU on the analog core: the I/O backend over ``chip_emulator.ppu_port`` and the
compiled hook ``ppu_core_fn`` the core's run loop calls at timer events.

Contract (chip_emulator/ppu_port.py, docs/emulator.md): at every timer event the loop
calls ``ppu_fn(ppu_ctx, port, b, h, t_us)`` for each instance b and hemisphere h; the PPU
touches the chip only through the port's accessors, and only (b, h). Here ``ppu_ctx``
is a ``CoreContext`` (a namedtuple of arrays indexed [b, h, ...]): one processor per
(instance, hemisphere), each with its own SRAM, registers, status, column LFSRs, a log
of the cycles of each invocation, and a sticky error record. A processor that hit an
error stops running (the host raises it after the run with ``CorePPU.check()``); an
overrun of the cycle budget is an error or only counted (``on_overrun``).

I/O mapping (isa.IO_*; half h covers columns 128h .. 128h + 127):
weights/labels -> get/set_weights(_masked), get/set_labels (masked label writes merge
in a read); causal/acausal -> get_causal/get_acausal; corr_reset -> reset_correlation
(whole row); rates / rates_clear -> get_rate_counters(clear=False/True); membrane ->
get_membrane; neuron_reset -> reset_neurons; rng -> the column LFSRs kept in the
context (the port has no generators).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from numba import njit

from .. import ppu_port as pp
from . import isa
from .array_io import io_range_error, lfsr_step8
from .disasm import format_instruction
from .interpreter import S_CYCLES, S_DETAIL, S_PC, STATUS_LEN, check_program, execute
from .io_seam import register_backend
from .nrt import NRT_OFF
from .program import Program, read_symbol, write_symbol
from .runtime import PPUError

CoreIO = namedtuple("CoreIO", ["port", "b", "h", "rng", "buf"])

CoreContext = namedtuple(
    "CoreContext",
    ["code", "params", "sram", "vr", "acc", "vcr", "gpr", "status", "rng", "cycles",
     "n_events", "overruns", "error", "buf", "scratch", "en"],
)
# code is checked once by make_core_ppu and stored read-only; buf, scratch, en: work
# space per processor, so that an invocation allocates nothing (an allocation in the
# compiled hook cost about 0.5 us, the per-call check of a 100-instruction program ~0.3)
# params: int64[4] = data_base, max_cycles, budget_cycles (0: none), overrun_is_error
P_DATA_BASE, P_MAX_CYCLES, P_BUDGET, P_OVERRUN_ERROR = range(4)


# Both functions have a single return and pass the port only to its accessors: an early
# return, or handing the io tuple to an inlined helper, made numba reference-count all
# 13 arrays of the port on every access (measured on the array backend: ~170 ns).


def core_io_load(io, kind, row, half, vr, rt):
    nrows, ncols = pp.n_rows(io.port), pp.n_columns(io.port)
    err = io_range_error(nrows, ncols, kind, row, half)
    c0 = half * 128
    n = min(128, ncols - c0)
    out = vr[rt]
    u = out[:max(n, 0)].view(np.uint8)
    if err != isa.E_OK:
        pass
    elif kind == isa.IO_WEIGHTS:
        pp.get_weights(io.port, io.b, io.h, row, c0, u)
    elif kind == isa.IO_LABELS:
        pp.get_labels(io.port, io.b, io.h, row, c0, u)
    elif kind == isa.IO_CAUSAL:
        pp.get_causal(io.port, io.b, io.h, row, c0, u)
    elif kind == isa.IO_ACAUSAL:
        pp.get_acausal(io.port, io.b, io.h, row, c0, u)
    elif kind == isa.IO_RATES or kind == isa.IO_RATES_CLEAR:
        pp.get_rate_counters(io.port, io.b, io.h, c0, u, io.buf[:n],
                             kind == isa.IO_RATES_CLEAR)
    elif kind == isa.IO_MEMBRANE:
        pp.get_membrane(io.port, io.b, io.h, c0, u)
    elif kind == isa.IO_RNG:
        for j in range(n):
            s = lfsr_step8(io.rng[c0 + j])
            io.rng[c0 + j] = s
            out[j] = np.int8(s & 0xFF)
    else:
        err = isa.E_IO_DIRECTION
    if err == isa.E_OK:
        for j in range(n, 128):
            out[j] = 0  # lanes beyond a small array's last column read 0
    return err


def core_io_store(io, kind, row, half, vr, rt, en, masked):
    nrows, ncols = pp.n_rows(io.port), pp.n_columns(io.port)
    err = io_range_error(nrows, ncols, kind, row, half)
    c0 = half * 128
    n = min(128, ncols - c0)
    vec = vr[rt]
    u = vec[:max(n, 0)].view(np.uint8)
    if err != isa.E_OK:
        pass
    elif kind == isa.IO_WEIGHTS:
        if masked:
            pp.set_weights_masked(io.port, io.b, io.h, row, c0, u, en[:n].view(np.uint8))
        else:
            pp.set_weights(io.port, io.b, io.h, row, c0, u)
    elif kind == isa.IO_LABELS:
        buf = io.buf[:n]
        if masked:  # no masked label write in the port: merge into a read
            pp.get_labels(io.port, io.b, io.h, row, c0, buf)
            for j in range(n):
                if en[j] != 0:
                    buf[j] = u[j]
        else:
            for j in range(n):
                buf[j] = u[j]
        pp.set_labels(io.port, io.b, io.h, row, c0, buf)
    elif kind == isa.IO_CORR_RESET:
        pp.reset_correlation(io.port, io.b, io.h, row)
    elif kind == isa.IO_NEURON_RESET:
        buf = io.buf[:n]
        for j in range(n):
            buf[j] = np.uint8((vec[j] != 0) and ((not masked) or en[j] != 0))
        pp.reset_neurons(io.port, io.b, io.h, c0, buf)
    else:
        err = isa.E_IO_DIRECTION
    return err


register_backend(CoreIO, core_io_load, core_io_store)


@njit(cache=True, **NRT_OFF)  # allocates nothing; see interpreter.execute
def ppu_core_fn(ctx, port, b, h, t_us):
    """The hook for ``chip_emulator.run.run(..., ppu_fn=ppu_core_fn, ppu_ctx=ctx)``: one
    invocation of processor (b, h) at a timer event, inside the compiled loop."""
    if ctx.error[b, h, 0] != 0:
        return  # stopped by an earlier error (raised on the host after the run)
    params = ctx.params
    budget = params[P_BUDGET]
    cap = params[P_MAX_CYCLES]
    if budget > 0 and params[P_OVERRUN_ERROR] != 0 and budget < cap:
        cap = budget
    io = CoreIO(port, b, h, ctx.rng[b, h], ctx.buf[b, h])
    status = ctx.status[b, h]
    err = execute(ctx.code, ctx.sram[b, h], ctx.vr[b, h], ctx.acc[b, h], ctx.vcr[b, h],
                  ctx.gpr[b, h], status, io, params[P_DATA_BASE], cap, ctx.scratch[b, h],
                  ctx.en[b, h])
    cycles = status[S_CYCLES]
    k = ctx.n_events[b, h]
    if k < ctx.cycles.shape[2]:
        ctx.cycles[b, h, k] = cycles
    ctx.n_events[b, h] = k + 1
    if err == isa.E_CYCLE_CAP and cap == budget:
        err = isa.E_BUDGET  # stopped at the budget: an overrun reported as an error
    if budget > 0 and cycles > budget:
        ctx.overruns[b, h] += 1
    if err != 0:
        ctx.error[b, h, 0] = err
        ctx.error[b, h, 1] = status[S_PC]
        ctx.error[b, h, 2] = status[S_DETAIL]
        ctx.error[b, h, 3] = np.int64(t_us * 1000.0)  # ns, for the report


@dataclass
class CorePPU:
    """The host side of the processors of a batch of chips (B instances x H hemispheres).

    ``ctx`` goes to ``run(..., ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx)``.
    """

    program: Program
    ctx: CoreContext

    @property
    def shape(self) -> tuple[int, int]:
        return self.ctx.sram.shape[:2]

    def write_symbol(self, name: str, value, b: int | None = None, h: int | None = None):
        """Host write of a named input into the SRAM of (b, h) (all when None)."""
        B, H = self.shape
        for bi in range(B) if b is None else [b]:
            for hi in range(H) if h is None else [h]:
                write_symbol(self.ctx.sram[bi, hi], self.program, name, value)

    def read_symbol(self, name: str, b: int, h: int) -> np.ndarray:
        return read_symbol(self.ctx.sram[b, h], self.program, name)

    def cycles(self, b: int, h: int) -> np.ndarray:
        """Cycles of each invocation of processor (b, h) so far (up to the log size)."""
        n = min(int(self.ctx.n_events[b, h]), self.ctx.cycles.shape[2])
        return self.ctx.cycles[b, h, :n].copy()

    def check(self) -> None:
        """Raise PPUError for the first processor that stopped on an error."""
        for b, h in zip(*np.nonzero(self.ctx.error[:, :, 0]), strict=True):
            code, pc, detail, t_ns = (int(x) for x in self.ctx.error[b, h])
            msg = isa.ERROR_TEXT.get(code, f"error {code}")
            if code in (isa.E_MEM_RANGE, isa.E_IO_RANGE, isa.E_IO_DIRECTION):
                msg += f" (address {detail})"
            raise PPUError(code, pc, f"{msg} [instance {b}, hemisphere {h}, "
                           f"t = {t_ns / 1000:g} us]", format_instruction(self.program.code[pc]))


def make_core_ppu(program: Program, batch: int, n_hemispheres: int, seeds=(0,), *,
                  period_us: float | None = None, budget_cycles: int | None = None,
                  on_overrun: str = "error", max_cycles: int = 1 << 24,
                  max_events: int = 4096) -> CorePPU:
    """Processors for ``batch`` chip instances x ``n_hemispheres``, all loaded with
    ``program``; column LFSRs seeded per instance from ``seeds`` (one per instance).

    The cycle budget of an invocation is ``budget_cycles``, else the timer period
    ``period_us`` (at 250 MHz), else none; an overrun is an error or only counted
    (``on_overrun``)."""
    if budget_cycles is None and period_us is not None:
        if not period_us > 0:
            raise ValueError(f"period_us = {period_us}: must be > 0")
        budget_cycles = int(round(period_us * isa.CLOCK_HZ / 1e6))
    from .runtime import validate

    validate(program)
    if on_overrun not in ("error", "flag"):
        raise ValueError(f"on_overrun must be 'error' or 'flag', got {on_overrun!r}")
    seeds = list(seeds)
    if len(seeds) != batch:
        raise ValueError(f"need one seed per instance: {batch}, got {len(seeds)}")
    code = np.array(program.code, np.int32, order="C")
    err, idx = check_program(code, program.data_base)
    assert err == 0, (err, idx)  # validate() has raised already
    code.flags.writeable = False  # checked once here, not at each invocation
    B, H = batch, n_hemispheres
    rng = np.empty((B, H, 256), np.uint16)
    for bi, s in enumerate(seeds):
        rng[bi] = np.random.default_rng([int(s), 0x9E37]).integers(1, 65536, (H, 256))
    ctx = CoreContext(
        code=code,
        params=np.array([program.data_base, max_cycles, budget_cycles or 0,
                         int(on_overrun == "error")], np.int64),
        sram=np.broadcast_to(program.sram_image(), (B, H, isa.SRAM_BYTES)).copy(),
        vr=np.zeros((B, H, isa.N_VREG, isa.N_LANES), np.int8),
        acc=np.zeros((B, H, isa.ACC_LANES), np.int16),
        vcr=np.zeros((B, H, isa.N_LANES), np.uint8),
        gpr=np.zeros((B, H, isa.N_GPR), np.int32),
        status=np.zeros((B, H, STATUS_LEN), np.int64),
        rng=rng,
        cycles=np.zeros((B, H, max_events), np.int64),
        n_events=np.zeros((B, H), np.int64),
        overruns=np.zeros((B, H), np.int64),
        error=np.zeros((B, H, 4), np.int64),
        buf=np.zeros((B, H, 256), np.uint8),
        scratch=np.zeros((B, H, 1, isa.N_LANES), np.int8),
        en=np.ones((B, H, isa.N_LANES), np.int8),
    )
    return CorePPU(program, ctx)


