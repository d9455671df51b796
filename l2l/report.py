"""`l2l report PATH`: figures and a Markdown summary for a run or a whole sweep.

Written to PATH/report/: fitness against generations and against evaluations (mean over
seeds with a min-max band, one line per group of runs that differ in a config key other than
the seed), the strategies' own statistics (e.g. CMA-ES's sigma), evaluations per second,
the held-out check of each run's best genome (runs with held_out > 0), the portrait of the
best rule (tasks whose rule offers one, see l2l/plots/portrait.py), and summary.md, which also
gives each run's best genome with its held-out result and, for on-chip rules, the program
size and processor cycles (metrics ppu_bytes, ppu_cycles_max, ppu_cycles_mean). Each figure's
data is saved beside it as CSV, so what a picture shows can be checked against the tables.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

# figures are built outside pyplot (l2l.plots.common.figure): no backend is chosen or changed,
# so a cluster node needs no display and importing this in a notebook keeps its inline plots
from l2l.plots.common import figure
from l2l.plots.common import save as save_figure
from l2l.plots.portrait import portrait_axes, portrait_figure, task_portrait
from l2l.results.analysis import best_genomes, learning_curves, summarize, varying_keys
from l2l.results.atomic import write_text
from l2l.results.load import find_runs, load_held_out, load_runs

log = logging.getLogger("l2l")
PPU_METRICS = ("metric.ppu_bytes", "metric.ppu_cycles_max", "metric.ppu_cycles_mean")
PPU_MEMORY_BYTES = 16 * 1024  # code and data share the processor's SRAM


def _group_label(row: pd.Series, keys: list[str]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in keys) if keys else "all runs"


def _band(curves: pd.DataFrame, keys: list[str], x: str, y: str) -> pd.DataFrame:
    """Mean, min and max of y over the runs of each group at each x (tidy)."""
    grouped = curves.groupby([*keys, x], dropna=False)[y]
    out = grouped.agg(mean="mean", min="min", max="max", runs="count").reset_index()
    out["group"] = out.apply(_group_label, axis=1, keys=keys) if keys else "all runs"
    return out


def _log_scale_fits(values: pd.Series) -> bool:
    v = values.dropna()
    return bool(len(v) and (v > 0).all() and v.max() / max(v.min(), 1e-300) > 100)


def _curve_figure(band: pd.DataFrame, x: str, ylabel: str, title: str, path: Path) -> None:
    fig = figure()
    ax = fig.subplots()
    for group, d in band.groupby("group", sort=True):
        ax.plot(d[x], d["mean"], label=f"{group} (n={int(d['runs'].max())})")
        ax.fill_between(d[x], d["min"], d["max"], alpha=0.2)
    if _log_scale_fits(band["min"]):
        ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    fig.tight_layout()
    save_figure(fig, path)
    write_text(path.with_suffix(".csv"), band.to_csv(index=False))


def report(path: str | Path) -> Path:
    """Write the report for the run or sweep at `path`; returns the report directory."""
    path = Path(path)
    runs = find_runs(path)
    if not runs:
        raise FileNotFoundError(f"no l2l runs under {path}")
    out = path / "report"
    out.mkdir(exist_ok=True)
    gens = load_runs(path, "generations")
    keys = varying_keys(gens)
    curves = learning_curves(gens)
    figures = []

    for x in ("generation", "evaluations"):
        f = out / f"fitness_vs_{x}.png"
        _curve_figure(
            _band(curves, keys, x, "best_so_far"),
            x,
            "best fitness so far",
            f"best fitness against {x} (mean over seeds, min-max band)",
            f,
        )
        figures.append(f)
    stats = [c for c in gens.columns if c.startswith("strategy.") and not _constant_per_run(gens, c)]
    if stats:
        fig = figure()
        axes = fig.subplots(len(stats), 1, squeeze=False)
        tidy = []
        for ax, stat in zip(axes[:, 0], stats, strict=True):
            band = _band(gens, keys, "generation", stat)
            for group, d in band.groupby("group", sort=True):
                ax.plot(d["generation"], d["mean"], label=group)
                ax.fill_between(d["generation"], d["min"], d["max"], alpha=0.2)
            if _log_scale_fits(band["min"]):
                ax.set_yscale("log")
            ax.set_ylabel(stat.split(".", 1)[1])
            tidy.append(band.assign(statistic=stat))
        axes[-1, 0].set_xlabel("generation")
        axes[0, 0].legend(fontsize="small")
        fig.tight_layout()
        f = out / "strategy_statistics.png"
        save_figure(fig, f)
        write_text(f.with_suffix(".csv"), pd.concat(tidy).to_csv(index=False))
        figures.append(f)
    f = out / "evals_per_s.png"
    _curve_figure(
        _band(curves, keys, "generation", "evals_per_s"),
        "generation",
        "evaluations per second",
        "throughput",
        f,
    )
    figures.append(f)

    best = best_genomes(path, metrics=True)
    held = _held_out_figure(path, best, keys, out / "held_out.png")
    if held is not None:
        figures.append(held)
    portrait, portrait_note = _portrait(path, best, out / "rule_portrait.png")
    if portrait is not None:
        figures.append(portrait)

    write_text(out / "summary.md", _summary(path, runs, curves, keys, best, figures, portrait_note))
    return out


def _top(path: Path, best: pd.DataFrame) -> pd.Series:
    """The best run's row of `best_genomes` (in the task's direction)."""
    return best.sort_values("fitness", ascending=_minimize(path), kind="stable").iloc[0]


def _held_out_figure(path: Path, best: pd.DataFrame, keys: list[str], f: Path) -> Path | None:
    """Each run's held-out evaluations (dots) beside its training fitness (cross), per group."""
    if best.empty or "held_out.mean" not in best.columns:
        return None
    try:
        held = load_held_out(path)
    except FileNotFoundError:
        return None
    if "genome" in held.columns:  # the best genome's rows (the strategy's centre has its own)
        held = held[held["genome"] == "best"]
    group = best.set_index("run").apply(_group_label, axis=1, keys=keys)
    held = held.assign(group=held["run"].map(group), kind="held_out")
    train = best.assign(group=best["run"].map(group), kind="training")
    cols = ["group", "run", "seed", "kind", "fitness"]
    data = pd.concat([held[cols + ["eval_seed"]], train[cols]], ignore_index=True)
    data["eval_seed"] = data["eval_seed"].astype("Int64")  # 63-bit seeds: never through float
    data = data.sort_values(["group", "run", "kind"], kind="stable").reset_index(drop=True)
    groups = sorted(data["group"].unique())
    runs = sorted(data["run"].unique())
    fig = figure()
    ax = fig.subplots()
    for gi, g in enumerate(groups):
        mine = [r for r in runs if (data.loc[data["run"] == r, "group"] == g).any()]
        for ri, r in enumerate(mine):
            x = gi + (ri - (len(mine) - 1) / 2) * 0.8 / max(len(mine), 1)
            d = data[data["run"] == r]
            h = d[d["kind"] == "held_out"]["fitness"]
            ax.plot(np.full(len(h), x), h, "o", ms=4, alpha=0.6, color=f"C{gi}")
            ax.plot([x], d[d["kind"] == "training"]["fitness"], "kx", ms=8)
    ax.set_xticks(range(len(groups)), groups, fontsize="small")
    ax.set_ylabel("fitness")
    ax.set_title("best genome of each run: held-out evaluations (dots) vs training fitness (x)")
    fig.tight_layout()
    save_figure(fig, f)
    write_text(f.with_suffix(".csv"), data.to_csv(index=False))
    return f


