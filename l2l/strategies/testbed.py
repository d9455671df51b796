"""Vectorised test functions and a minimal ask/tell driver, for tests and benchmarks.

Functions take a batch x of shape (popsize, n) in the test domain [-5, 5]^n and return one
value per row; their minimum is 0. Strategies see them through `unit_loss`, which maps the
unit cube onto [-5, 5]^n. Sphere, Rosenbrock (Rosenbrock 1960) and Rastrigin (Rastrigin
1974) as in l2l.tasks.test_functions; the separable ellipsoid with condition 1e6 as BBOB f2
(Hansen et al. 2009, "Real-Parameter Black-Box Optimization Benchmarking 2009: Noiseless
Functions Definitions"), without its shift and oscillation transform.
"""

from __future__ import annotations

import numpy as np

from l2l.seeding import strategy_rng

LO, HI = -5.0, 5.0


def sphere(x: np.ndarray) -> np.ndarray:
    return np.sum(x * x, axis=1)


def rosenbrock(x: np.ndarray) -> np.ndarray:
    return np.sum(100.0 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1.0 - x[:, :-1]) ** 2, axis=1)


def rastrigin(x: np.ndarray) -> np.ndarray:
    return 10.0 * x.shape[1] + np.sum(x * x - 10.0 * np.cos(2.0 * np.pi * x), axis=1)


def ellipsoid(x: np.ndarray) -> np.ndarray:
    n = x.shape[1]
    w = 1e6 ** (np.arange(n) / max(n - 1, 1))
    return np.sum(w * x * x, axis=1)


FUNCTIONS = {"sphere": sphere, "rosenbrock": rosenbrock, "rastrigin": rastrigin, "ellipsoid": ellipsoid}


def unit_loss(name: str):
    """Loss of unit-cube genomes: the test function of x = -5 + 10 u."""
    f = FUNCTIONS[name]
    return lambda u: f(LO + (HI - LO) * np.asarray(u, dtype=np.float64))


def drive(strategy, state, loss, generations: int):
    """Run `generations` ask/tell steps; returns the final state and every asked batch."""
    asked = []
    for _ in range(generations):
        x, state = strategy.ask(state)
        asked.append(x)
        state, _ = strategy.tell(state, x, loss(x))
    return state, asked


def evals_to_target(strategy, fn: str, dim: int, target: float, budget: int, seed: int, x0: float = 3.0):
    """(evaluations until the best loss < target or None, best loss) from x = x0 everywhere."""
    loss = unit_loss(fn)
    st = strategy.init(np.full(dim, (x0 - LO) / (HI - LO)), strategy_rng(seed))
    evals, best = 0, np.inf
    while evals < budget and best >= target and not strategy.stop(st):
        x, st = strategy.ask(st)
        y = loss(x)
        st, _ = strategy.tell(st, x, y)
        evals += len(x)
        best = min(best, float(y.min()))
    return (evals if best < target else None), best
