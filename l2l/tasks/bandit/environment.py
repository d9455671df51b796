"""The k-armed Bernoulli bandit environment of Bohnstingl et al. (2019), "Neuromorphic hardware
learns to learn", Front. Neurosci. 13:483.

A bandit has k arms; pulling arm a yields reward 1 with probability p_a and 0 otherwise. An
episode is `pulls` pulls of one bandit; a fitness evaluation averages over `bandits` bandits.
Reward probabilities are drawn
- independently: p_a ~ U[0, 1] for every arm (the paper's "uniform" distribution), or
- dependently (2 arms only): p_1 ~ U[0, 1], p_2 = 1 - p_1.

Randomness: every draw descends from one explicit seed through numpy SeedSequence spawn keys
addressed by purpose (probabilities, rewards, a policy's own noise), so the probabilities do
not depend on whether rewards or policy noise are drawn, and every agent evaluated with the
same seed meets the same bandits and the same reward tape. Bandit b's probabilities are the
same for any `bandits` > b (the generator fills rows in order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from l2l.seeding import check_seed

# First word of a spawn key: which stream. Distinct values keep streams independent.
STREAMS = {"probabilities": 0, "rewards": 1, "policy": 2, "chip": 3}  # chip: the on-chip agent's instances
# Index of each policy's own noise stream within the seed's 'policy' streams.
POLICY_STREAM = {
    "random": 0,
    "epsilon_greedy": 1,
    "ucb1": 2,
    "thompson": 3,
    "bayes_optimal": 4,
    "thompson_dependent": 5,
}


def _positive_int(value: object, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"bandit.{field} must be an integer >= {minimum}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class BanditDistribution:
    """A distribution over k-armed Bernoulli bandits and the size of one evaluation.

    arms: number of arms k (>= 2). pulls: pulls per episode T (>= 1). bandits: bandits per
    evaluation (>= 1). dependent: p_2 = 1 - p_1 (requires arms == 2) instead of independent
    uniform probabilities.
    """

    arms: int = 2
    pulls: int = 100
    bandits: int = 40
    dependent: bool = False

    def __post_init__(self) -> None:
        _positive_int(self.arms, "arms", 2)
        _positive_int(self.pulls, "pulls", 1)
        _positive_int(self.bandits, "bandits", 1)
        if not isinstance(self.dependent, bool | np.bool_):
            raise ValueError(f"bandit.dependent must be true or false, got {self.dependent!r}")
        if self.dependent and self.arms != 2:
            raise ValueError(f"bandit.dependent=true needs arms=2 (p2 = 1 - p1), got arms={self.arms}")


def stream_rng(seed: int, stream: str, index: int = 0) -> np.random.Generator:
    """The generator of one named stream ('probabilities', 'rewards', 'policy') of a seed."""
    if stream not in STREAMS:
        raise ValueError(f"stream {stream!r} is unknown; allowed: {sorted(STREAMS)}")
    ss = np.random.SeedSequence(check_seed(seed), spawn_key=(STREAMS[stream], int(index)))
    return np.random.Generator(np.random.PCG64(ss))


def stream_seed(seed: int, stream: str, index: int = 0) -> int:
    """A 63-bit integer seed for one named stream, for kernels that take an integer seed."""
    return int(stream_rng(seed, stream, index).integers(0, 2**63, dtype=np.int64))


def draw_probabilities(dist: BanditDistribution, seed: int) -> np.ndarray:
    """Reward probabilities of `dist.bandits` bandits, shape (bandits, arms), float64 in [0, 1]."""
    rng = stream_rng(seed, "probabilities")
    if dist.dependent:
        p1 = rng.random(dist.bandits)  # p_1 ~ U[0, 1)
        return np.stack([p1, 1.0 - p1], axis=1)  # p_2 = 1 - p_1
    return rng.random((dist.bandits, dist.arms))  # p_a ~ U[0, 1) independently


def check_probabilities(probabilities: object, arms: int | None = None) -> np.ndarray:
    """Validate reward probabilities: a 2-D (bandits, arms) array of finite values in [0, 1]."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 1 or p.shape[1] < 2:
        raise ValueError(f"probabilities must be a 2-D array (bandits >= 1, arms >= 2), got shape {p.shape}")
    if arms is not None and p.shape[1] != arms:
        raise ValueError(f"probabilities has {p.shape[1]} arms, expected arms={arms}")
    bad = ~((p >= 0.0) & (p <= 1.0))  # also catches NaN
    if bad.any():
        b, a = np.argwhere(bad)[0]
        raise ValueError(f"probabilities must lie in [0, 1]; bandit {b} arm {a} has {p[b, a]!r}")
    return p


def draw_rewards(dist: BanditDistribution, probabilities: np.ndarray, seed: int) -> np.ndarray:
    """The reward tape: rewards[b, t, a] = 1 if pulling arm a at pull t of bandit b pays.

    Shape (bandits, pulls, arms), uint8. r = [u < p_a] with u ~ U[0, 1) drawn once for every
    (bandit, pull, arm), so agents evaluated on the same tape share their luck (common random
    numbers) and each pull is Bernoulli(p_a) independently of the past.
    """
    p = check_probabilities(probabilities, dist.arms)
    if p.shape[0] != dist.bandits:
        raise ValueError(f"probabilities has {p.shape[0]} bandits, expected bandits={dist.bandits}")
    u = stream_rng(seed, "rewards").random((dist.bandits, dist.pulls, dist.arms))
    return (u < p[:, None, :]).astype(np.uint8)


def check_rewards(rewards: object) -> np.ndarray:
    """Validate a reward tape: a (bandits, pulls, arms) array of 0/1 with arms >= 2."""
    r = np.asarray(rewards)
    if r.ndim != 3 or min(r.shape) < 1 or r.shape[2] < 2:
        raise ValueError(f"rewards must have shape (bandits >= 1, pulls >= 1, arms >= 2), got {r.shape}")
    if not ((r == 0) | (r == 1)).all():
        raise ValueError("rewards must be 0 or 1 (a Bernoulli reward tape from draw_rewards)")
    return np.ascontiguousarray(r, dtype=np.uint8)