def _portrait(path: Path, best: pd.DataFrame, f: Path) -> tuple[Path | None, str]:
    """The portrait of the best genome's rule, if the task's rule offers one, beside the same rule at
    its reference genes (the gene defaults: the published or hand-tuned values evolution starts from)."""
    from l2l.replay import run_task

    if best.empty:
        return None, "no best genome yet"
    top = _top(path, best)
    genes = {c.removeprefix("gene."): float(top[c]) for c in best.columns if c.startswith("gene.")}
    genes = {k: v for k, v in genes.items() if not math.isnan(v)}
    try:
        task = run_task(Path(top["run"]))
        table = task_portrait(task, genes)
        reference = {g.name: g.init for g in task.search_space().genes if g.init is not None}
        ref = task_portrait(task, reference) if table is not None and reference else None
    except Exception as exc:  # a portrait is an extra: report why it is missing, keep the report
        log.warning("rule portrait failed: %s: %s", type(exc).__name__, exc)
        return None, f"the rule portrait failed: {type(exc).__name__}: {exc}"
    if table is None:
        return None, "the task's rule offers no portrait"
    title = f"rule portrait of the best genome (fitness {top['fitness']:.6g})"
    axes = None
    if ref is not None:
        axes = [*portrait_axes(table, None), "genes"]
        table = pd.concat([table.assign(genes="best"), ref.assign(genes="reference")], ignore_index=True)
        title = f"rule portrait: best genome (fitness {top['fitness']:.6g}) and reference genes"
    fig, data = portrait_figure(table, title=title, axes=axes)
    save_figure(fig, f, data)
    return f, ""


def _constant_per_run(df: pd.DataFrame, col: str) -> bool:
    return bool((df.groupby("run")[col].nunique(dropna=False) <= 1).all())


