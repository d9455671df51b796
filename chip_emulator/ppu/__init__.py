"""chip_emulator.ppu: the emulated plasticity processor (PPU) of a BrainScaleS-2-like chip.

An FXV-like vector instruction set (``isa``), its slow reference semantics
(``reference``), a numba interpreter with cycle accounting (``interpreter``), a program
builder and disassembler, host symbols and a timer (``runtime``), behind a narrow I/O
seam (``io_seam``) with an array-backed implementation (``array_io``).
See docs/ppu.md.
"""

from . import _cache_guard

_cache_guard.check()  # before any numba-cached module loads

from . import isa  # noqa: E402
from .array_io import ArrayIO, make_array_io  # noqa: E402
from .builder import IOBase, ProgramBuilder, Reg, VReg  # noqa: E402
from .core_io import CorePPU, make_core_ppu, ppu_core_fn  # noqa: E402
from .disasm import disassemble, format_instruction  # noqa: E402
from .io_seam import register_backend  # noqa: E402
from .program import Program, Symbol, read_symbol, write_symbol  # noqa: E402
from .runtime import PPUError, PPUState, TimerSpec, new_state, run_once, run_timer, validate  # noqa: E402

__all__ = [
    "isa", "ArrayIO", "make_array_io", "CorePPU", "make_core_ppu", "ppu_core_fn",
    "IOBase", "ProgramBuilder", "Reg", "VReg", "disassemble",
    "format_instruction", "register_backend", "Program", "Symbol", "read_symbol",
    "write_symbol", "PPUError", "PPUState", "TimerSpec", "new_state", "run_once",
    "run_timer", "validate",
]
