"""Figures of a replay (the tables a task's `record(genes, seed)` returns, see l2l/replay.py).

Each function takes one tidy table and returns (figure, data): the data is exactly what the
figure draws, so it can be saved beside the PNG and checked against the table. A figure shows
at most MAX_PANELS instances (one panel each) and MAX_LINES lines per panel; the tables keep all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from l2l.plots.common import MAX_PANELS, figure

MAX_LINES = 16  # synapses or neurons drawn per panel
MAX_ACTION_ROWS = 50  # instances shown in the action map of the rewards figure


def _require(table: pd.DataFrame, name: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"replay table {name!r} lacks column(s) {missing}; it has {list(table.columns)}")


def _instances(table: pd.DataFrame) -> list:
    return sorted(table["instance"].unique())[:MAX_PANELS]


def _panels(n: int, title: str) -> tuple[Figure, list]:
    fig = figure()
    axes = fig.subplots(max(n, 1), 1, sharex=True, squeeze=False)[:, 0]
    axes[0].set_title(title)
    return fig, list(axes)


def _time_axis(table: pd.DataFrame) -> str:
    return "t_us" if "t_us" in table.columns else "step"


def spikes_figure(spikes: pd.DataFrame) -> tuple[Figure, pd.DataFrame]:
    """Spike raster: neuron against time, one panel per instance."""
    _require(spikes, "spikes", ["instance", "t_us", "neuron"])
    shown = _instances(spikes)
    data = spikes[spikes["instance"].isin(shown)].sort_values(["instance", "t_us", "neuron"])
    fig, axes = _panels(len(shown), f"spikes ({len(data)} in {len(shown)} instance(s) shown)")
    for ax, inst in zip(axes, shown, strict=False):
        d = data[data["instance"] == inst]
        ax.scatter(d["t_us"], d["neuron"], marker="|", s=40, linewidths=1.0, color="k")
        ax.set_ylabel(f"neuron\n(instance {inst})")
    axes[-1].set_xlabel("t_us")
    fig.tight_layout()
    return fig, data.reset_index(drop=True)


def _lines_figure(table, name, key, value, ylabel) -> tuple[Figure, pd.DataFrame]:
    x = _time_axis(table)
    _require(table, name, ["instance", x, key, value])
    shown = _instances(table)
    parts = []
    for inst in shown:
        d = table[table["instance"] == inst]
        keep = sorted(d[key].unique())[:MAX_LINES]
        parts.append(d[d[key].isin(keep)])
    data = pd.concat(parts).sort_values(["instance", key, x]) if parts else table.iloc[:0]
    fig, axes = _panels(len(shown), f"{name} over {x}")
    for ax, inst in zip(axes, shown, strict=False):
        for k, d in data[data["instance"] == inst].groupby(key, sort=True):
            ax.plot(d[x], d[value], label=f"{key} {k}", lw=1.0, drawstyle="steps-post")
        ax.set_ylabel(f"{ylabel}\n(instance {inst})")
    if shown and data[key].nunique() <= 8:
        axes[0].legend(fontsize="x-small", ncol=4)
    axes[-1].set_xlabel(x)
    fig.tight_layout()
    return fig, data.reset_index(drop=True)


def weights_figure(weights: pd.DataFrame) -> tuple[Figure, pd.DataFrame]:
    """Weights over time (t_us, or step if the table has no t_us), one line per synapse."""
    return _lines_figure(weights, "weights", "synapse", "weight", "weight")


def membrane_figure(membrane: pd.DataFrame) -> tuple[Figure, pd.DataFrame]:
    """Membrane traces (CADC LSB) against time, one line per neuron."""
    return _lines_figure(membrane, "membrane", "neuron", "v_lsb", "v_lsb")


def running_window(n_steps: int) -> int:
    """Steps in the running mean of the rewards figure: a tenth of the episode, at least 1."""
    return max(1, n_steps // 10)


def rewards_figure(rewards: pd.DataFrame) -> tuple[Figure, pd.DataFrame]:
    """Reward per step (mean over instances) with its running mean; below, the actions taken."""
    _require(rewards, "rewards", ["instance", "step", "action", "reward"])
    per_step = rewards.groupby("step", sort=True).agg(
        mean_reward=("reward", "mean"), instances=("instance", "nunique")
    )
    window = running_window(len(per_step))
    per_step["running_mean"] = per_step["mean_reward"].rolling(window, min_periods=1).mean()
    data = per_step.reset_index().assign(window=window)
    fig = figure()
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    n = int(data["instances"].max()) if len(data) else 0
    top.plot(data["step"], data["mean_reward"], ".", ms=3, alpha=0.5, label=f"mean over {n} instance(s)")
    top.plot(data["step"], data["running_mean"], lw=2, label=f"running mean ({window} steps)")
    top.set_ylabel("reward")
    top.set_title("rewards per step")
    top.legend(fontsize="small")
    actions = _actions(rewards)
    steps = actions.columns.to_numpy(dtype=float)
    extent = (steps.min() - 0.5, steps.max() + 0.5, len(actions) - 0.5, -0.5) if len(steps) else None
    image = actions.to_numpy(dtype=float)
    n_actions = int(np.nanmax(image)) + 1 if image.size else 1
    colours = [f"C{a % 10}" for a in range(n_actions)]  # one colour per action, as a legend (not a
    bottom.imshow(  # colorbar, which would narrow this panel against the one above)
        image,
        aspect="auto",
        interpolation="nearest",
        extent=extent,
        cmap=ListedColormap(colours),
        vmin=-0.5,
        vmax=n_actions - 0.5,
    )
    if n_actions <= 10:
        handles = [Patch(color=c, label=f"action {a}") for a, c in enumerate(colours)]
        bottom.legend(
            handles=handles, fontsize="x-small", ncol=n_actions, loc="lower right", bbox_to_anchor=(1, 1)
        )
    bottom.set_ylabel("instance")
    bottom.set_xlabel("step")
    fig.tight_layout()
    return fig, data


def _actions(rewards: pd.DataFrame) -> pd.DataFrame:
    actions = rewards.pivot_table(index="instance", columns="step", values="action", aggfunc="first")
    return actions.iloc[:MAX_ACTION_ROWS]


def action_map(rewards: pd.DataFrame) -> np.ndarray:
    """The action image of `rewards_figure` (instances x steps), for checks."""
    return _actions(rewards).to_numpy(dtype=float)
