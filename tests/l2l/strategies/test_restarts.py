"""IPOP- and BIPOP-CMA-ES restarts inside the ask/tell loop."""

import numpy as np
import pytest

from l2l.seeding import strategy_rng
from l2l.strategies import BIPOPCMAES, CMAES, IPOPCMAES, CMAParams, RestartParams
from l2l.strategies.testbed import unit_loss


def popsizes(strategy, state, loss, generations):
    sizes, stats = [], []
    for _ in range(generations):
        x, state = strategy.ask(state)
        state, st = strategy.tell(state, x, loss(x))
        sizes.append(len(x))
        stats.append(st)
    return sizes, stats, state


def test_ipop_doubles_the_population_at_each_restart():
    s = IPOPCMAES(RestartParams(tolfun=1e-4, max_restarts=3))
    sizes, stats, st = popsizes(s, s.init(np.full(2, 0.7), strategy_rng(1)), unit_loss("sphere"), 120)
    distinct = list(dict.fromkeys(sizes))
    assert distinct == [6, 12, 24, 48], distinct  # 4 + floor(3 ln 2) = 6, then x2 per restart
    assert st.exhausted and "max_restarts" in s.stop(st)


def test_bipop_interleaves_small_runs_below_the_large_population():
    s = BIPOPCMAES(RestartParams(tolfun=1e-4, max_restarts=4))
    sizes, stats, _ = popsizes(s, s.init(np.full(2, 0.7), strategy_rng(2)), unit_loss("rastrigin"), 300)
    runs = [sizes[0]] + [b for a, b in zip(sizes, sizes[1:], strict=False) if a != b]
    assert runs[0] == 6 and runs[1] == 12, runs  # first run default, then the first large run
    large = 12
    smaller = [r for r in runs[2:] if r < large]
    assert smaller, runs  # a small-regime run came after the large one


@pytest.mark.slow
def test_bipop_solves_10d_rastrigin_where_plain_cma_does_not():
    """BIPOP in the ask/tell loop: 1e-8 on 10-D Rastrigin in >= 8 of 10 seeds within 2e5 evals.

    Plain CMA-ES with its default population (10) stops in a local optimum. Start point x = 3
    in [-5.12, 5.12]^10, sigma0 = 0.2 of the range (about 2, as Hansen 2009); restart points
    uniform in the cube. Stops early once the outcome is decided.
    """
    lo, hi = -5.12, 5.12

    def loss(u):
        x = lo + (hi - lo) * u
        return 10.0 * x.shape[1] + np.sum(x * x - 10.0 * np.cos(2.0 * np.pi * x), axis=1)

    def solved(strategy, seed):
        st = strategy.init(np.full(10, (3.0 - lo) / (hi - lo)), strategy_rng(seed))
        evals = 0
        while evals < 200_000 and not strategy.stop(st):
            x, st = strategy.ask(st)
            y = loss(x)
            st, _ = strategy.tell(st, x, y)
            evals += len(x)
            if y.min() < 1e-8:
                return True
        return False

    plain = [solved(CMAES(CMAParams()), seed) for seed in range(10)]
    assert sum(plain) < 8, plain
    wins = losses = 0
    for seed in range(10):
        if solved(BIPOPCMAES(RestartParams()), seed):
            wins += 1
        else:
            losses += 1
        if wins >= 8 or losses > 2:
            break
    assert wins >= 8, (wins, losses)
