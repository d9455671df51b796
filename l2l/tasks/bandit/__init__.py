"""k-armed Bernoulli bandits (Bohnstingl et al. 2019): the environment, expected regret, host-side
baselines (epsilon-greedy, UCB1, Thompson sampling) and the Bayes-optimal policy.

How an agent is evaluated (the same for a baseline here and for the chip agent later):

    dist = BanditDistribution(arms=2, pulls=100, bandits=40, dependent=False)
    probabilities = draw_probabilities(dist, seed)            # (bandits, arms)
    rewards = draw_rewards(dist, probabilities, seed)         # (bandits, pulls, arms) 0/1
    actions = agent(rewards, ...)                             # (bandits, pulls) arm indices
    regret = expected_regret(probabilities, actions)          # (bandits,)
    score, metrics = bandit_score(probabilities, actions)     # score = -mean regret
    # or, for any policy(rewards, seed) -> actions, all of the above in one call:
    score, metrics = evaluate_policy(dist, seed, policy)

The reward tape is optional: an agent that draws its own Bernoulli rewards (for example on
the plasticity processor) is scored by the same `expected_regret`, which only needs the
probabilities and the actions.
"""

from __future__ import annotations

from l2l.tasks.bandit.environment import (
    BanditDistribution,
    check_probabilities,
    check_rewards,
    draw_probabilities,
    draw_rewards,
    stream_seed,
)
from l2l.tasks.bandit.regret import (
    bandit_score,
    evaluate_policy,
    expected_regret,
    prior_random_regret,
    random_regret,
    summarize,
)

__all__ = [
    "BanditDistribution",
    "bandit_score",
    "check_probabilities",
    "check_rewards",
    "draw_probabilities",
    "draw_rewards",
    "evaluate_policy",
    "expected_regret",
    "prior_random_regret",
    "random_regret",
    "stream_seed",
    "summarize",
]
