"""CMA-ES through pycma: purity, exact resume, private randomness, convergence, bad input."""

import pickle

import numpy as np
import pytest

from l2l.seeding import strategy_rng
from l2l.strategies import CMAES, CMAParams
from l2l.tasks.test_functions import rosenbrock, sphere


def run(strategy, state, f, generations):
    for _ in range(generations):
        x, state = strategy.ask(state)
        state, _ = strategy.tell(state, x, np.array([f(xi) for xi in x]))
    return state


def test_ask_and_tell_leave_their_input_state_untouched():
    s = CMAES(CMAParams(popsize=6))
    st0 = s.init(np.full(3, 0.5), strategy_rng(1))
    x1, st1 = s.ask(st0)
    x1b, _ = s.ask(st0)  # asking the same state twice gives the same genomes
    np.testing.assert_array_equal(x1, x1b)
    losses = np.arange(6.0)
    st2, _ = s.tell(st1, x1, losses)
    st2b, _ = s.tell(st1, x1, losses)
    np.testing.assert_array_equal(st2.es.mean, st2b.es.mean)
    assert st1.generation == 0 and st2.generation == 1


def test_pickled_state_resumes_exactly():
    s = CMAES()
    f = lambda x: sphere(x - 0.3)  # noqa: E731 (local test objective, never pickled)
    st = run(s, s.init(np.full(4, 0.5), strategy_rng(3)), f, 5)
    resumed = pickle.loads(pickle.dumps(st))
    a = run(s, st, f, 7)
    b = run(s, resumed, f, 7)
    np.testing.assert_array_equal(a.es.mean, b.es.mean)
    assert a.es.sigma == b.es.sigma


def test_same_seed_same_trajectory_other_seed_differs():
    s = CMAES()
    x_a, _ = s.ask(s.init(np.full(4, 0.5), strategy_rng(9)))
    x_b, _ = s.ask(s.init(np.full(4, 0.5), strategy_rng(9)))
    x_c, _ = s.ask(s.init(np.full(4, 0.5), strategy_rng(10)))
    np.testing.assert_array_equal(x_a, x_b)
    assert not np.array_equal(x_a, x_c)


def test_global_numpy_random_state_is_neither_used_nor_changed():
    np.random.seed(123)  # noqa: NPY002 (the point: global state must not matter)
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    s = CMAES()
    st = run(s, s.init(np.full(3, 0.5), strategy_rng(1)), sphere, 3)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    np.random.seed(999)  # noqa: NPY002 -- changing the global state must not change the strategy's draws
    st2 = run(s, s.init(np.full(3, 0.5), strategy_rng(1)), sphere, 3)
    np.testing.assert_array_equal(st.es.mean, st2.es.mean)


def test_genomes_stay_in_the_unit_cube():
    s = CMAES(CMAParams(sigma0=1.0))
    x, _ = s.ask(s.init(np.full(5, 0.99), strategy_rng(2)))
    assert x.min() >= 0.0 and x.max() <= 1.0


def test_converges_on_rosenbrock_within_pycma_budget():
    # pycma's own doctest: 10-D Rosenbrock from 0.1 with sigma 0.3 reaches 1e-8 in < 8000 evals.
    # In the unit cube of [-5, 5] that is x0 = 0.51, sigma0 = 0.03.
    s = CMAES(CMAParams(sigma0=0.03))
    st = s.init(np.full(10, 0.51), strategy_rng(1))
    evals, best = 0, np.inf
    while evals < 8000 and best >= 1e-8:
        u, st = s.ask(st)
        f = np.array([rosenbrock(-5 + 10 * ui) for ui in u])
        st, _ = s.tell(st, u, f)
        evals += len(u)
        best = min(best, f.min())
    assert best < 1e-8, (best, evals)


@pytest.mark.parametrize(
    "genomes_shape, losses, msg",
    [
        ((6, 3), np.arange(5.0), "losses have shape"),
        ((5, 3), np.arange(6.0), "genomes have shape"),
        ((6, 3), np.array([0, 1, 2, np.nan, 4, 5.0]), "losses must be finite"),
    ],
)
def test_tell_rejects_bad_input(genomes_shape, losses, msg):
    s = CMAES(CMAParams(popsize=6))
    _, st = s.ask(s.init(np.full(3, 0.5), strategy_rng(1)))
    with pytest.raises(ValueError, match=msg):
        s.tell(st, np.full(genomes_shape, 0.5), losses)


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        (dict(popsize=-4), "strategy.popsize"),
        (dict(sigma0=0), "strategy.sigma0"),
        (dict(sigma0=2.0), "strategy.sigma0"),
    ],
)
def test_bad_params_rejected(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        CMAParams(**kwargs)
