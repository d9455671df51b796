"""Figures of l2l's results: replays (plots/replay.py) and rule portraits (plots/portrait.py).

Each plotting function takes tidy tables, returns a matplotlib Figure (so a notebook can show
it) and the data the figure draws, as a table (so a test or a reader can check the picture
against the run's tables); `save` writes both beside each other, atomically.
"""

from l2l.plots.common import DPI, FIGSIZE, save
from l2l.plots.portrait import portrait_figure
from l2l.plots.replay import membrane_figure, rewards_figure, spikes_figure, weights_figure

__all__ = [
    "DPI",
    "FIGSIZE",
    "membrane_figure",
    "portrait_figure",
    "rewards_figure",
    "save",
    "spikes_figure",
    "weights_figure",
]
