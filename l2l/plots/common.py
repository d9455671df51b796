"""Shared figure settings and the atomic writer of a figure and its data."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from l2l.results.atomic import write_bytes, write_text

FIGSIZE, DPI = (8.0, 5.0), 100  # 800 x 500 pixels
MAX_PANELS = 4  # instances drawn in a replay figure (all of them stay in the tables)


def figure(**kw) -> Figure:
    """A figure outside pyplot: no backend or global state (works on a headless node, in threads,
    and a notebook still shows it), nothing to close."""
    return Figure(figsize=kw.pop("figsize", FIGSIZE), dpi=DPI, **kw)


def save(fig: Figure, path: str | Path, data: pd.DataFrame | None = None) -> Path:
    """Write `fig` as PNG at `path` (and `data`, what it draws, as CSV beside it)."""
    path = Path(path)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    write_bytes(path, buf.getvalue())
    if data is not None:
        write_text(path.with_suffix(".csv"), data.to_csv(index=False))
    return path
