"""Run directories, tables and checkpoints; loaders and tidy tables for notebooks."""

from l2l.results.analysis import best_genomes, learning_curves, long_form, summarize, varying_keys
from l2l.results.load import (
    find_runs,
    flatten,
    load_best,
    load_config,
    load_held_out,
    load_run,
    load_runs,
    load_status,
)
from l2l.results.tables import without_timing

__all__ = [
    "best_genomes",
    "find_runs",
    "flatten",
    "learning_curves",
    "long_form",
    "load_best",
    "load_config",
    "load_held_out",
    "load_run",
    "load_runs",
    "load_status",
    "summarize",
    "varying_keys",
    "without_timing",
]
