"""Host side of a PPU: state, validation, one invocation, the timer and host symbols.

The real system (REFERENCE.md "program model") runs a kernel at timer events (start,
period, number of periods) and exchanges named symbols with the host between runs. Here:

* ``PPUState``: everything the processor keeps between invocations (SRAM, vector and
  scalar registers, accumulator, condition flags, status); a namedtuple of arrays, so it
  pickles and can be handed to numba.
* ``validate(program)``: static check before running (opcodes, registers, fields,
  branch targets, size) with an error naming the instruction.
* ``run_once``: one invocation against an I/O backend; returns the cycles it took.
* ``TimerSpec`` and ``run_timer``: invocations at the timer's events, with a per-period
  budget; an overrun raises or is flagged (``on_overrun``).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from . import isa
from .disasm import format_instruction
from .interpreter import S_COUNT, S_CYCLES, S_DETAIL, S_ERROR, S_PC, STATUS_LEN, check_code, run_program
from .program import Program, read_symbol, write_symbol

DEFAULT_MAX_CYCLES = 1 << 24  # 67 ms of PPU time: far beyond any timer period

PPUState = namedtuple("PPUState", ["sram", "vr", "acc", "vcr", "gpr", "status"])


class PPUError(RuntimeError):
    """A program error, naming the instruction index and the problem."""

    def __init__(self, code: int, index: int, message: str, instruction: str = ""):
        self.code = code
        self.index = index
        self.instruction = instruction
        where = f" at instruction {index}" + (f" ({instruction})" if instruction else "")
        super().__init__(f"PPU program error{where}: {message}")


def new_state(program: Program) -> PPUState:
    return PPUState(
        sram=program.sram_image(),
        vr=np.zeros((isa.N_VREG, isa.N_LANES), np.int8),
        acc=np.zeros(isa.ACC_LANES, np.int16),
        vcr=np.zeros(isa.N_LANES, np.uint8),
        gpr=np.zeros(isa.N_GPR, np.int32),
        status=np.zeros(STATUS_LEN, np.int64),
    )


def _error(program_code, code: int, index: int, detail: int = 0) -> PPUError:
    msg = isa.ERROR_TEXT.get(code, f"error code {code}")
    if code in (isa.E_MEM_RANGE, isa.E_IO_RANGE, isa.E_IO_DIRECTION):
        msg += f" (address {detail})"
    instr = ""
    if program_code is not None and 0 <= index < len(program_code):
        instr = format_instruction(program_code[index])
    return PPUError(code, index, msg, instr)


def validate(program: Program) -> None:
    """Static validation; raises PPUError naming the first bad instruction."""
    code = np.ascontiguousarray(program.code)
    if code.dtype != np.int32 or code.ndim != 2 or code.shape[1] != isa.N_FIELDS:
        raise PPUError(isa.E_SHAPE, 0, isa.ERROR_TEXT[isa.E_SHAPE])
    if program.size_bytes > isa.SRAM_BYTES:
        raise PPUError(isa.E_OVERSIZE, len(code) - 1,
                       f"{isa.ERROR_TEXT[isa.E_OVERSIZE]}: {program.size_bytes} B")
    err, idx = check_code(code)
    if err != isa.E_OK:
        raise _error(code, int(err), int(idx))


def raise_for_status(program: Program, status: np.ndarray) -> None:
    err = int(status[S_ERROR])
    if err != isa.E_OK:
        raise _error(program.code, err, int(status[S_PC]), int(status[S_DETAIL]))


def run_once(program: Program, state: PPUState, io, *, budget_cycles: int | None = None,
             on_overrun: str = "error", max_cycles: int = DEFAULT_MAX_CYCLES) -> int:
    """One invocation; returns its cycles. Errors raise PPUError.

    With ``budget_cycles``: a run longer than the budget raises (``on_overrun="error"``)
    or returns normally with the cycles it took (``"flag"``; compare against the budget).
    """
    if on_overrun not in ("error", "flag"):
        raise ValueError(f"on_overrun must be 'error' or 'flag', got {on_overrun!r}")
    cap = max_cycles
    if budget_cycles is not None and on_overrun == "error":
        cap = min(cap, int(budget_cycles))
    run_program(program.code, state.sram, state.vr, state.acc, state.vcr, state.gpr,
                state.status, io, program.data_base, cap)
    if (int(state.status[S_ERROR]) == isa.E_CYCLE_CAP and budget_cycles is not None
            and on_overrun == "error" and cap == int(budget_cycles)):
        raise PPUError(isa.E_BUDGET, int(state.status[S_PC]),
                       f"{isa.ERROR_TEXT[isa.E_BUDGET]} ({budget_cycles} cycles)")
    raise_for_status(program, state.status)
    return int(state.status[S_CYCLES])


def instructions_executed(state: PPUState) -> int:
    return int(state.status[S_COUNT])


@dataclass(frozen=True)
class TimerSpec:
    """Timer of the real system: first event at start_us, then every period_us, count times."""

    start_us: float
    period_us: float
    count: int

    def __post_init__(self):
        if self.period_us <= 0 or self.count < 0 or self.start_us < 0:
            raise ValueError("timer needs start_us >= 0, period_us > 0 and count >= 0")

    def events_us(self) -> np.ndarray:
        return self.start_us + self.period_us * np.arange(self.count)

    @property
    def period_cycles(self) -> int:
        return int(round(self.period_us * isa.CLOCK_HZ / 1e6))


def run_timer(program: Program, state: PPUState, io, timer: TimerSpec, *,
              between=None, budget_cycles: int | None = None,
              on_overrun: str = "error") -> tuple[np.ndarray, np.ndarray]:
    """Run the program at every timer event (standalone, without an analog core).

    ``between(k, t_us)`` is called before event k (e.g. to advance a chip model or write
    host symbols). The budget defaults to the timer period. Returns the cycles of each
    invocation and a boolean overrun flag per invocation.
    """
    validate(program)
    budget = timer.period_cycles if budget_cycles is None else int(budget_cycles)
    cycles = np.zeros(timer.count, np.int64)
    for k, t in enumerate(timer.events_us()):
        if between is not None:
            between(k, float(t))
        cycles[k] = run_once(program, state, io, budget_cycles=budget, on_overrun=on_overrun)
    return cycles, cycles > budget


__all__ = ["PPUError", "PPUState", "TimerSpec", "new_state", "validate", "run_once",
           "run_timer", "raise_for_status", "read_symbol", "write_symbol",
           "instructions_executed"]
