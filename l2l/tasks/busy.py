"""An evaluation of known cost, for measuring the infrastructure: `task=busy task.cost_ms=100`.

Each evaluation holds a core for `cost_ms` (a busy loop), then returns the sphere function of
its genes. `setup_ms` is a one-time cost per process (as numba compilation or building a chip
is for a real task), paid at the first evaluation in each worker process and cached at module
level: benchmarks/scaling.py uses it to show that Ray tasks reuse their worker processes, so
per-worker set-up is paid once per worker, not once per evaluation.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from l2l.search_space import Gene, SearchSpace

_SET_UP: set[tuple[int, float]] = set()  # (pid, setup_ms) already paid in this process


def _spin(ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


@dataclass(frozen=True)
class BusyTask:
    name: str = "busy"
    cost_ms: float = 1.0
    setup_ms: float = 0.0
    dim: int = 10
    direction: str = "minimize"

    def __post_init__(self) -> None:
        for key in ("cost_ms", "setup_ms"):
            v = getattr(self, key)
            if not (isinstance(v, int | float) and v >= 0):
                raise ValueError(f"task.{key} must be a number >= 0, got {v!r}")
        if not (isinstance(self.dim, int) and self.dim >= 1):
            raise ValueError(f"task.dim must be an integer >= 1, got {self.dim!r}")

    def search_space(self) -> SearchSpace:
        return SearchSpace(tuple(Gene(f"x{i}", -5.0, 5.0, init=3.0) for i in range(self.dim)))

    def evaluate(self, genes: np.ndarray, seed: int) -> tuple[float, dict[str, float]]:
        key = (os.getpid(), self.setup_ms)
        paid = 0.0
        if self.setup_ms and key not in _SET_UP:
            _spin(self.setup_ms)
            _SET_UP.add(key)
            paid = 1.0
        _spin(self.cost_ms)
        return float(np.sum(genes * genes)), {"setup_paid": paid}
