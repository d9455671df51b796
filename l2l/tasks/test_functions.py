"""Standard black-box test functions: the strategies' test bed.

Sphere: f(x) = sum x_i^2. Rosenbrock (Rosenbrock 1960): f(x) = sum 100 (x_{i+1} - x_i^2)^2
+ (1 - x_i)^2, minimum 0 at x = 1. Rastrigin (Rastrigin 1974, as in Hansen's test suites):
f(x) = 10 n + sum (x_i^2 - 10 cos(2 pi x_i)), minimum 0 at x = 0.
All are deterministic: the seed is accepted and unused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from l2l.search_space import Gene, SearchSpace


def sphere(x: np.ndarray) -> float:
    return float(np.sum(x * x))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def rastrigin(x: np.ndarray) -> float:
    return float(10.0 * x.size + np.sum(x * x - 10.0 * np.cos(2.0 * np.pi * x)))


_FUNCTIONS = {"sphere": sphere, "rosenbrock": rosenbrock, "rastrigin": rastrigin}


@dataclass(frozen=True)
class TestFunctionTask:
    """Minimise one test function over [lower, upper]^dim, starting the search at x0."""

    __test__ = False  # not a pytest class, despite the name

    name: str = "sphere"
    dim: int = 10
    lower: float = -5.0
    upper: float = 5.0
    x0: float = 3.0  # start of the search, the same in every coordinate
    direction: str = "minimize"

    def __post_init__(self) -> None:
        if self.name not in _FUNCTIONS:
            raise ValueError(f"task.name {self.name!r} is not a test function; allowed: {sorted(_FUNCTIONS)}")
        if not (isinstance(self.dim, int) and not isinstance(self.dim, bool) and self.dim >= 1):
            raise ValueError(f"task.dim must be an integer >= 1, got {self.dim!r}")
        if self.name == "rosenbrock" and self.dim < 2:
            raise ValueError("task.dim must be >= 2 for rosenbrock")
        if not self.lower <= self.x0 <= self.upper:
            raise ValueError(
                f"task.x0 {self.x0} must lie within [task.lower, task.upper] = [{self.lower}, {self.upper}]"
            )
        if self.direction != "minimize":
            raise ValueError("task.direction: test functions are minimised; only 'minimize' is allowed")

    def search_space(self) -> SearchSpace:
        return SearchSpace(
            tuple(Gene(f"x{i}", self.lower, self.upper, init=self.x0) for i in range(self.dim))
        )

    def evaluate(self, genes: np.ndarray, seed: int) -> tuple[float, dict[str, float]]:
        x = np.asarray(genes, dtype=np.float64)
        return _FUNCTIONS[self.name](x), {"distance_to_origin": float(np.linalg.norm(x))}
