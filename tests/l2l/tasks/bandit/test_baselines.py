"""Host-side baselines: numba vs NumPy references, the Beta sampler, determinism, sanity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l2l.tasks.bandit import BanditDistribution, draw_probabilities, draw_rewards, expected_regret, summarize
from l2l.tasks.bandit.baselines import (
    BASELINES,
    epsilon_greedy,
    epsilon_greedy_kernel,
    main,
    thompson,
    thompson_dependent,
    ucb1,
    ucb1_kernel,
)
from l2l.tasks.bandit.rng import beta_samples


def _tape(arms, pulls, bandits, seed, dependent=False):
    dist = BanditDistribution(arms=arms, pulls=pulls, bandits=bandits, dependent=dependent)
    p = draw_probabilities(dist, seed)
    return p, draw_rewards(dist, p, seed)


def epsilon_greedy_reference(rewards, epsilon, explore_u, choice_u):
    """Slow NumPy epsilon-greedy: a loop over pulls, vectorised over bandits."""
    n_bandits, n_pulls, n_arms = rewards.shape
    counts = np.zeros((n_bandits, n_arms))
    sums = np.zeros((n_bandits, n_arms))
    actions = np.empty((n_bandits, n_pulls), dtype=np.int64)
    rows = np.arange(n_bandits)
    for t in range(n_pulls):
        values = np.where(counts > 0, sums / np.maximum(counts, 1), 2.0)
        tied = values == values.max(axis=1, keepdims=True)
        j = (choice_u[:, t] * tied.sum(axis=1)).astype(np.int64)
        greedy = np.argmax(tied & (np.cumsum(tied, axis=1) == (j + 1)[:, None]), axis=1)
        explore = explore_u[:, t] < epsilon
        a = np.where(explore, (choice_u[:, t] * n_arms).astype(np.int64), greedy)
        counts[rows, a] += 1
        sums[rows, a] += rewards[rows, t, a]
        actions[:, t] = a
    return actions


def ucb1_reference(rewards):
    n_bandits, n_pulls, n_arms = rewards.shape
    counts = np.zeros((n_bandits, n_arms))
    sums = np.zeros((n_bandits, n_arms))
    actions = np.empty((n_bandits, n_pulls), dtype=np.int64)
    rows = np.arange(n_bandits)
    for t in range(n_pulls):
        if t < n_arms:
            a = np.full(n_bandits, t)
        else:
            a = np.argmax(sums / counts + np.sqrt(2 * np.log(t) / counts), axis=1)
        counts[rows, a] += 1
        sums[rows, a] += rewards[rows, t, a]
        actions[:, t] = a
    return actions


@pytest.mark.parametrize(("arms", "epsilon"), [(2, 0.1), (3, 0.0), (5, 0.3), (2, 1.0)])
def test_epsilon_greedy_numba_matches_numpy_reference(arms, epsilon):
    _, rewards = _tape(arms, 60, 200, seed=arms)
    g = np.random.default_rng(arms)
    explore_u, choice_u = g.random((200, 60)), g.random((200, 60))
    fast = np.empty((200, 60), dtype=np.int64)
    epsilon_greedy_kernel(rewards, epsilon, explore_u, choice_u, fast)
    np.testing.assert_array_equal(fast, epsilon_greedy_reference(rewards, epsilon, explore_u, choice_u))


@pytest.mark.parametrize("arms", [2, 4])
def test_ucb1_numba_matches_numpy_reference(arms):
    _, rewards = _tape(arms, 80, 150, seed=10 + arms)
    fast = np.empty((150, 80), dtype=np.int64)
    ucb1_kernel(rewards, fast)
    np.testing.assert_array_equal(fast, ucb1_reference(rewards))


def thompson_reference(rewards, generator):
    """Slow NumPy Thompson sampling with numpy's own Beta sampler, vectorised over bandits."""
    n_bandits, n_pulls, n_arms = rewards.shape
    successes = np.zeros((n_bandits, n_arms))
    failures = np.zeros((n_bandits, n_arms))
    actions = np.empty((n_bandits, n_pulls), dtype=np.int64)
    rows = np.arange(n_bandits)
    for t in range(n_pulls):
        a = np.argmax(generator.beta(successes + 1, failures + 1), axis=1)
        r = rewards[rows, t, a]
        successes[rows, a] += r
        failures[rows, a] += 1 - r
        actions[:, t] = a
    return actions


