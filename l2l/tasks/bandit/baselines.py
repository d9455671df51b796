"""Host-side bandit baselines, batched over bandits as numba kernels, on a shared reward tape.

- epsilon-greedy (Sutton & Barto 2018, "Reinforcement Learning", sec. 2.2-2.4): with
  probability epsilon pull a uniformly random arm, otherwise the arm with the highest
  empirical mean; arms never pulled count as best (each is tried once), ties broken uniformly.
- UCB1 (Auer, Cesa-Bianchi & Fischer 2002, "Finite-time analysis of the multiarmed bandit
  problem", Machine Learning 47, Fig. 1): pull each arm once, then the arm maximising
  xbar_j + sqrt(2 ln n / n_j); deterministic given the rewards (ties: lowest index).
- Thompson sampling (Thompson 1933, Biometrika 25; Bernoulli form of Agrawal & Goyal 2012,
  "Analysis of Thompson sampling for the multi-armed bandit problem", COLT, Algorithm 1):
  draw theta_j ~ Beta(S_j + 1, F_j + 1) for every arm and pull the argmax. It ignores any
  dependence between arms; `thompson_dependent` is Thompson sampling under the dependent prior
  p_2 = 1 - p_1: theta ~ Beta(S_1 + F_2 + 1, F_1 + S_2 + 1) is a draw of p_1; pull arm 1 iff
  theta > 1/2.
- random: each pull uniform over the arms (regret in closed form: regret.random_regret).

Every policy is `policy(rewards, seed, ...) -> actions` with rewards the tape of
environment.draw_rewards (bandits, pulls, arms) and actions (bandits, pulls) int64. A policy's
own noise comes from the 'policy' stream of the seed (never a global RNG), so a seed fixes
bandits, rewards and decisions alike. Command line: the mean expected regret of every
baseline (and the Bayes-optimal policy for 2 arms) on the same bandits:

    python -m l2l.tasks.bandit.baselines --bandits 1000 --seed 0 [--dependent]
    python -m l2l.tasks.bandit.baselines --bandits 40 --seed 0 --seeds 20   # per-evaluation spread
"""

from __future__ import annotations

import argparse

import numpy as np
from numba import njit

from l2l.tasks.bandit import bayes_optimal, rng
from l2l.tasks.bandit.environment import (
    POLICY_STREAM,
    BanditDistribution,
    check_rewards,
    draw_probabilities,
    draw_rewards,
    stream_rng,
)
from l2l.tasks.bandit.regret import expected_regret, prior_random_regret, random_regret, summarize

_UNTRIED = 2.0  # value of an arm never pulled: above every empirical mean in [0, 1]
# Exploration rate: the best of the grid {0, 0.01, 0.02, 0.05, 0.1, 0.2} on 5000 bandits of
# seed 1 (tuning seed; results are reported on seed 0), for independent and dependent bandits.
EPSILON = 0.05


@njit(cache=True)
def epsilon_greedy_kernel(rewards, epsilon, explore_u, choice_u, actions_out):
    """Epsilon-greedy on every bandit. explore_u, choice_u: (bandits, pulls) U[0, 1) noise."""
    n_bandits, n_pulls, n_arms = rewards.shape
    counts = np.zeros(n_arms)
    sums = np.zeros(n_arms)
    values = np.zeros(n_arms)
    for b in range(n_bandits):
        counts[:] = 0.0
        sums[:] = 0.0
        for t in range(n_pulls):
            u = choice_u[b, t]
            if explore_u[b, t] < epsilon:  # explore with probability epsilon
                a = int(u * n_arms)
            else:  # exploit: argmax_j Q_j, Q_j = S_j / n_j, ties uniform
                best = -1.0
                n_best = 0
                for k in range(n_arms):
                    if counts[k] > 0.0:
                        values[k] = sums[k] / counts[k]
                    else:
                        values[k] = _UNTRIED
                    if values[k] > best:
                        best = values[k]
                        n_best = 1
                    elif values[k] == best:
                        n_best += 1
                j = int(u * n_best)  # the j-th of the tied arms
                a = 0
                for k in range(n_arms):
                    if values[k] == best:
                        if j == 0:
                            a = k
                            break
                        j -= 1
            counts[a] += 1.0
            sums[a] += rewards[b, t, a]
            actions_out[b, t] = a


