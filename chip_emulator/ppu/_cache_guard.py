"""Invalidate numba's on-disk cache of this package when any of its sources change.

numba's ``cache=True`` checks only the file of the cached function itself; the
interpreter inlines kernels and I/O backends from sibling modules (and the analog
core's ``ppu_port``), so an edit there would silently keep running stale machine code.
This guard hashes those sources and clears the package's cache files when the hash
differs from the one recorded beside them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_WATCHED = [*sorted(_HERE.glob("*.py")), _HERE.parent / "ppu_port.py"]


def _cache_dirs() -> list[Path]:
    """This package's cache folders: its __pycache__, and under NUMBA_CACHE_DIR the
    folders numba derives from our source folders (``<name>_<hash of path>``)."""
    dirs = [_HERE / "__pycache__"]
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:
        for src in (_HERE, _HERE / "examples"):
            try:  # numba's own naming of a user-provided cache folder
                from numba.core.caching import _UserProvidedCacheLocator

                loc = _UserProvidedCacheLocator(check, str(src / "__init__.py"))
                dirs.append(Path(loc.get_cache_path()))
            except Exception:  # noqa: BLE001 - fall back to the visible pattern
                dirs += list(Path(root).glob(f"{src.name}_*"))
    return dirs


def check() -> None:
    h = hashlib.sha256()
    for p in _WATCHED:
        if p.exists():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    digest = h.hexdigest()
    for cache in _cache_dirs():
        stamp = cache / "ppu_sources.sha256"
        try:
            if stamp.exists() and stamp.read_text() == digest:
                continue
            for f in list(cache.glob("*.nbi")) + list(cache.glob("*.nbc")):
                f.unlink(missing_ok=True)
            cache.mkdir(parents=True, exist_ok=True)
            stamp.write_text(digest)
        except OSError:  # read-only install: numba then recompiles or uses its own dir
            pass
