"""Expected regret: closed forms and validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l2l.tasks.bandit import (
    BanditDistribution,
    bandit_score,
    draw_probabilities,
    expected_regret,
    prior_random_regret,
    random_regret,
    summarize,
)


def test_always_best_arm_has_zero_regret_and_worst_arm_has_gap_times_pulls():
    p = draw_probabilities(BanditDistribution(arms=3, bandits=30), 1)
    pulls = 17
    best = np.repeat(p.argmax(axis=1)[:, None], pulls, axis=1)
    worst = np.repeat(p.argmin(axis=1)[:, None], pulls, axis=1)
    np.testing.assert_array_equal(expected_regret(p, best), 0.0)
    np.testing.assert_allclose(expected_regret(p, worst), pulls * (p.max(axis=1) - p.min(axis=1)), rtol=1e-13)


def test_regret_by_hand():
    p = np.array([[0.2, 0.9], [0.6, 0.5]])
    actions = np.array([[0, 1, 0], [1, 1, 0]])
    # bandit 0: 0.7 + 0 + 0.7; bandit 1: 0.1 + 0.1 + 0
    np.testing.assert_allclose(expected_regret(p, actions), [1.4, 0.2], rtol=1e-13)
    score, metrics = bandit_score(p, actions)
    assert score == pytest.approx(-0.8)
    assert metrics["regret_mean"] == pytest.approx(0.8)
    assert metrics["regret_se"] == pytest.approx(np.std([1.4, 0.2], ddof=1) / np.sqrt(2))


def test_random_choice_closed_form_matches_simulation():
    rng = np.random.default_rng(0)
    p = rng.random((5, 3))
    pulls = 200000
    actions = rng.integers(0, 3, size=(5, pulls))
    simulated = expected_regret(p, actions)
    exact = random_regret(p, pulls)
    # per pull the regret has variance <= 1/4: standard error of the sum <= sqrt(pulls) / 2
    assert (np.abs(simulated - exact) < 4 * np.sqrt(pulls) / 2).all()
    assert (np.abs(simulated - exact) / exact < 0.01).all()


@pytest.mark.parametrize(
    ("arms", "dependent", "expected"), [(2, False, 100 / 6), (4, False, 30.0), (2, True, 25.0)]
)
def test_prior_random_regret(arms, dependent, expected):
    assert prior_random_regret(arms, 100, dependent) == pytest.approx(expected)
    p = draw_probabilities(BanditDistribution(arms=arms, bandits=40000, dependent=dependent), 4)
    mean, se = summarize(random_regret(p, 100))
    assert abs(mean - expected) < 4 * se


@settings(max_examples=40, deadline=None)
@given(bad=st.one_of(st.integers(-10, -1), st.integers(2, 10)), where=st.integers(0, 5))
def test_actions_outside_the_arms_are_rejected(bad, where):
    actions = np.zeros((2, 3), dtype=np.int64)
    actions.flat[where] = bad
    with pytest.raises(ValueError, match=r"actions must be arm indices in \[0, 2\); bandit \d pull \d"):
        expected_regret(np.full((2, 2), 0.5), actions)


def test_actions_of_wrong_shape_or_type_are_rejected():
    p = np.full((2, 2), 0.5)
    with pytest.raises(ValueError, match=r"actions must have shape \(bandits=2"):
        expected_regret(p, np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(ValueError, match=r"actions must be integer arm indices"):
        expected_regret(p, np.zeros((2, 4)))


def test_summarize_rejects_empty():
    with pytest.raises(ValueError, match=r"at least one bandit"):
        summarize(np.array([]))
    assert summarize(np.array([2.0])) == (2.0, 0.0)


def test_evaluate_policy_scores_on_the_seeds_bandits():
    from l2l.tasks.bandit import draw_rewards, evaluate_policy
    from l2l.tasks.bandit.baselines import thompson

    dist = BanditDistribution(pulls=30, bandits=40)
    score, metrics = evaluate_policy(dist, 9, thompson)
    p = draw_probabilities(dist, 9)
    assert score == -metrics["regret_mean"]
    assert metrics["regret_mean"] == summarize(expected_regret(p, thompson(draw_rewards(dist, p, 9), 9)))[0]

    def always_best(rewards, seed):  # an oracle that knows the probabilities: zero regret
        return np.repeat(p.argmax(axis=1)[:, None], rewards.shape[1], axis=1)

    assert evaluate_policy(dist, 9, always_best) == (0.0, {"regret_mean": 0.0, "regret_se": 0.0})
    with pytest.raises(ValueError, match=r"policy returned actions of shape \(40, 29\), expected \(40, 30\)"):
        evaluate_policy(dist, 9, lambda rewards, seed: np.zeros((40, 29), dtype=np.int64))
