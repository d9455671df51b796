"""The inner-task interface: gene values in, a score and metrics out.

A task is a frozen, picklable dataclass (its hyperparameters) with
- `direction`: "minimize" or "maximize", how its score ranks;
- `search_space()`: the named, bounded genes it evolves;
- `evaluate(genes, seed)`: run once with the given gene values (a float64 vector in the
  search space's order) and an explicit seed; return (score, {metric name: float}).

`evaluate` may raise: the evaluator records the error and ranks the genome worst.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from l2l.search_space import SearchSpace

DIRECTIONS = ("minimize", "maximize")


@runtime_checkable
class Task(Protocol):
    name: str
    direction: str

    def search_space(self) -> SearchSpace: ...

    def evaluate(self, genes: np.ndarray, seed: int) -> tuple[float, dict[str, float]]: ...