def _summary(path: Path, runs, curves, keys: list[str], best: pd.DataFrame, figures, portrait_note) -> str:
    table = summarize(curves, keys)
    lines = [
        f"# Report: {path}",
        "",
        f"{len(runs)} run(s); grouped by {keys or 'nothing (one group)'}; seeds are the repeat axis.",
        "",
        "## Final best fitness per group",
        "",
    ]
    lines.append(_markdown_table(table))
    if not best.empty:
        top = _top(path, best)
        genes = {c.removeprefix("gene."): top[c] for c in best.columns if c.startswith("gene.")}
        lines += [
            "",
            "## Best genome",
            "",
            f"fitness {top['fitness']:.6g} in `{top['run']}` "
            f"(generation {top['generation']}, individual {top['individual']})",
            "",
        ]
        lines += [
            f"- `{k}` = {v:.6g}" for k, v in genes.items() if isinstance(v, int | float) and not math.isnan(v)
        ]
        lines += _best_metrics(Path(top["run"]), int(top["generation"]), int(top["individual"]))
        lines += _ppu_lines(top)
        lines += _per_run(path, best, keys)
        lines += _held_out_lines(best, keys)
    if portrait_note:
        lines += ["", f"Rule portrait: none ({portrait_note})."]
    lines += ["", "## Figures", ""] + [f"![{f.stem}]({f.name})" for f in figures]
    return "\n".join(lines) + "\n"


def _minimize(path: Path) -> bool:
    from l2l.results.load import load_config

    cfg = load_config(find_runs(path)[0])
    return cfg.get("task", {}).get("direction", "minimize") == "minimize"


def _best_metrics(run: Path, generation: int, individual: int) -> list[str]:
    """The best genome's metrics (e.g. a rule's PPU cycles and program size), averaged over repetitions."""
    from l2l.results.load import load_run

    ev = load_run(run)
    rows = ev[(ev["generation"] == generation) & (ev["individual"] == individual)]
    metrics = {c.removeprefix("metric."): rows[c].mean() for c in rows.columns if c.startswith("metric.")}
    if not metrics:
        return []
    return ["", "Metrics of the best genome (mean over its repetitions):", ""] + [
        f"- `{k}` = {v:.6g}" for k, v in metrics.items() if np.isfinite(v)
    ]


def _ppu_lines(top: pd.Series) -> list[str]:
    """Program size and cycles of the best rule, when the task reports them."""
    if not all(c in top.index and np.isfinite(top[c]) for c in PPU_METRICS):
        return []
    size = top["metric.ppu_bytes"]
    return [
        "",
        "## Best rule on the processor",
        "",
        f"- program size: {size:.0f} bytes ({100 * size / PPU_MEMORY_BYTES:.1f} % of the"
        f" {PPU_MEMORY_BYTES} bytes of processor memory)",
        f"- cycles per invocation: {top['metric.ppu_cycles_max']:.0f} max,"
        f" {top['metric.ppu_cycles_mean']:.1f} mean",
    ]


def _per_run(path: Path, best: pd.DataFrame, keys: list[str]) -> list[str]:
    """One row per run: its best genome's fitness, held-out result and processor figures."""
    cols = [*keys, "seed", "fitness", "generation"]
    cols += [c for c in ("held_out.mean", "held_out.std", "held_out.n", "held_out.failed") if c in best]
    cols += [c for c in PPU_METRICS if c in best]
    cols = [c for c in dict.fromkeys(cols) if c in best.columns]
    rows = best.assign(run=[_relative(r, path) for r in best["run"]])[["run", *cols]]
    rows = rows.sort_values([*keys, "seed"] if "seed" in rows else keys or ["run"], kind="stable")
    rows.columns = [c.removeprefix("metric.") for c in rows.columns]
    return ["", "## Best genome per run", "", _markdown_table(rows)]


def _held_out_lines(best: pd.DataFrame, keys: list[str]) -> list[str]:
    if "held_out.mean" not in best.columns:
        return []
    have = best.dropna(subset=["held_out.mean"])
    groups = have.groupby(keys, dropna=False) if keys else have.assign(_all="all runs").groupby("_all")
    table = groups.agg(
        runs=("run", "nunique"),
        training=("fitness", "mean"),
        held_out=("held_out.mean", "mean"),
        held_out_std_across_runs=("held_out.mean", "std"),
        evaluations=("held_out.n", "sum"),
        failed=("held_out.failed", "sum"),
    ).reset_index()
    return [
        "",
        "## Held-out check",
        "",
        "Each run's best genome evaluated on seeds never used in training (config key held_out);"
        " `training` is its fitness in training, `held_out` the mean over its held-out evaluations,"
        " both averaged over the runs of a group.",
        "",
        _markdown_table(table),
    ]


def _relative(run: str, path: Path) -> str:
    try:
        return str(Path(run).relative_to(path)) or "."
    except ValueError:
        return run


def _markdown_table(df: pd.DataFrame) -> str:
    def cell(v) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])
