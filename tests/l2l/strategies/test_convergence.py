"""Convergence within an evaluation budget, for every registered strategy.

Budgets: each is 1.5 x the largest number of evaluations measured over seeds 0-9 with this
implementation (2026-11-29, `python3 benchmarks/strategies.py budgets` prints them again),
rounded up; the tests run seeds 0 and 1 (one seed where a run takes seconds). Where a
published figure exists it is named. Start point x = 3 in every coordinate of [-5, 5]^n
(unit cube 0.8), optimum at 0 (Rosenbrock: 1), as the task configs.

Fixed-sigma strategies (OpenAI-ES, and PGPE and the GA whose step sizes do not shrink to
zero by design) get a target above their noise floor instead of 1e-8.
"""

import pytest

from l2l.strategies import REGISTRY
from l2l.strategies.testbed import evals_to_target

# (strategy, params, function, dim, target, budget, seeds, measured max over seeds 0-9)
CASES = [
    ("cma", {}, "sphere", 10, 1e-8, 2500, (0, 1), 1630),
    ("cma", {}, "sphere", 30, 1e-8, 6700, (0,), 4424),
    # pycma's doctest: 10-D Rosenbrock to 1e-8 in < 8000 evaluations (see test_cma_es.py)
    ("cma", {}, "rosenbrock", 10, 1e-8, 8800, (0,), 5850),
    ("sep_cma", {}, "sphere", 40, 1e-8, 7500, (0,), 4965),
    ("ipop_cma", {}, "rastrigin", 5, 1e-8, 58000, (0,), 38416),
    ("bipop_cma", {}, "rastrigin", 5, 1e-8, 91100, (0,), 60720),
    ("snes", {}, "sphere", 10, 1e-8, 3200, (0, 1), 2120),
    ("snes", {}, "sphere", 30, 1e-8, 10800, (0,), 7140),
    # SNES with a large population handles the multimodal Rastrigin (Schaul et al. 2011, sec. 6)
    ("snes", {"popsize": 100}, "rastrigin", 5, 1e-8, 26100, (0,), 17400),
    ("xnes", {}, "sphere", 10, 1e-8, 10600, (0,), 7020),
    ("xnes", {}, "rosenbrock", 5, 1e-8, 6200, (0, 1), 4088),
    ("open_es", {"sigma0": 0.01, "lr": 0.01}, "sphere", 10, 1e-2, 42000, (0, 1), 27900),
    ("pgpe", {"lr": 0.01}, "sphere", 10, 1e-2, 24700, (0, 1), 16440),
    ("cem", {}, "sphere", 10, 1e-8, 78000, (0,), 52000),
    ("cem", {"popsize": 100}, "sphere", 5, 1e-8, 35000, (0, 1), 23300),
    ("ga", {}, "sphere", 5, 1e-4, 11400, (0, 1), 7550),
]


def test_every_registered_strategy_has_a_convergence_case():
    assert {c[0] for c in CASES} == set(REGISTRY)


@pytest.mark.parametrize(
    "name, kw, fn, dim, target, budget, seed",
    [(n, kw, fn, d, t, b, s) for n, kw, fn, d, t, b, seeds, _ in CASES for s in seeds],
    ids=lambda v: str(v) if not isinstance(v, dict) else "-".join(f"{k}={x}" for k, x in v.items()),
)
def test_reaches_target_within_budget(name, kw, fn, dim, target, budget, seed):
    cls, params = REGISTRY[name]
    evals, best = evals_to_target(cls(params(**kw)), fn, dim, target, budget, seed)
    assert evals is not None, f"{name} on {dim}-D {fn}: best {best:.3g} after {budget} evaluations"
