"""A test function that fails on purpose: fault injection for evaluators, clusters and resume.

Each evaluation draws u ~ U(0, 1) from its own seed and, in order of the probabilities,
raises, returns NaN, hangs for hang_s seconds, or kills its own process (SIGKILL); otherwise it
returns the test function's value (the same value a fault-free run gives, so tables can be
compared). Faults are decided by the seed, hence reproducible, except `crash`: a process kill
happens only on the first attempt of a seed (a marker file in crash_dir remembers it), as a
lost worker or a preempted node would, so the rerun succeeds.

    l2l task=faulty task.raise_prob=0.1 task.crash_prob=0.05 task.crash_dir=/tmp/crashes evaluator=ray
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from l2l.search_space import SearchSpace
from l2l.tasks.test_functions import TestFunctionTask


@dataclass(frozen=True)
class FaultyTask:
    name: str = "faulty"
    function: str = "sphere"  # sphere, rosenbrock or rastrigin
    dim: int = 4
    raise_prob: float = 0.0
    nan_prob: float = 0.0
    hang_prob: float = 0.0
    crash_prob: float = 0.0
    hang_s: float = 3600.0
    crash_dir: str | None = None  # where first-attempt crash markers go (required if crash_prob > 0)
    direction: str = "minimize"

    def __post_init__(self) -> None:
        probs = {k: getattr(self, k) for k in ("raise_prob", "nan_prob", "hang_prob", "crash_prob")}
        for k, v in probs.items():
            if not (isinstance(v, int | float) and 0 <= v <= 1):
                raise ValueError(f"task.{k} must be a probability in [0, 1], got {v!r}")
        if sum(probs.values()) > 1:
            raise ValueError(f"task: the fault probabilities add up to more than 1: {probs}")
        if self.crash_prob > 0 and not self.crash_dir:
            raise ValueError("task.crash_dir must name a directory when task.crash_prob > 0")
        self._base()  # validates function, dim, direction

    def _base(self) -> TestFunctionTask:
        return TestFunctionTask(name=self.function, dim=self.dim, direction=self.direction)

    def search_space(self) -> SearchSpace:
        return self._base().search_space()

    def evaluate(self, genes: np.ndarray, seed: int) -> tuple[float, dict[str, float]]:
        u = np.random.default_rng(seed).random()
        edges = np.cumsum([self.raise_prob, self.nan_prob, self.hang_prob, self.crash_prob])
        if u < edges[0]:
            raise RuntimeError(f"injected fault (seed {seed})")
        if u < edges[1]:
            return float("nan"), {}
        if u < edges[2]:
            time.sleep(self.hang_s)
        elif u < edges[3]:
            marker = Path(self.crash_dir) / f"crashed-{seed}"  # type: ignore[arg-type]
            if not marker.exists():
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
                os.kill(os.getpid(), signal.SIGKILL)
        return self._base().evaluate(genes, seed)
