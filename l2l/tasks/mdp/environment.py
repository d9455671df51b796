"""Random finite MDPs and their optimal finite-horizon return (value iteration).

Bohnstingl et al. (2019), "Neuromorphic hardware learns to learn", train on random MDPs with
6 states and 8 actions, 1999 steps an episode. The distribution here is ours (the paper's exact
one is not in REFERENCE.md):

    P(. | s, a)  ~ Dirichlet(alpha * 1_6)     each (s, a) independently, alpha = 1 by default
    mu(s, a)     ~ Uniform(0, 1)               reward r ~ Bernoulli(mu(s, a))
    s_0          ~ Uniform over the 6 states

Optimal return: the expected total reward of the optimal non-stationary policy over T steps from
s_0, by backward induction (finite-horizon value iteration, Bellman 1957):

    V_0 = 0,   V_k(s) = max_a [ mu(s, a) + sum_s' P(s' | s, a) V_{k-1}(s') ]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_S, N_A = 6, 8


@dataclass(frozen=True)
class MDP:
    p: np.ndarray  # (6, 8, 6) transition probabilities
    mu: np.ndarray  # (6, 8) reward probabilities
    s0: int

    def quantised(self) -> tuple[np.ndarray, np.ndarray]:
        """The tables the processor reads: mu * 256 (uint8) and cumulative P * 256 (uint8,
        s' = the first j with u < cdf[j], u a random byte; the last state is the fallback)."""
        mu_q = np.clip(np.round(self.mu * 256), 0, 255).astype(np.uint8)
        cdf = np.clip(np.round(np.cumsum(self.p, axis=-1) * 256), 0, 255).astype(np.uint8)
        return mu_q.reshape(-1), cdf.reshape(-1)

    def quantised_mdp(self) -> MDP:
        """The MDP the processor actually samples (the tables' rounding included)."""
        mu_q, cdf = self.quantised()
        c = np.concatenate([np.zeros((N_S, N_A, 1)), cdf.reshape(N_S, N_A, N_S)[..., :-1] / 256.0,
                            np.ones((N_S, N_A, 1))], axis=-1)
        c = np.maximum.accumulate(c, axis=-1)
        return MDP(np.diff(c, axis=-1), mu_q.reshape(N_S, N_A) / 256.0, self.s0)


def draw_mdp(rng: np.random.Generator, alpha: float = 1.0) -> MDP:
    if not alpha > 0:
        raise ValueError(f"alpha = {alpha}: must be > 0")
    p = rng.dirichlet(np.full(N_S, float(alpha)), size=(N_S, N_A))
    mu = rng.uniform(0.0, 1.0, (N_S, N_A))
    return MDP(p, mu, int(rng.integers(N_S)))


def optimal_return(mdp: MDP, horizon: int) -> float:
    """Expected total reward of the optimal policy over `horizon` steps from s_0."""
    v = np.zeros(N_S)
    for _ in range(int(horizon)):
        v = (mdp.mu + mdp.p @ v).max(axis=1)
    return float(v[mdp.s0])


def policy_return(mdp: MDP, horizon: int, policy: np.ndarray) -> float:
    """Expected total reward of a stationary stochastic policy (6, 8) over `horizon` steps."""
    pol = np.asarray(policy, float)
    r = (pol * mdp.mu).sum(axis=1)
    t = np.einsum("sa,sat->st", pol, mdp.p)
    d = np.zeros(N_S)
    d[mdp.s0] = 1.0
    total = 0.0
    for _ in range(int(horizon)):
        total += d @ r
        d = d @ t
    return float(total)
