import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l2l.search_space import Gene, SearchSpace


def space():
    return SearchSpace.of([Gene("eta", 1e-4, 1.0, log=True), Gene("decay", 0.5, 1.0, init=0.9)])


def test_unit_cube_maps_to_bounds_linear_and_log():
    s = space()
    lo, hi = s.from_unit(np.zeros(2)), s.from_unit(np.ones(2))
    np.testing.assert_allclose(lo, [1e-4, 0.5])
    np.testing.assert_allclose(hi, [1.0, 1.0])
    mid = s.from_unit(np.full(2, 0.5))
    np.testing.assert_allclose(mid, [1e-2, 0.75])  # log gene: geometric middle


def test_initial_point_uses_init_or_middle():
    s = space()
    np.testing.assert_allclose(s.from_unit(s.initial_unit()), [1e-2, 0.9])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=2))
def test_round_trip(u):
    s = space()
    u = np.array(u)
    np.testing.assert_allclose(s.to_unit(s.from_unit(u)), u, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=2, max_size=2))
def test_from_unit_never_leaves_bounds(u):
    s = space()
    x = s.from_unit(np.array(u))
    assert 1e-4 <= x[0] <= 1.0 and 0.5 <= x[1] <= 1.0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_from_unit_rejects_non_finite(bad):
    with pytest.raises(ValueError, match="NaN or infinite"):
        space().from_unit(np.array([0.5, bad]))


def test_decode_encode_named():
    s = space()
    named = s.decode(np.array([0.1, 0.7]))
    assert named == {"eta": 0.1, "decay": 0.7}
    np.testing.assert_array_equal(s.encode(named), [0.1, 0.7])


@pytest.mark.parametrize(
    "named, msg",
    [
        ({"eta": 0.1}, "missing \\['decay'\\]"),
        ({"eta": 0.1, "decay": 0.7, "beta": 1}, "unknown \\['beta'\\]"),
        ({"eta": 2.0, "decay": 0.7}, "gene 'eta': value outside"),
    ],
)
def test_encode_rejects_bad_input(named, msg):
    with pytest.raises(ValueError, match=msg):
        space().encode(named)


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        (dict(name="a", lower=1, upper=1), "lower < upper"),
        (dict(name="a", lower=0, upper=1, log=True), "log-scale gene needs lower > 0"),
        (dict(name="a", lower=0, upper=1, init=2), "init 2 lies outside"),
        (dict(name="a b", lower=0, upper=1), "letters, digits"),
        (dict(name="a", lower=float("nan"), upper=1), "finite"),
    ],
)
def test_gene_rejects_bad_definitions(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        Gene(**kwargs)


def test_duplicate_gene_names_rejected():
    with pytest.raises(ValueError, match="duplicate gene names: \\['a'\\]"):
        SearchSpace.of([Gene("a", 0, 1), Gene("a", 0, 2)])
