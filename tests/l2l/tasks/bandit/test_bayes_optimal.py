"""Bayes-optimal DP: values by hand, an exact-rational recursion, Monte-Carlo, the lower bound."""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l2l.tasks.bandit import BanditDistribution, draw_probabilities, draw_rewards, expected_regret, summarize
from l2l.tasks.bandit import bayes_optimal as bo
from l2l.tasks.bandit.baselines import BASELINES, thompson_dependent


@pytest.mark.parametrize(
    ("pulls", "dependent", "value", "regret"),
    [
        # T = 1: either arm pays 1/2. Regret E[max p] - 1/2.
        (1, False, Fraction(1, 2), Fraction(1, 6)),
        # T = 2, independent: pull arm 1 (m = 1/2); after a success its mean is 2/3 (pull it
        # again), after a failure 1/3 < 1/2 (pull arm 2): V = 1/2 + 1/2 2/3 + 1/2 1/2 = 13/12.
        (2, False, Fraction(13, 12), Fraction(4, 3) - Fraction(13, 12)),
        (1, True, Fraction(1, 2), Fraction(1, 4)),
        # T = 2, dependent: either way the second pull pays 2/3: V = 1/2 + 2/3 = 7/6.
        (2, True, Fraction(7, 6), Fraction(3, 2) - Fraction(7, 6)),
    ],
)
def test_value_for_horizon_one_and_two_by_hand(pulls, dependent, value, regret):
    policy = bo.solve(pulls, dependent)
    assert policy.value == pytest.approx(float(value), abs=1e-14)
    assert policy.prior_regret == pytest.approx(float(regret), abs=1e-14)
    assert policy.table[0] == 2  # the first pull is a tie by symmetry


def _exact_value_independent(pulls):
    @cache
    def v(s1, f1, s2, f2):
        if s1 + f1 + s2 + f2 == pulls:
            return Fraction(0)
        m1, m2 = Fraction(s1 + 1, s1 + f1 + 2), Fraction(s2 + 1, s2 + f2 + 2)
        q1 = m1 * (1 + v(s1 + 1, f1, s2, f2)) + (1 - m1) * v(s1, f1 + 1, s2, f2)
        q2 = m2 * (1 + v(s1, f1, s2 + 1, f2)) + (1 - m2) * v(s1, f1, s2, f2 + 1)
        return max(q1, q2)

    return v(0, 0, 0, 0)


def _exact_value_dependent(pulls):
    @cache
    def v(x, y):
        if x + y == pulls:
            return Fraction(0)
        m = Fraction(x + 1, x + y + 2)
        q1 = m * (1 + v(x + 1, y)) + (1 - m) * v(x, y + 1)
        q2 = (1 - m) * (1 + v(x, y + 1)) + m * v(x + 1, y)
        return max(q1, q2)

    return v(0, 0)


@pytest.mark.parametrize("pulls", [3, 5, 8])
def test_dp_matches_exact_rational_recursion(pulls):
    assert bo.solve(pulls).value == pytest.approx(float(_exact_value_independent(pulls)), abs=1e-13)
    assert bo.solve(pulls, True).value == pytest.approx(float(_exact_value_dependent(pulls)), abs=1e-13)


def test_rank_is_a_bijection_onto_each_layer():
    from math import comb

    for n in range(9):
        ranks = sorted(
            bo._rank4(s1, f1, s2, n - s1 - f1 - s2)
            for s1 in range(n + 1)
            for f1 in range(n + 1 - s1)
            for s2 in range(n + 1 - s1 - f1)
        )
        assert ranks == list(range(comb(n + 3, 3)))
        assert bo._offset4(n) == comb(n + 3, 4)


