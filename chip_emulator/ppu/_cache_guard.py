"""Invalidate numba's on-disk cache of this package when any of its sources change.

numba's ``cache=True`` checks only the file of the cached function itself; the
interpreter inlines kernels and I/O backends from sibling modules (and the analog
core's ``ppu_port``), so an edit there would silently keep running stale machine code.
This guard hashes those sources and clears the package's cache files when the hash
differs from the one recorded beside them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_WATCHED = [*sorted(_HERE.glob("*.py")), _HERE.parent / "ppu_port.py"]


def check() -> None:
    h = hashlib.sha256()
    for p in _WATCHED:
        if p.exists():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    digest = h.hexdigest()
    cache = _HERE / "__pycache__"
    stamp = cache / "ppu_sources.sha256"
    try:
        if stamp.exists() and stamp.read_text() == digest:
            return
        for f in list(cache.glob("*.nbi")) + list(cache.glob("*.nbc")):
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # read-only install: numba then recompiles or uses its own dir
        pass
