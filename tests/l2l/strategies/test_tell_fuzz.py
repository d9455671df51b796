"""Hypothesis fuzzing of `tell` for every strategy: NaN, inf, ties, wrong shapes.

Documented handling: non-finite losses raise ValueError naming rankable_losses (the run loop
ranks failed evaluations worst before `tell`); wrong shapes raise ValueError naming the
expected shape; ties are legal and handled deterministically (ranks averaged); any finite
losses, however large or equal, leave a state whose next genomes are finite and in the cube.
Every rank-based strategy is invariant to strictly increasing transforms of the losses.
"""

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from l2l.seeding import strategy_rng
from l2l.strategies import REGISTRY

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = sorted(REGISTRY)


def asked(name, dim=3, seed=1, **kw):
    cls, params = REGISTRY[name]
    s = cls(params(**kw))
    x, state = s.ask(s.init(np.full(dim, 0.4), strategy_rng(seed)))
    return s, x, state


# strategies are built once per name: the fuzz varies the losses
_CACHE = {}


def cached(name):
    if name not in _CACHE:
        _CACHE[name] = asked(name)
    return _CACHE[name]


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_finite_losses_of_any_size_or_ties_give_a_valid_next_ask(name, data):
    s, x, state = cached(name)
    elements = st.one_of(
        st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False), st.sampled_from([0.0, 1.0, -2.5])
    )
    losses = data.draw(hnp.arrays(np.float64, len(x), elements=elements))
    before = pickle.dumps(state)
    new, stats = s.tell(state, x, losses)
    assert pickle.dumps(state) == before
    x2, _ = s.ask(new)
    assert np.all(np.isfinite(x2)) and x2.min() >= 0.0 and x2.max() <= 1.0
    assert all(np.isfinite(v) for v in stats.values())
    again, _ = s.tell(state, x, losses)  # deterministic, ties included
    np.testing.assert_array_equal(s.ask(again)[0], x2)


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_non_finite_losses_are_rejected_with_a_pointer_to_rankable_losses(name, data):
    s, x, state = cached(name)
    losses = data.draw(hnp.arrays(np.float64, len(x), elements=st.floats(-10, 10)))
    i = data.draw(st.integers(0, len(x) - 1))
    losses[i] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with pytest.raises(ValueError, match="finite.*rankable_losses"):
        s.tell(state, x, losses)


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(extra=st.integers(-3, 3).filter(lambda d: d != 0), which=st.sampled_from(["genomes", "losses"]))
def test_wrong_shapes_are_rejected_naming_the_shape(name, extra, which):
    s, x, state = cached(name)
    n = max(len(x) + extra, 1)
    genomes = np.resize(x, (n, x.shape[1])) if which == "genomes" else x
    losses = np.zeros(n if which == "losses" else len(x))
    with pytest.raises(ValueError, match="shape|expected"):
        s.tell(state, genomes, losses)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_genome_width_is_rejected(name):
    s, x, state = cached(name)
    with pytest.raises(ValueError, match="shape"):
        s.tell(state, x[:, :2], np.zeros(len(x)))


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_strictly_increasing_transform_of_the_losses_changes_nothing(name, data):
    # all strategies here shape by ranks by default, so only the order of the losses matters
    s, x, state = cached(name)
    # distinct integers / 100: the transform keeps them distinct in floating point too
    ints = data.draw(st.lists(st.integers(-500, 500), min_size=len(x), max_size=len(x), unique=True))
    losses = np.array(ints, dtype=np.float64) / 100.0
    a, _ = s.tell(state, x, losses)
    b, _ = s.tell(state, x, np.exp(losses) * 3.0 + 7.0)
    np.testing.assert_array_equal(s.ask(a)[0], s.ask(b)[0])
