"""Rule portraits: the weight change a rule's compiled program makes, against its inputs.

A rule's `portrait(genes, **axes)` (see plasticity_rules) returns a tidy table: one column per
input axis (e.g. `causal`, `acausal`, `reward`, `weight`, or `dt_us`) and `dw`, measured by
running the compiled program on the emulated processor. This draws it: heat maps of dw over
the first two axes (x, y), one panel per combination of the values of the other axes, on one
symmetric colour scale (red: potentiation, blue: depression). A table with a single axis is
drawn as a curve dw(x).

>>> from l2l.plots import portrait_figure
>>> fig, data = portrait_figure(rule.portrait(genes, causal=c, acausal=a, reward=r))
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from l2l.plots.common import figure

MAX_PANELS = 16


def portrait_axes(table: pd.DataFrame, axes: list[str] | None = None) -> list[str]:
    """The input axes of a portrait table: `axes` if given (checked), else every column but dw."""
    if "dw" not in table.columns:
        raise ValueError(f"a portrait table needs a 'dw' column; it has {list(table.columns)}")
    if axes is not None:
        missing = [a for a in axes if a not in table.columns or a == "dw"]
        if missing:
            raise ValueError(
                f"portrait axes {missing} are not input columns of the table {list(table.columns)}"
            )
    axes = [c for c in table.columns if c != "dw"] if axes is None else list(axes)
    if not axes:
        raise ValueError("a portrait table needs at least one input axis column beside 'dw'")
    return axes


def _panel_values(table: pd.DataFrame, others: list[str]) -> list[tuple]:
    if not others:
        return [()]
    values = [sorted(table[c].unique()) for c in others]
    return list(itertools.product(*values))[:MAX_PANELS]


def _panel_label(others: list[str], values: tuple) -> str:
    return ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float | np.floating) else f"{k}={v}"
        for k, v in zip(others, values, strict=True)
    )


def heat(table: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """dw as a grid, rows = y values, columns = x values (both ascending): what a panel shows."""
    return table.pivot_table(index=y, columns=x, values="dw", aggfunc="mean").sort_index().sort_index(axis=1)


def portrait_figure(
    table: pd.DataFrame, title: str = "rule portrait", axes: list[str] | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Heat maps of dw over the first two axes, one panel per value of the others; returns
    (figure, data) where data is the table drawn (axes and dw) with a `panel` column. Axes held
    at a single value are named in the title instead.

    `axes` names the input columns in the order to use (x, y, panels...); by default every
    column but dw, in table order (extra columns a rule adds, e.g. measured ones, need `axes`)."""
    axes = portrait_axes(table, axes)
    table = table[[*axes, "dw"]]
    # an axis held at one value is no axis of the picture: it goes into the title
    fixed = [a for a in axes if table[a].nunique() == 1]
    varying = [a for a in axes if a not in fixed] or axes[:1]
    fixed = [a for a in fixed if a not in varying]
    if fixed:
        title += " at " + _panel_label(fixed, tuple(table[a].iloc[0] for a in fixed))
    x, y, others = varying[0], (varying[1] if len(varying) > 1 else None), varying[2:]
    combos = _panel_values(table, others)
    if len(others) == 2:  # rows: the third axis, columns: the fourth
        nrows, ncols = table[others[0]].nunique(), table[others[1]].nunique()
        if nrows * ncols > MAX_PANELS:
            nrows, ncols = math.ceil(len(combos) / 4), 4
    else:
        ncols = min(4, len(combos))
        nrows = math.ceil(len(combos) / ncols)
    fig = figure(layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
    vmax = float(np.nanmax(np.abs(table["dw"]))) or 1.0
    parts, mesh = [], None
    for k, (ax, values) in enumerate(zip(grid.flat, combos, strict=False)):
        mask = np.ones(len(table), dtype=bool)
        for c, v in zip(others, values, strict=True):
            mask &= (table[c] == v).to_numpy()
        d = table[mask]
        parts.append(d.assign(panel=k))
        if y is None:
            d = d.sort_values(x)
            ax.plot(d[x], d["dw"], ".-")
            ax.axhline(0.0, color="0.6", lw=0.8)
        else:
            h = heat(d, x, y)
            mesh = ax.pcolormesh(
                h.columns.to_numpy(dtype=float),
                h.index.to_numpy(dtype=float),
                h.to_numpy(dtype=float),
                shading="nearest",
                cmap="RdBu_r",
                vmin=-vmax,
                vmax=vmax,
            )
            for values_of, set_ticks in ((h.columns, ax.set_xticks), (h.index, ax.set_yticks)):
                if len(values_of) <= 8:  # a few levels (e.g. reward 0/1): tick exactly those
                    set_ticks(values_of.to_numpy(dtype=float))
        if others:
            ax.set_title(_panel_label(others, values), fontsize="small")
    for ax in grid.flat[len(combos) :]:
        ax.set_visible(False)
    for ax in grid[-1, :]:
        ax.set_xlabel(x)
    for ax in grid[:, 0]:
        ax.set_ylabel(y if y is not None else "dw")
    total = math.prod(table[c].nunique() for c in others)
    fig.suptitle(title + (f" (first {len(combos)} of {total} panels)" if total > len(combos) else ""))
    if mesh is not None:
        fig.colorbar(mesh, ax=grid.ravel().tolist(), label="dw (weight LSB)")
    data = pd.concat(parts, ignore_index=True) if parts else table.assign(panel=0).iloc[:0]
    return fig, data


def task_portrait(task, genes: dict[str, float]) -> pd.DataFrame | None:
    """The portrait of a task's rule at the named `genes`, or None if the task has no rule with one.

    A task shows its rule's portrait if it has either `portrait(genes: np.ndarray)` (the genome
    vector in its search-space order), or a `make_rule()` method or a `rule` (attribute, or
    method returning it) giving a rule that offers `portrait(genes: Mapping[str, float])` and
    `gene_specs()` (the rule contract). The rule then gets the genes it names and chooses its
    own default axes.
    """
    if callable(getattr(task, "portrait", None)):
        return task.portrait(task.search_space().encode(genes))
    rule = task.make_rule() if callable(getattr(task, "make_rule", None)) else getattr(task, "rule", None)
    if callable(rule) and not callable(getattr(rule, "portrait", None)):
        rule = rule()
    if rule is None or not callable(getattr(rule, "portrait", None)):
        return None
    names = {s.name for s in rule.gene_specs()}
    return rule.portrait({k: v for k, v in genes.items() if k in names})