@pytest.mark.parametrize("arms", [2, 3])
def test_thompson_regret_matches_a_numpy_reference_in_distribution(arms):
    p, rewards = _tape(arms, 100, 4000, seed=30 + arms)
    fast, fast_se = summarize(expected_regret(p, thompson(rewards, 30)))
    slow, slow_se = summarize(expected_regret(p, thompson_reference(rewards, np.random.default_rng(30))))
    assert abs(fast - slow) < 4 * np.hypot(fast_se, slow_se)


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (3.0, 7.0), (50.0, 2.0)])
def test_beta_sampler_moments(a, b):
    x = np.empty(40000)
    beta_samples(np.uint64(12345 + int(a)), a, b, x)
    mean, var = a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    assert ((x > 0) & (x < 1)).all()
    assert abs(x.mean() - mean) < 4 * np.sqrt(var / x.size)
    assert abs(x.var() / var - 1) < 0.05


def test_beta_1_1_is_uniform():
    x = np.empty(20000)
    beta_samples(np.uint64(99), 1.0, 1.0, x)
    counts = np.histogram(x, bins=10, range=(0, 1))[0]
    chi2 = ((counts - 2000) ** 2 / 2000).sum()
    assert chi2 < 27.9  # chi^2 with 9 degrees of freedom, p = 0.001


def test_thompson_first_pull_is_a_fair_coin_and_learns_a_sure_thing():
    rewards = np.zeros((4000, 30, 2), dtype=np.uint8)
    rewards[:, :, 0] = 1  # arm 0 always pays, arm 1 never
    actions = thompson(rewards, seed=3)
    assert abs((actions[:, 0] == 0).mean() - 0.5) < 4 * np.sqrt(0.25 / 4000)
    # after 20 pulls the posterior means are far apart: almost always arm 0
    assert (actions[:, 20:] == 0).mean() > 0.97


def test_dependent_thompson_uses_the_dependence():
    # arm 1 never pays: under p2 = 1 - p1 that is evidence for arm 2 too, so after a few pulls
    # of arm 1 the dependent sampler switches to arm 2 and stays; the independent one keeps trying.
    rewards = np.zeros((3000, 40, 2), dtype=np.uint8)
    rewards[:, :, 1] = 1
    dep = thompson_dependent(rewards, seed=4)
    assert abs((dep[:, 0] == 0).mean() - 0.5) < 4 * np.sqrt(0.25 / 3000)
    np.testing.assert_array_equal(dep, thompson_dependent(rewards, seed=4))
    assert (dep[:, 10:] == 1).mean() > 0.99
    p, tape = _tape(2, 100, 2000, seed=8, dependent=True)
    dep_mean, dep_se = summarize(expected_regret(p, thompson_dependent(tape, 8)))
    ind_mean, ind_se = summarize(expected_regret(p, thompson(tape, 8)))
    assert dep_mean + 3 * np.hypot(dep_se, ind_se) < ind_mean
    with pytest.raises(ValueError, match=r"thompson_dependent needs arms=2"):
        thompson_dependent(np.zeros((2, 5, 3), dtype=np.uint8), 0)


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_same_seed_same_actions(name):
    _, rewards = _tape(3, 50, 100, seed=1)
    a1, a2 = BASELINES[name](rewards, 1), BASELINES[name](rewards, 1)
    assert a1.shape == (100, 50) and a1.dtype == np.int64
    np.testing.assert_array_equal(a1, a2)
    if name != "ucb1":  # UCB1 is deterministic given the rewards
        assert not np.array_equal(a1, BASELINES[name](rewards, 2))


