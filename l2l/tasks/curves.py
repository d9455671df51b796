"""A learning curve small enough to travel with every evaluation.

Closed-loop tasks (Pong, the MDP) learn over thousands of steps; the full per-step curve of one
evaluation is what `l2l replay` records. So that every row of evaluations.parquet also carries
its curve, a task adds the mean reward of each tenth of the episode as metrics
`reward_tenth_0` ... `reward_tenth_9` (mean over the evaluation's instances):

    ev = load_run(run)
    curve = long_form(ev, "metric.reward_tenth_")   # generation, individual, ..., reward_tenth, value
"""

from __future__ import annotations

import numpy as np

PARTS = 10


def tenths(rewards: np.ndarray) -> dict[str, float]:
    """rewards (instances, steps) -> {"reward_tenth_k": mean reward of the k-th tenth of the steps}."""
    rewards = np.asarray(rewards, dtype=np.float64)
    if rewards.ndim != 2 or rewards.shape[1] < PARTS:
        raise ValueError(f"rewards must be (instances, steps) with at least {PARTS} steps,"
                         f" got shape {rewards.shape}")
    edges = np.linspace(0, rewards.shape[1], PARTS + 1).round().astype(int)
    return {f"reward_tenth_{k}": float(rewards[:, a:b].mean())
            for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True))}
