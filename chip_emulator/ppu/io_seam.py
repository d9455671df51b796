"""The narrow seam between the interpreter and the chip: vector I/O by (kind, row, half).

The interpreter never touches chip arrays. It calls two operations, resolved at compile
time on the type of the ``io`` argument (a namedtuple whose class a backend registers):

* ``io_load(io, kind, row, half, vr, rt) -> int``: fill row ``rt`` of ``vr`` (an int8
  [k, 128] register file or scratch) from the I/O location; return an error code
  (``isa.E_OK`` on success).
* ``io_store(io, kind, row, half, vr, rt, en, masked) -> int``: write ``vr[rt]`` to the
  location, lane i only where ``en[i] != 0`` when ``masked`` is true.

Registers are passed as (array, row) rather than as a 1-D view or a copy: a view costs a
reference-count pair and a copy a call, per access.

A backend is registered with ``register_backend(TupleClass, load_impl, store_impl)``,
where the impls are plain Python functions numba compiles in place (njit-compatible, no
closures). Static dispatch keeps the interpreter cacheable (``cache=True``) and lets
numba inline the backend's code; every backend must be imported before the interpreter
is first compiled for its io type.

Backends: ``array_io.ArrayIO`` (numpy arrays in the PPU-facing layout, for tests and
standalone use) and the analog-core adapter once that core exists.
"""

from __future__ import annotations

from numba.extending import overload

_LOADS: dict[type, object] = {}
_STORES: dict[type, object] = {}


def register_backend(cls: type, load_impl, store_impl) -> None:
    _LOADS[cls] = load_impl
    _STORES[cls] = store_impl


def io_load(io, kind, row, half, vr, rt):  # pragma: no cover - replaced by numba overload
    raise NotImplementedError("io_load is only callable from numba-compiled code")


def io_store(io, kind, row, half, vr, rt, en, masked):  # pragma: no cover
    raise NotImplementedError("io_store is only callable from numba-compiled code")


def _backend(table, io):
    cls = getattr(io, "instance_class", None)
    impl = table.get(cls)
    if impl is None:
        raise TypeError(f"no PPU I/O backend registered for {io} (class {cls})")
    return impl


@overload(io_load)
def _ov_io_load(io, kind, row, half, vr, rt):
    return _backend(_LOADS, io)


@overload(io_store)
def _ov_io_store(io, kind, row, half, vr, rt, en, masked):
    return _backend(_STORES, io)
