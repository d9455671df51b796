"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half.

Write to a temporary file in the same directory, flush and fsync it, then rename over the
target (rename is atomic within one filesystem). The directory is not fsynced: after a power
cut the rename may be lost, leaving the previous intact file, which resume handles; never a
truncated one. (That saves one fsync per file per generation.)
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

import pandas as pd


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode())


def write_json(path: str | os.PathLike, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=float) + "\n")


def write_parquet(path: str | os.PathLike, df: pd.DataFrame) -> None:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, engine="pyarrow")
    write_bytes(path, buf.getvalue())
