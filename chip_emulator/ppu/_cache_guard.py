"""Invalidate numba's on-disk cache of this package when any of its sources change.

numba's ``cache=True`` checks only the file of the cached function itself; the
interpreter inlines kernels and I/O backends from sibling modules (and the analog
core's ``ppu_port``), so an edit there would silently keep running stale machine code.
This guard hashes those sources and clears the package's cache files when the hash
differs from the one recorded beside them.

Two groups, each with its own record:

* ``core_loop.*``: the run loop specialised on ``ppu_core_fn`` (``core_loop.py``) links
  in the analog core's loop (``chip_emulator/kernel*.py``, however that is split), the
  port and this package: it watches every source file of the ``chip_emulator`` package.
* everything else here (interpreter, kernels, backends): this package and ``ppu_port.py``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_PACKAGE = _HERE.parent  # chip_emulator/


def _ppu_sources() -> list[Path]:
    return [*sorted(_HERE.glob("*.py")), _PACKAGE / "ppu_port.py"]


def _package_sources() -> list[Path]:
    """Every source of chip_emulator (recursively): whatever the core's loop inlines."""
    return sorted(p for p in _PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


# (cache file pattern, record file name, watched sources); a file matching an earlier
# group's pattern belongs to that group only
_GROUPS = (
    ("core_loop.*", "core_loop_sources.sha256", _package_sources),
    ("*", "ppu_sources.sha256", _ppu_sources),
)


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


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        if p.exists():
            h.update(str(p.relative_to(_PACKAGE)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _cache_files(cache: Path, pattern: str, claimed: set[Path]) -> list[Path]:
    files = [*cache.glob(pattern + ".nbi"), *cache.glob(pattern + ".nbc")]
    return [f for f in files if f not in claimed]


def check() -> None:
    digests = {record: digest(sources()) for _, record, sources in _GROUPS}
    for cache in _cache_dirs():
        claimed: set[Path] = set()
        for pattern, record, _ in _GROUPS:
            files = _cache_files(cache, pattern, claimed)
            claimed.update(files)
            stamp = cache / record
            try:
                if stamp.exists() and stamp.read_text() == digests[record]:
                    continue
                for f in files:
                    f.unlink(missing_ok=True)
                cache.mkdir(parents=True, exist_ok=True)
                stamp.write_text(digests[record])
            except OSError:  # read-only install: numba then recompiles or uses its own dir
                pass
