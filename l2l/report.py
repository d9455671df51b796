"""`l2l report PATH`: figures and a Markdown summary for a run or a whole sweep.

Written to PATH/report/: fitness against generations and against evaluations (mean over
seeds with a min-max band, one line per group of runs that differ in a config key other than
the seed), the strategies' own statistics (e.g. CMA-ES's sigma), evaluations per second,
and summary.md. Each figure's data is saved beside it as CSV, so what a picture shows can be
checked against the tables.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed on a cluster node
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from l2l.results.analysis import best_genomes, learning_curves, summarize, varying_keys  # noqa: E402
from l2l.results.atomic import write_bytes, write_text  # noqa: E402
from l2l.results.load import find_runs, load_runs  # noqa: E402

FIGSIZE, DPI = (8.0, 5.0), 100  # 800 x 500 pixels


def _group_label(row: pd.Series, keys: list[str]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in keys) if keys else "all runs"


def _band(curves: pd.DataFrame, keys: list[str], x: str, y: str) -> pd.DataFrame:
    """Mean, min and max of y over the runs of each group at each x (tidy)."""
    grouped = curves.groupby([*keys, x], dropna=False)[y]
    out = grouped.agg(mean="mean", min="min", max="max", runs="count").reset_index()
    out["group"] = out.apply(_group_label, axis=1, keys=keys) if keys else "all runs"
    return out


def _save(fig, path: Path) -> None:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    write_bytes(path, buf.getvalue())


def _log_scale_fits(values: pd.Series) -> bool:
    v = values.dropna()
    return bool(len(v) and (v > 0).all() and v.max() / max(v.min(), 1e-300) > 100)


def _curve_figure(band: pd.DataFrame, x: str, ylabel: str, title: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=FIGSIZE)
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
    _save(fig, path)
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
        fig, axes = plt.subplots(len(stats), 1, figsize=FIGSIZE, squeeze=False)
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
        _save(fig, f)
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

    write_text(out / "summary.md", _summary(path, runs, curves, keys, figures))
    return out


def _constant_per_run(df: pd.DataFrame, col: str) -> bool:
    return bool((df.groupby("run")[col].nunique(dropna=False) <= 1).all())


def _summary(path: Path, runs, curves: pd.DataFrame, keys: list[str], figures) -> str:
    table = summarize(curves, keys)
    best = best_genomes(path)
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
        top = best.sort_values("fitness", ascending=_minimize(path)).iloc[0]
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


def _markdown_table(df: pd.DataFrame) -> str:
    def cell(v) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])
