"""Bandit environment: validation of bad input, determinism, the drawn distributions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l2l.tasks.bandit import BanditDistribution, check_probabilities, draw_probabilities, draw_rewards


@settings(max_examples=40, deadline=None)
@given(arms=st.integers(-5, 1))
def test_too_few_arms_is_rejected(arms):
    with pytest.raises(ValueError, match=r"bandit\.arms must be an integer >= 2"):
        BanditDistribution(arms=arms)


@settings(max_examples=40, deadline=None)
@given(pulls=st.integers(-100, 0))
def test_too_few_pulls_is_rejected(pulls):
    with pytest.raises(ValueError, match=r"bandit\.pulls must be an integer >= 1"):
        BanditDistribution(pulls=pulls)


@settings(max_examples=40, deadline=None)
@given(bandits=st.one_of(st.integers(-100, 0), st.floats(1, 10), st.booleans(), st.text(max_size=3)))
def test_bad_bandit_count_is_rejected(bandits):
    with pytest.raises(ValueError, match=r"bandit\.bandits must be an integer >= 1"):
        BanditDistribution(bandits=bandits)


@settings(max_examples=20, deadline=None)
@given(arms=st.integers(3, 10))
def test_dependent_needs_two_arms(arms):
    with pytest.raises(ValueError, match=r"dependent=true needs arms=2"):
        BanditDistribution(arms=arms, dependent=True)


def test_dependent_must_be_a_bool():
    with pytest.raises(ValueError, match=r"bandit\.dependent must be true or false"):
        BanditDistribution(dependent="yes")


@settings(max_examples=60, deadline=None)
@given(
    bad=st.one_of(
        st.floats(max_value=-1e-12, allow_infinity=True),
        st.floats(min_value=1.0 + 1e-12, allow_infinity=True),
        st.just(float("nan")),
    ),
    where=st.integers(0, 5),
)
def test_probabilities_outside_unit_interval_are_rejected(bad, where):
    p = np.full((3, 2), 0.5)
    p.flat[where] = bad
    with pytest.raises(ValueError, match=r"probabilities must lie in \[0, 1\]; bandit \d arm \d"):
        check_probabilities(p)


@pytest.mark.parametrize("shape", [(4,), (3, 1), (0, 2), (2, 2, 2)])
def test_probabilities_of_wrong_shape_are_rejected(shape):
    with pytest.raises(ValueError, match=r"probabilities must be a 2-D array"):
        check_probabilities(np.full(shape, 0.5))


def test_rewards_need_matching_probabilities():
    dist = BanditDistribution(arms=3, pulls=5, bandits=4)
    with pytest.raises(ValueError, match=r"expected arms=3"):
        draw_rewards(dist, np.full((4, 2), 0.5), seed=0)
    with pytest.raises(ValueError, match=r"expected bandits=4"):
        draw_rewards(dist, np.full((5, 3), 0.5), seed=0)


def test_bad_seed_is_rejected():
    with pytest.raises(ValueError, match=r"seed must be an integer"):
        draw_probabilities(BanditDistribution(), seed=-1)


def test_same_seed_same_bandits_and_rewards():
    dist = BanditDistribution(arms=3, pulls=20, bandits=50)
    p1, p2 = draw_probabilities(dist, 7), draw_probabilities(dist, 7)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(draw_rewards(dist, p1, 7), draw_rewards(dist, p2, 7))
    assert not np.array_equal(p1, draw_probabilities(dist, 8))


def test_bandit_b_does_not_depend_on_the_number_of_bandits():
    small = draw_probabilities(BanditDistribution(bandits=10), 3)
    large = draw_probabilities(BanditDistribution(bandits=1000), 3)
    np.testing.assert_array_equal(small, large[:10])


def test_independent_probabilities_are_uniform():
    p = draw_probabilities(BanditDistribution(arms=4, bandits=20000), 11)
    assert p.shape == (20000, 4)
    assert ((p >= 0) & (p < 1)).all()
    n = p.size
    assert abs(p.mean() - 0.5) < 4 * np.sqrt(1 / 12 / n)  # U[0,1]: mean 1/2, var 1/12
    # independence across arms: correlation within a few standard errors of 0
    assert abs(np.corrcoef(p[:, 0], p[:, 1])[0, 1]) < 4 / np.sqrt(20000)
    # E[max of 4] = 4/5
    assert abs(p.max(axis=1).mean() - 0.8) < 0.01


def test_dependent_probabilities_sum_to_one():
    p = draw_probabilities(BanditDistribution(bandits=500, dependent=True), 5)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert p.min() >= 0 and p.max() <= 1


def test_reward_frequencies_match_probabilities():
    dist = BanditDistribution(arms=2, pulls=4000, bandits=3)
    p = np.array([[0.0, 1.0], [0.25, 0.75], [0.5, 0.1]])
    r = draw_rewards(dist, p, seed=2)
    assert r.dtype == np.uint8 and r.shape == (3, 4000, 2)
    freq = r.mean(axis=1)
    se = np.sqrt(p * (1 - p) / 4000)
    assert (np.abs(freq - p) <= 4 * se + 1e-12).all()


def test_stream_seeds_are_reproducible_and_distinct():
    from l2l.tasks.bandit import stream_seed

    seeds = {stream_seed(5, s, i) for s in ("probabilities", "rewards", "policy", "chip") for i in range(3)}
    assert len(seeds) == 12 and all(0 <= s < 2**63 for s in seeds)
    assert stream_seed(5, "policy", 2) == stream_seed(5, "policy", 2) != stream_seed(6, "policy", 2)
    allowed = r"stream 'noise' is unknown; allowed: \['chip', 'policy', 'probabilities'"
    with pytest.raises(ValueError, match=allowed):
        stream_seed(5, "noise")