@pytest.mark.parametrize("dependent", [False, True])
def test_baselines_far_below_random_and_thompson_beats_the_others(dependent):
    p, rewards = _tape(2, 100, 2000, seed=21, dependent=dependent)
    random_mean = 100 * (0.25 if dependent else 1 / 6)
    means = {}
    for name in ("epsilon_greedy", "ucb1", "thompson"):
        means[name], se = summarize(expected_regret(p, BASELINES[name](rewards, 21)))
        assert means[name] + 4 * se < random_mean / 2
    assert means["thompson"] < means["ucb1"]
    assert means["thompson"] < means["epsilon_greedy"]


@settings(max_examples=30, deadline=None)
@given(value=st.integers(2, 255), where=st.integers(0, 11))
def test_rewards_must_be_zero_or_one(value, where):
    rewards = np.zeros((2, 3, 2), dtype=np.int64)
    rewards.flat[where] = value
    with pytest.raises(ValueError, match=r"rewards must be 0 or 1"):
        ucb1(rewards)


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 1), (0, 3, 2)])
def test_rewards_of_wrong_shape_are_rejected(shape):
    with pytest.raises(ValueError, match=r"rewards must have shape"):
        thompson(np.zeros(shape, dtype=np.uint8), 0)


@settings(max_examples=30, deadline=None)
@given(epsilon=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1 + 1e-9), st.just(float("nan"))))
def test_epsilon_outside_unit_interval_is_rejected(epsilon):
    with pytest.raises(ValueError, match=r"epsilon must lie in \[0, 1\]"):
        epsilon_greedy(np.zeros((1, 2, 2), dtype=np.uint8), 0, epsilon)


def test_command_prints_every_policy(capsys):
    main(["--bandits", "50", "--pulls", "20", "--seed", "0"])
    out = capsys.readouterr().out
    for name in ("random", "epsilon-greedy", "UCB1", "Thompson", "Bayes-optimal (simulated", "exact prior"):
        assert name in out
    main(["--bandits", "50", "--pulls", "20", "--arms", "3"])
    assert "Bayes-optimal" not in capsys.readouterr().out


def test_command_over_seeds_reports_the_spread_of_per_seed_means(capsys):
    from l2l.tasks.bandit.baselines import baseline_table

    main(["--bandits", "10", "--pulls", "20", "--seed", "5", "--seeds", "3", "--dependent"])
    out = capsys.readouterr().out
    assert "seeds 5..7" in out
    dist = BanditDistribution(pulls=20, bandits=10, dependent=True)
    thompson_means = np.array(
        [row[1] for s in (5, 6, 7) for row in baseline_table(dist, s) if row[0] == "Thompson sampling"]
    )
    line = next(line for line in out.splitlines() if line.startswith("Thompson sampling  "))
    assert line.split()[-2:] == [f"{thompson_means.mean():.3f}", f"{thompson_means.std(ddof=1):.3f}"]
    with pytest.raises(SystemExit):
        main(["--seeds", "0"])


@settings(max_examples=25, deadline=None)
@given(
    arms=st.integers(2, 6),
    pulls=st.integers(1, 30),
    bandits=st.integers(1, 20),
    seed=st.integers(0, 2**63 - 1),
)
def test_every_baseline_returns_valid_actions_for_any_valid_distribution(arms, pulls, bandits, seed):
    p, rewards = _tape(arms, pulls, bandits, seed)
    assert p.shape == (bandits, arms) and rewards.shape == (bandits, pulls, arms)
    bound = pulls * (p.max(axis=1) - p.min(axis=1))  # no episode can do worse than the worst arm
    for policy in BASELINES.values():
        actions = policy(rewards, seed)
        assert actions.shape == (bandits, pulls)
        assert ((actions >= 0) & (actions < arms)).all()
        regret = expected_regret(p, actions)
        assert ((regret >= 0) & (regret <= bound + 1e-12)).all()
