"""The analog core's run loop specialised on the PPU hook ``ppu_core_fn``, cached on disk.

Why: ``chip_emulator.kernel.run_kernel_ppu`` takes ``ppu_fn`` as a first-class argument.
numba keys a dispatcher argument by its identity in the process, so that compilation
(10-25 s: the whole time loop, the interpreter and the port) is never found in the disk
cache and every process pays it again (a Ray worker of the outer loop, each time).

Here the hook is a *global* of an ``@njit(cache=True)`` wrapper: the wrapper's signature
holds only arrays, tuples and ``None``, so its compilation, which links in the loop, the
interpreter and the port accessors, is written to the disk cache and loaded by every
later process. ``run.py``'s ``call()`` looks the wrapper up with ``cached_kernel(fn)``
and passes it the usual arguments with ``None`` in place of ``ppu_fn``.

Invalidation: numba checks only the timestamp of this file; the loop it inlines lives in
``chip_emulator/kernel*.py`` and the hook in ``ppu/*.py`` and ``ppu_port.py``. So
``_cache_guard.py`` clears this module's cache files whenever any source file of the
``chip_emulator`` package changes (tested in tests/chip_emulator/ppu/test_core_loop.py).
"""

from __future__ import annotations

from numba import njit

from ..kernel import run_kernel_ppu
from .core_io import ppu_core_fn

# The loop inlined at numba IR level into the wrapper: passed to a separate function, the
# hook would be a run-time value (a process-specific address, which numba refuses to
# cache); inlined, every call of it resolves at compile time and the value is dropped.
_loop = njit(inline="always", nogil=True)(run_kernel_ppu.py_func)


@njit(cache=True, nogil=True)
def run_kernel_core_ppu(w0, w1, step0, n_steps, dt, k_c, k_a, flags, timer_steps, neu, syn,
                        wiring, src, port, dyn, rec, no_fn, ppu_ctx):
    """``run_kernel_ppu(..., ppu_core_fn, ppu_ctx)``; ``no_fn`` (``None``) stands in the
    place of ``ppu_fn`` so that the argument lists of the two are the same."""
    _loop(w0, w1, step0, n_steps, dt, k_c, k_a, flags, timer_steps, neu, syn, wiring, src,
          port, dyn, rec, ppu_core_fn, ppu_ctx)


# ppu_fn -> its disk-cached run loop (called with None in place of ppu_fn)
_CACHED = {ppu_core_fn: run_kernel_core_ppu}


def cached_kernel(ppu_fn):
    """The disk-cached run loop specialised on ``ppu_fn``, or None if there is none (the
    caller then compiles ``run_kernel_ppu`` for it, once per process)."""
    return _CACHED.get(ppu_fn)
