"""Run directories, tables and checkpoints; loaders for notebooks."""

from l2l.results.load import find_runs, flatten, load_best, load_config, load_run, load_runs, load_status

__all__ = ["find_runs", "flatten", "load_best", "load_config", "load_run", "load_runs", "load_status"]