@njit(cache=True)
def ucb1_kernel(rewards, actions_out):
    """UCB1 on every bandit: a_t = argmax_j xbar_j + sqrt(2 ln n / n_j) after one pull each."""
    n_bandits, n_pulls, n_arms = rewards.shape
    counts = np.zeros(n_arms)
    sums = np.zeros(n_arms)
    for b in range(n_bandits):
        counts[:] = 0.0
        sums[:] = 0.0
        for t in range(n_pulls):
            if t < n_arms:
                a = t  # initialisation: play each machine once
            else:
                a = 0
                best = -np.inf
                log_n = np.log(float(t))  # n = plays so far
                for k in range(n_arms):
                    index = sums[k] / counts[k] + np.sqrt(2.0 * log_n / counts[k])  # UCB1 index
                    if index > best:
                        best = index
                        a = k
            counts[a] += 1.0
            sums[a] += rewards[b, t, a]
            actions_out[b, t] = a


@njit(cache=True)
def thompson_kernel(rewards, seeds, actions_out):
    """Thompson sampling on every bandit; seeds: (bandits,) uint64 initial generator states."""
    n_bandits, n_pulls, n_arms = rewards.shape
    successes = np.zeros(n_arms)
    failures = np.zeros(n_arms)
    for b in range(n_bandits):
        successes[:] = 0.0
        failures[:] = 0.0
        state = seeds[b]
        for t in range(n_pulls):
            a = 0
            best = -1.0
            for k in range(n_arms):
                state, theta = rng.beta(state, successes[k] + 1.0, failures[k] + 1.0)  # theta_k
                if theta > best:  # argmax_k theta_k
                    best = theta
                    a = k
            r = rewards[b, t, a]
            successes[a] += r
            failures[a] += 1 - r
            actions_out[b, t] = a


@njit(cache=True)
def thompson_dependent_kernel(rewards, seeds, actions_out):
    """Thompson sampling under p_2 = 1 - p_1 on every 2-armed bandit; seeds as thompson_kernel."""
    n_bandits, n_pulls, _ = rewards.shape
    for b in range(n_bandits):
        x = 0.0  # evidence for p_1: successes of arm 1 + failures of arm 2
        y = 0.0  # evidence against: failures of arm 1 + successes of arm 2
        state = seeds[b]
        for t in range(n_pulls):
            state, theta = rng.beta(state, x + 1.0, y + 1.0)  # theta ~ posterior of p_1
            a = np.int64(theta <= 0.5)  # arm 1 iff theta > 1/2 = 1 - theta
            r = rewards[b, t, a]
            if a == 0:
                x += r
                y += 1 - r
            else:
                y += r
                x += 1 - r
            actions_out[b, t] = a


def random_policy(rewards: np.ndarray, seed: int) -> np.ndarray:
    """Uniformly random arms (the rewards are ignored)."""
    r = check_rewards(rewards)
    g = stream_rng(seed, "policy", POLICY_STREAM["random"])
    return g.integers(0, r.shape[2], size=r.shape[:2], dtype=np.int64)


def epsilon_greedy(rewards: np.ndarray, seed: int, epsilon: float = EPSILON) -> np.ndarray:
    """Epsilon-greedy actions, shape (bandits, pulls)."""
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon!r}")
    r = check_rewards(rewards)
    g = stream_rng(seed, "policy", POLICY_STREAM["epsilon_greedy"])
    explore_u = g.random(r.shape[:2])
    choice_u = g.random(r.shape[:2])
    actions = np.empty(r.shape[:2], dtype=np.int64)
    epsilon_greedy_kernel(r, float(epsilon), explore_u, choice_u, actions)
    return actions


def ucb1(rewards: np.ndarray, seed: int = 0) -> np.ndarray:
    """UCB1 actions, shape (bandits, pulls); deterministic (the seed is accepted and unused)."""
    r = check_rewards(rewards)
    actions = np.empty(r.shape[:2], dtype=np.int64)
    ucb1_kernel(r, actions)
    return actions


def thompson(rewards: np.ndarray, seed: int) -> np.ndarray:
    """Thompson-sampling actions, shape (bandits, pulls)."""
    r = check_rewards(rewards)
    g = stream_rng(seed, "policy", POLICY_STREAM["thompson"])
    seeds = g.integers(0, 2**63, size=r.shape[0], dtype=np.int64).astype(np.uint64)
    actions = np.empty(r.shape[:2], dtype=np.int64)
    thompson_kernel(r, seeds, actions)
    return actions


