"""The Bayes-optimal policy of the finite-horizon 2-armed Bernoulli bandit, by backward induction.

Sources: Bellman (1956), "A problem in the sequential design of experiments", Sankhya 16
(the Bernoulli two-armed bandit as a dynamic program over posterior counts); Gittins (1979),
"Bandit processes and dynamic allocation indices", JRSS B 41 (the Bayesian formulation; for
a finite horizon without discounting the index policy is not optimal, so we solve the DP
itself); Berry & Fristedt (1985), "Bandit problems", ch. 2.

Independent prior p_1, p_2 ~ U[0, 1] = Beta(1, 1). After s_j successes and f_j failures of
arm j its posterior is Beta(s_j + 1, f_j + 1), with mean m_j = (s_j + 1) / (s_j + f_j + 2).
The state is (s_1, f_1, s_2, f_2), n = s_1 + f_1 + s_2 + f_2 pulls made, T - n left:

    V(x) = 0                                                  if n = T           (1)
    Q_1(x) = m_1 (1 + V(x + e_s1)) + (1 - m_1) V(x + e_f1)                       (2)
    V(x) = max_j Q_j(x)                                                          (3)

V(0) is the largest expected total reward any policy can collect. Since E[r_t | history] =
E[p_{a_t} | history], every policy's prior-expected regret is T E[max p] - E[sum r_t], so the
Bayes-optimal policy minimises the prior-expected regret of regret.py: T * 2/3 - V(0). States
with n < T number C(T + 3, 4) (4.4 million for T = 100); we keep two layers of values and one
int8 action per state (0, 1, or 2 = tie within TIE_TOLERANCE, broken by a fair coin).

Dependent prior p_1 ~ U[0, 1], p_2 = 1 - p_1: a success of arm 1 or a failure of arm 2 is
evidence for p_1 like one success, so the posterior is Beta(x + 1, y + 1) with x = s_1 + f_2,
y = f_1 + s_2 and m = (x + 1) / (n + 2); the state is x per layer n ((T + 1) T / 2 states):

    Q_1 = m (1 + V(x + 1, y)) + (1 - m) V(x, y + 1)                               (4)
    Q_2 = (1 - m) (1 + V(x, y + 1)) + m V(x + 1, y)                               (5)

(4) - (5) = 2 m - 1: the greedy policy on the posterior mean is optimal (the DP confirms it);
prior-expected regret T * 3/4 - V(0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from l2l.tasks.bandit.environment import POLICY_STREAM, check_rewards, stream_rng

TIE_TOLERANCE = 1e-9  # |Q_1 - Q_2| below this counts as a tie (rounding is ~1e-13)
MAX_STATES = 10**8  # int8 action table of at most 100 MB
_TIE = 2


@njit(cache=True)
def _offset4(n):
    """Number of states (s1, f1, s2, f2) with fewer than n pulls: C(n + 3, 4)."""
    return n * (n + 1) * (n + 2) * (n + 3) // 24


@njit(cache=True)
def _rank4(s1, f1, s2, f2):
    """Index of (s1, f1, s2, f2) within its layer n = s1 + f1 + s2 + f2, in [0, C(n + 3, 3))."""
    r1 = f1 + s2 + f2
    r2 = s2 + f2
    return r1 * (r1 + 1) * (r1 + 2) // 6 + r2 * (r2 + 1) // 2 + f2  # combinatorial number system


@njit(cache=True)
def independent_dp_kernel(pulls, tolerance, actions_out, value_out):
    """Backward induction (1)-(3) for independent arms; actions_out: (C(pulls + 3, 4),) int8."""
    layer = (pulls + 1) * (pulls + 2) * (pulls + 3) // 6  # largest layer, n = pulls
    v_next = np.zeros(layer)  # V of layer n + 1; layer T is 0 (1)
    v_cur = np.zeros(layer)
    for n in range(pulls - 1, -1, -1):
        base = _offset4(n)
        for s1 in range(n + 1):
            for f1 in range(n + 1 - s1):
                m1 = (s1 + 1.0) / (s1 + f1 + 2.0)  # posterior mean of arm 1
                for s2 in range(n + 1 - s1 - f1):
                    f2 = n - s1 - f1 - s2
                    m2 = (s2 + 1.0) / (s2 + f2 + 2.0)
                    win1 = v_next[_rank4(s1 + 1, f1, s2, f2)]  # V after a success of arm 1
                    lose1 = v_next[_rank4(s1, f1 + 1, s2, f2)]
                    win2 = v_next[_rank4(s1, f1, s2 + 1, f2)]
                    lose2 = v_next[_rank4(s1, f1, s2, f2 + 1)]
                    q1 = m1 * (1.0 + win1) + (1.0 - m1) * lose1  # (2)
                    q2 = m2 * (1.0 + win2) + (1.0 - m2) * lose2
                    i = _rank4(s1, f1, s2, f2)
                    if q1 > q2 + tolerance:
                        v_cur[i] = q1  # (3)
                        actions_out[base + i] = 0
                    elif q2 > q1 + tolerance:
                        v_cur[i] = q2
                        actions_out[base + i] = 1
                    else:
                        v_cur[i] = 0.5 * (q1 + q2)
                        actions_out[base + i] = _TIE
        v_cur, v_next = v_next, v_cur
    value_out[0] = v_next[0]


@njit(cache=True)
def dependent_dp_kernel(pulls, tolerance, actions_out, value_out):
    """Backward induction (4)-(5) for p_2 = 1 - p_1; actions_out: (pulls (pulls + 1) / 2,) int8."""
    v_next = np.zeros(pulls + 1)
    v_cur = np.zeros(pulls + 1)
    for n in range(pulls - 1, -1, -1):
        base = n * (n + 1) // 2
        for x in range(n + 1):
            m = (x + 1.0) / (n + 2.0)  # posterior mean of p_1
            q1 = m * (1.0 + v_next[x + 1]) + (1.0 - m) * v_next[x]  # (4)
            q2 = (1.0 - m) * (1.0 + v_next[x]) + m * v_next[x + 1]  # (5)
            if q1 > q2 + tolerance:
                v_cur[x] = q1
                actions_out[base + x] = 0
            elif q2 > q1 + tolerance:
                v_cur[x] = q2
                actions_out[base + x] = 1
            else:
                v_cur[x] = 0.5 * (q1 + q2)
                actions_out[base + x] = _TIE
        v_cur, v_next = v_next, v_cur
    value_out[0] = v_next[0]


@njit(cache=True)
def act_kernel(table, dependent, rewards, tie_u, actions_out):
    """Follow the policy table on every bandit of the reward tape; ties: arm 2 if tie_u >= 1/2."""
    n_bandits, n_pulls, _ = rewards.shape
    for b in range(n_bandits):
        s1 = 0
        f1 = 0
        s2 = 0
        f2 = 0
        for t in range(n_pulls):
            if dependent:
                code = table[t * (t + 1) // 2 + s1 + f2]  # x = s1 + f2
            else:
                code = table[_offset4(t) + _rank4(s1, f1, s2, f2)]
            a = np.int64(code)
            if code == _TIE:
                a = np.int64(tie_u[b, t] >= 0.5)
            r = rewards[b, t, a]
            if a == 0:
                s1 += r
                f1 += 1 - r
            else:
                s2 += r
                f2 += 1 - r
            actions_out[b, t] = a


@dataclass(frozen=True, eq=False)
class BayesOptimalPolicy:
    """The solved DP: one int8 action per state (0, 1, 2 = tie) and the optimal value V(0)."""

    pulls: int
    dependent: bool
    table: np.ndarray
    value: float  # max expected total reward over the prior, V(0)

    @property
    def prior_regret(self) -> float:
        """Exact prior-expected regret: T E[max p] - V(0); E[max p] = 2/3 (independent), 3/4."""
        best = 0.75 if self.dependent else 2.0 / 3.0
        return self.pulls * best - self.value


def n_states(pulls: int, dependent: bool = False) -> int:
    """Number of decision states (n < T): C(T + 3, 4) independent, T (T + 1) / 2 dependent."""
    if dependent:
        return pulls * (pulls + 1) // 2
    return pulls * (pulls + 1) * (pulls + 2) * (pulls + 3) // 24


def solve(pulls: int, dependent: bool = False) -> BayesOptimalPolicy:
    """Solve the 2-armed finite-horizon DP for `pulls` pulls (uniform or dependent prior)."""
    if isinstance(pulls, bool) or not isinstance(pulls, int | np.integer) or pulls < 1:
        raise ValueError(f"pulls must be an integer >= 1, got {pulls!r}")
    size = n_states(int(pulls), dependent)
    if size > MAX_STATES:
        longest = max(t for t in range(1, int(pulls)) if n_states(t, dependent) <= MAX_STATES)
        raise ValueError(
            f"pulls={pulls} needs {size} DP states, more than MAX_STATES={MAX_STATES}; "
            f"allowed: pulls <= {longest} for {'dependent' if dependent else 'independent'} 2-armed bandits"
        )
    table = np.empty(size, dtype=np.int8)
    value = np.zeros(1)
    kernel = dependent_dp_kernel if dependent else independent_dp_kernel
    kernel(int(pulls), TIE_TOLERANCE, table, value)
    return BayesOptimalPolicy(int(pulls), bool(dependent), table, float(value[0]))


def act(policy: BayesOptimalPolicy, rewards: np.ndarray, seed: int) -> np.ndarray:
    """Actions (bandits, pulls) of the Bayes-optimal policy on a 2-armed reward tape."""
    r = check_rewards(rewards)
    if r.shape[2] != 2 or r.shape[1] != policy.pulls:
        raise ValueError(
            f"rewards must have shape (bandits, pulls={policy.pulls}, arms=2) for this policy, got {r.shape}"
        )
    tie_u = stream_rng(seed, "policy", POLICY_STREAM["bayes_optimal"]).random(r.shape[:2])
    actions = np.empty(r.shape[:2], dtype=np.int64)
    act_kernel(policy.table, policy.dependent, r, tie_u, actions)
    return actions
