"""Expected (pseudo-)regret of bandit episodes, the score of Bohnstingl et al. (2019).

For one bandit with reward probabilities p_1..p_k and the actions a_1..a_T of an episode,

    R = sum_{t=1}^{T} (max_k p_k - p_{a_t})                                        (1)

the expected regret given the actions (rewards are replaced by their expectations; see
Bubeck & Cesa-Bianchi 2012, "Regret analysis of stochastic and nonstochastic multi-armed
bandit problems", sec. 1: pseudo-regret). It is what the paper reports; fitness = -mean R over
the bandits of an evaluation.

Closed forms used as references: choosing uniformly at random costs T (max_k p_k - mean_k p_k)
in expectation; over the prior, k independent U[0, 1] arms give E[max p] = k / (k + 1) and
E[mean p] = 1/2, so T (k / (k + 1) - 1/2) (T / 6 for 2 arms); dependent arms give
E[max(p, 1 - p)] = 3/4, so T / 4.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from l2l.tasks.bandit.environment import (
    BanditDistribution,
    check_probabilities,
    draw_probabilities,
    draw_rewards,
)


def check_actions(actions: object, bandits: int, arms: int) -> np.ndarray:
    """Validate actions: an integer (bandits, pulls) array of arm indices in [0, arms)."""
    a = np.asarray(actions)
    if a.ndim != 2 or a.shape[0] != bandits or a.shape[1] < 1:
        raise ValueError(f"actions must have shape (bandits={bandits}, pulls >= 1), got {a.shape}")
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"actions must be integer arm indices, got dtype {a.dtype}")
    bad = (a < 0) | (a >= arms)
    if bad.any():
        b, t = np.argwhere(bad)[0]
        raise ValueError(f"actions must be arm indices in [0, {arms}); bandit {b} pull {t} has {a[b, t]}")
    return a.astype(np.int64, copy=False)


def expected_regret(probabilities: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """Expected regret (1) of each bandit's episode, shape (bandits,), float64."""
    p = check_probabilities(probabilities)
    a = check_actions(actions, p.shape[0], p.shape[1])
    chosen = np.take_along_axis(p, a, axis=1)  # p_{a_t}, shape (bandits, pulls)
    return np.sum(p.max(axis=1, keepdims=True) - chosen, axis=1)  # (1)


def random_regret(probabilities: np.ndarray, pulls: int) -> np.ndarray:
    """Expected regret of choosing arms uniformly at random: T (max_k p_k - mean_k p_k)."""
    p = check_probabilities(probabilities)
    return pulls * (p.max(axis=1) - p.mean(axis=1))


def prior_random_regret(arms: int, pulls: int, dependent: bool = False) -> float:
    """Prior-expected regret of uniform random choice: T (k/(k+1) - 1/2), or T/4 if dependent."""
    if dependent:
        return pulls * (0.75 - 0.5)  # E[max(p, 1 - p)] = 3/4
    return pulls * (arms / (arms + 1.0) - 0.5)  # E[max of k U[0,1]] = k/(k+1)


def summarize(regret: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of the mean over bandits (ddof 1; SE 0 for one bandit)."""
    r = np.asarray(regret, dtype=np.float64)
    if r.ndim != 1 or r.size < 1:
        raise ValueError(f"regret must be a 1-D array with at least one bandit, got shape {r.shape}")
    se = float(r.std(ddof=1) / np.sqrt(r.size)) if r.size > 1 else 0.0
    return float(r.mean()), se


def bandit_score(probabilities: np.ndarray, actions: np.ndarray) -> tuple[float, dict[str, float]]:
    """The task's score and metrics: score = -mean expected regret (to be maximised)."""
    mean, se = summarize(expected_regret(probabilities, actions))
    return -mean, {"regret_mean": mean, "regret_se": se}


def evaluate_policy(
    dist: BanditDistribution, seed: int, policy: Callable[[np.ndarray, int], np.ndarray]
) -> tuple[float, dict[str, float]]:
    """Score a policy on the bandits and reward tape of `seed`: (-mean regret, metrics).

    policy(rewards, seed) -> actions, with rewards (bandits, pulls, arms) from draw_rewards and
    actions (bandits, pulls). Every baseline here has this form; an agent that draws its own
    rewards may ignore the tape, and is still scored on the same probabilities.
    """
    p = draw_probabilities(dist, seed)
    actions = policy(draw_rewards(dist, p, seed), seed)
    if np.shape(actions)[1:] != (dist.pulls,):
        raise ValueError(
            f"policy returned actions of shape {np.shape(actions)}, expected {(dist.bandits, dist.pulls)}"
        )
    return bandit_score(p, actions)