def thompson_dependent(rewards: np.ndarray, seed: int) -> np.ndarray:
    """Thompson-sampling actions under the dependent prior p_2 = 1 - p_1 (2 arms only)."""
    r = check_rewards(rewards)
    if r.shape[2] != 2:
        raise ValueError(f"thompson_dependent needs arms=2 (p2 = 1 - p1), got {r.shape[2]} arms")
    g = stream_rng(seed, "policy", POLICY_STREAM["thompson_dependent"])
    seeds = g.integers(0, 2**63, size=r.shape[0], dtype=np.int64).astype(np.uint64)
    actions = np.empty(r.shape[:2], dtype=np.int64)
    thompson_dependent_kernel(r, seeds, actions)
    return actions


BASELINES = {"random": random_policy, "epsilon_greedy": epsilon_greedy, "ucb1": ucb1, "thompson": thompson}


def baseline_table(
    dist: BanditDistribution,
    seed: int,
    epsilon: float = EPSILON,
    policy: bayes_optimal.BayesOptimalPolicy | None = None,
) -> list[tuple[str, float, float]]:
    """(name, mean expected regret, standard error) of every policy on the same bandits.

    policy: the solved Bayes-optimal DP for dist (solved here if None; 2 arms only).
    """
    p = draw_probabilities(dist, seed)
    rewards = draw_rewards(dist, p, seed)
    rows = [("random (closed form on these bandits)", *summarize(random_regret(p, dist.pulls)))]
    rows.append(
        ("random (prior expectation)", prior_random_regret(dist.arms, dist.pulls, dist.dependent), 0.0)
    )
    rows.append(
        (
            f"epsilon-greedy (epsilon={epsilon})",
            *summarize(expected_regret(p, epsilon_greedy(rewards, seed, epsilon))),
        )
    )
    rows.append(("UCB1", *summarize(expected_regret(p, ucb1(rewards, seed)))))
    rows.append(("Thompson sampling", *summarize(expected_regret(p, thompson(rewards, seed)))))
    if dist.dependent:
        actions = thompson_dependent(rewards, seed)
        rows.append(("Thompson sampling, dependent prior", *summarize(expected_regret(p, actions))))
    if dist.arms == 2:
        if policy is None:
            policy = bayes_optimal.solve(dist.pulls, dist.dependent)
        actions = bayes_optimal.act(policy, rewards, seed)
        rows.append(("Bayes-optimal (simulated on these bandits)", *summarize(expected_regret(p, actions))))
        rows.append(("Bayes-optimal (exact prior expectation, DP)", policy.prior_regret, 0.0))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bandits", type=int, default=1000, help="number of bandits (default 1000)")
    parser.add_argument("--pulls", type=int, default=100, help="pulls per episode (default 100)")
    parser.add_argument("--arms", type=int, default=2, help="arms per bandit (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="root seed of bandits, rewards and policies")
    parser.add_argument("--dependent", action="store_true", help="p2 = 1 - p1 (2 arms)")
    parser.add_argument("--epsilon", type=float, default=EPSILON, help="epsilon-greedy exploration rate")
    parser.add_argument(
        "--seeds", type=int, default=1, help="evaluate seeds seed..seed+N-1: mean and std over seeds"
    )
    args = parser.parse_args(argv)
    dist = BanditDistribution(
        arms=args.arms, pulls=args.pulls, bandits=args.bandits, dependent=args.dependent
    )
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1, got {args.seeds}")
    kind = "dependent (p2 = 1 - p1)" if dist.dependent else "independent U[0, 1]"
    print(
        f"{dist.arms}-armed Bernoulli bandits, {kind}, {dist.pulls} pulls, {dist.bandits} bandits, ", end=""
    )
    policy = bayes_optimal.solve(dist.pulls, dist.dependent) if dist.arms == 2 else None
    if args.seeds == 1:
        print(f"seed {args.seed}")
        print(f"{'policy':<46} {'mean expected regret':>20} {'std. error':>11}")
        for name, mean, se in baseline_table(dist, args.seed, args.epsilon, policy):
            print(f"{name:<46} {mean:>20.3f} {se:>11.3f}")
        return
    seeds = range(args.seed, args.seed + args.seeds)
    print(f"seeds {seeds.start}..{seeds.stop - 1}")
    tables = [baseline_table(dist, s, args.epsilon, policy) for s in seeds]
    print(f"{'policy':<46} {'mean over seeds':>16} {'std over seeds':>15}")
    for i, (name, _, _) in enumerate(tables[0]):
        means = np.array([t[i][1] for t in tables])  # each seed's mean expected regret
        print(f"{name:<46} {means.mean():>16.3f} {means.std(ddof=1):>15.3f}")


if __name__ == "__main__":
    main()