def test_dependent_policy_is_greedy_on_the_posterior_mean():
    pulls = 100
    table = bo.solve(pulls, dependent=True).table
    for n in range(pulls):
        x = np.arange(n + 1)
        m = (x + 1) / (n + 2)
        expected = np.where(m > 0.5, 0, np.where(m < 0.5, 1, 2))
        np.testing.assert_array_equal(table[n * (n + 1) // 2 : (n + 1) * (n + 2) // 2], expected)


@pytest.mark.parametrize("dependent", [False, True])
def test_exact_prior_regret_equals_monte_carlo(dependent):
    dist = BanditDistribution(pulls=100, bandits=20000, dependent=dependent)
    policy = bo.solve(100, dependent)
    p = draw_probabilities(dist, 31)
    mean, se = summarize(expected_regret(p, bo.act(policy, draw_rewards(dist, p, 31), 31)))
    assert abs(mean - policy.prior_regret) < 4 * se
    assert se < 0.05  # the check is tight


@pytest.mark.parametrize("dependent", [False, True])
def test_bayes_optimal_is_a_lower_bound_for_the_baselines(dependent):
    dist = BanditDistribution(pulls=100, bandits=3000, dependent=dependent)
    policy = bo.solve(100, dependent)
    p = draw_probabilities(dist, 41)
    rewards = draw_rewards(dist, p, 41)
    optimal = expected_regret(p, bo.act(policy, rewards, 41))
    policies = {name: BASELINES[name] for name in ("epsilon_greedy", "ucb1", "thompson")}
    if dependent:
        policies["thompson_dependent"] = thompson_dependent
    for name, baseline in policies.items():
        other = expected_regret(p, baseline(rewards, 41))
        mean_other, se_other = summarize(other)
        assert mean_other - 4 * se_other > policy.prior_regret  # the exact bound
        diff, se_diff = summarize(other - optimal)  # paired on the same bandits and rewards
        assert diff - 4 * se_diff > 0, name
    # and far below uniformly random choice
    assert policy.prior_regret < 0.15 * (25.0 if dependent else 100 / 6)


def test_same_seed_same_actions_and_ties_use_the_seed():
    dist = BanditDistribution(pulls=30, bandits=200)
    p = draw_probabilities(dist, 2)
    rewards = draw_rewards(dist, p, 2)
    policy = bo.solve(30)
    a = bo.act(policy, rewards, 2)
    np.testing.assert_array_equal(a, bo.act(policy, rewards, 2))
    assert not np.array_equal(a[:, 0], bo.act(policy, rewards, 3)[:, 0])  # first pull: a tie
    assert 0.35 < a[:, 0].mean() < 0.65


def test_state_count_and_memory():
    policy = bo.solve(100)
    assert policy.table.shape == (4421275,) and policy.table.dtype == np.int8  # C(103, 4)
    assert bo.n_states(100, dependent=True) == 5050


@settings(max_examples=30, deadline=None)
@given(pulls=st.one_of(st.integers(-10, 0), st.booleans(), st.floats(1, 5)))
def test_bad_horizon_is_rejected(pulls):
    with pytest.raises(ValueError, match=r"pulls must be an integer >= 1"):
        bo.solve(pulls)


def test_too_long_horizon_is_rejected_before_allocating():
    with pytest.raises(ValueError, match=r"MAX_STATES=100000000; allowed: pulls <= 219 for independent"):
        bo.solve(1000)
    assert bo.n_states(219) <= bo.MAX_STATES < bo.n_states(220)


def test_act_rejects_a_tape_of_another_shape():
    policy = bo.solve(10)
    with pytest.raises(ValueError, match=r"pulls=10, arms=2"):
        bo.act(policy, np.zeros((3, 11, 2), dtype=np.uint8), 0)
    with pytest.raises(ValueError, match=r"pulls=10, arms=2"):
        bo.act(policy, np.zeros((3, 10, 3), dtype=np.uint8), 0)


def _exact_regret_of_table(policy, p):
    """Expected regret of following the DP's table on one bandit p, by enumerating outcomes."""
    gap = max(p) - np.asarray(p)

    @cache
    def r(s1, f1, s2, f2):
        n = s1 + f1 + s2 + f2
        if n == policy.pulls:
            return 0.0
        if policy.dependent:
            code = policy.table[n * (n + 1) // 2 + s1 + f2]
        else:
            code = policy.table[bo._offset4(n) + bo._rank4(s1, f1, s2, f2)]
        arms = [(int(code), 1.0)] if code < 2 else [(0, 0.5), (1, 0.5)]
        total = 0.0
        for a, weight in arms:
            win = r(s1 + 1, f1, s2, f2) if a == 0 else r(s1, f1, s2 + 1, f2)
            lose = r(s1, f1 + 1, s2, f2) if a == 0 else r(s1, f1, s2, f2 + 1)
            total += weight * (gap[a] + p[a] * win + (1 - p[a]) * lose)
        return total

    return r(0, 0, 0, 0)


@pytest.mark.parametrize(("p", "dependent"), [((0.3, 0.8), False), ((0.55, 0.5), False), ((0.7, 0.3), True)])
def test_simulated_regret_on_one_bandit_matches_enumeration(p, dependent):
    pulls, bandits = 12, 20000
    policy = bo.solve(pulls, dependent)
    dist = BanditDistribution(pulls=pulls, bandits=bandits, dependent=dependent)
    probabilities = np.tile(np.asarray(p), (bandits, 1))
    actions = bo.act(policy, draw_rewards(dist, probabilities, 6), 6)
    mean, se = summarize(expected_regret(probabilities, actions))
    assert abs(mean - _exact_regret_of_table(policy, p)) < 4 * se
