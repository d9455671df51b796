"""numba's private ``_nrt`` option: reference counting off for the interpreter and the hook.

Why it is used: docs/ppu.md (reference counting was the largest cost of an invocation; off,
a one-instruction program went from 1.7 to 0.1-0.2 us). It is not public API: if a numba
release no longer has it, the flags here become empty and the functions compile with
reference counting, correct but slower, and a RuntimeWarning says so at import (not an
import error that would stop every run).
"""

from __future__ import annotations

import warnings

try:
    from numba.core.cpu import CPUTargetOptions

    SUPPORTED = hasattr(CPUTargetOptions, "_nrt")
except ImportError:  # numba moved its target options
    SUPPORTED = False

if not SUPPORTED:
    warnings.warn("this numba has no '_nrt' option: the plasticity processor's interpreter "
                  "runs with reference counting, correct but about 10x slower per invocation "
                  "of a tiny program (docs/ppu.md)", RuntimeWarning, stacklevel=2)

NRT_OFF = {"_nrt": False} if SUPPORTED else {}  # for functions that allocate nothing
NRT_ON = {"_nrt": True} if SUPPORTED else {}  # for callees that allocate (overrides NRT_OFF)
