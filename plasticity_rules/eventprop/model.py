"""Current-based LIF neuron: parameters and closed-form dynamics between events.

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.

Model [LIF] (W&P 2021, neuron model), for every neuron n, between events::

    tau_mem dV/dt = -V + I              (membrane, leak and reset potential 0)
    tau_syn dI/dt = -I                  (synaptic current)

    V_n(t_k) = threshold  ->  spike of n at t_k, V_n <- 0            (reset)
    a spike of source s adds W[:, s] to the currents of its targets   (I_j += W[j, s])

Closed form over an interval of length u (tau_mem != tau_syn, k = tau_syn/(tau_mem-tau_syn))::

    I(u) = I0 exp(-u/tau_syn)
    V(u) = V0 exp(-u/tau_mem) + k I0 (exp(-u/tau_mem) - exp(-u/tau_syn))

and for tau_mem == tau_syn == tau: V(u) = (V0 + I0 u / tau) exp(-u / tau).

Adjoint [ADJ] (W&P 2021, adjoint dynamics; forward-time derivatives, no voltage loss)::

    tau_mem d(lambda_V)/dt = lambda_V
    tau_syn d(lambda_I)/dt = lambda_I - lambda_V

solved backward over an interval of length u (c = tau_mem/(tau_mem-tau_syn))::

    lambda_V(t-u) = lambda_V(t) exp(-u/tau_mem)
    lambda_I(t-u) = lambda_I(t) exp(-u/tau_syn) + c lambda_V(t) (exp(-u/tau_mem) - exp(-u/tau_syn))

Tags used beside the code lines: [LIF] the neuron model, [ADJ] the adjoint dynamics,
[JUMP] the jump of lambda_V at a spike, [GRAD] dL/dW = -tau_syn sum_k lambda_I(t_k) (see
``adjoint``); equation numbers are not cited because they differ between the preprint and
the published version.

All times are biological milliseconds (``_ms``); weights and potentials are in units of
the threshold scale the user picks (default threshold 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = [
    "LIFParams",
    "free_state",
    "free_adjoint",
    "first_crossing",
    "max_voltage_in_interval",
]

_EQUAL_TAU_RTOL = 1e-9
_ROOT_MAX_ITER = 100


@dataclass(frozen=True)
class LIFParams:
    """Hyperparameters of a current-based LIF network (shared by all layers).

    tau_mem_ms, tau_syn_ms: membrane and synaptic time constants (ms).
    threshold: firing threshold (leak and reset potential are 0).
    t_end_ms: end of the simulated window; no event after it is generated or used.
    grazing_eps: lower clamp for the divisor I(t_k) - threshold of the adjoint jump
        (the membrane slope times tau_mem at a crossing; near 0 for grazing crossings).
    """

    tau_mem_ms: float = 20.0
    tau_syn_ms: float = 5.0
    threshold: float = 1.0
    t_end_ms: float = 60.0
    grazing_eps: float = 1e-3

    def __post_init__(self) -> None:
        for name in ("tau_mem_ms", "tau_syn_ms", "threshold", "t_end_ms", "grazing_eps"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"LIFParams.{name} must be finite and > 0, got {value!r}")

    def as_array(self) -> np.ndarray:
        """Pack into the float64 array the numba kernels take: [tm, ts, theta, t_end, eps]."""
        return np.array(
            [self.tau_mem_ms, self.tau_syn_ms, self.threshold, self.t_end_ms, self.grazing_eps],
            dtype=np.float64,
        )


@njit(cache=True)
def free_state(v0, i0, u, tm, ts):
    """(V, I) after free evolution for a time u >= 0 from (v0, i0) (closed form of [LIF])."""
    em = np.exp(-u / tm)
    es = np.exp(-u / ts)
    if abs(tm - ts) <= _EQUAL_TAU_RTOL * tm:
        return (v0 + i0 * u / tm) * em, i0 * es
    k = ts / (tm - ts)
    return v0 * em + k * i0 * (em - es), i0 * es


@njit(cache=True)
def free_adjoint(lv, li, u, tm, ts):
    """(lambda_V, lambda_I) a time u >= 0 earlier, solving [ADJ] backward."""
    em = np.exp(-u / tm)
    es = np.exp(-u / ts)
    if abs(tm - ts) <= _EQUAL_TAU_RTOL * tm:
        return lv * em, li * es + lv * (u / tm) * em
    c = tm / (tm - ts)
    return lv * em, li * es + c * lv * (em - es)


@njit(cache=True)
def _extremum(v0, i0, tm, ts):
    """Time u* > 0 where dV/du = 0 under free evolution, or -1 if there is none.

    dV/du = (I - V) / tau_mem vanishes at most once (V is a sum of two exponentials).
    """
    if abs(tm - ts) <= _EQUAL_TAU_RTOL * tm:
        # V = (v0 + i0 u/tau) e^{-u/tau}: dV/du = 0 at u = tau (i0 - v0) / i0
        if i0 == 0.0:
            return -1.0
        u = tm * (i0 - v0) / i0
        return u if u > 0.0 else -1.0
    k = ts / (tm - ts)
    a = v0 + k * i0  # coefficient of exp(-u/tm)
    b = -k * i0  # coefficient of exp(-u/ts)
    # a/tm e^{-u/tm} + b/ts e^{-u/ts} = 0  <=>  e^{u (1/ts - 1/tm)} = -b tm / (a ts)
    if a == 0.0:
        return -1.0
    r = -b * tm / (a * ts)
    if r <= 0.0:
        return -1.0
    u = np.log(r) / (1.0 / ts - 1.0 / tm)
    return u if u > 0.0 else -1.0


@njit(cache=True)
def first_crossing(v0, i0, horizon, theta, tm, ts):
    """Time u in [0, horizon] of the FIRST upward threshold crossing, or -1 if none.

    A start at or above threshold (a crossing lost to rounding at an event) gives u = 0.
    Between events V has at most one extremum u*, so the first
    crossing is bracketed in an interval on which V rises: [0, u*] if u* is a maximum,
    [u*, horizon] if u* is a minimum, or [0, horizon] if V is monotone. The root is then
    refined by Newton's method safeguarded by bisection to full float64 precision.
    """
    if v0 >= theta:
        return 0.0
    if horizon <= 0.0:
        return -1.0
    us = _extremum(v0, i0, tm, ts)
    has_ext = us > 0.0 and us < horizon
    rising = i0 > v0  # tau_mem dV/du at u = 0
    if rising:
        lo = 0.0
        hi = us if has_ext else horizon
    else:
        if not has_ext:
            return -1.0
        lo = us
        hi = horizon
    vhi, _ = free_state(v0, i0, hi, tm, ts)
    if vhi < theta:
        return -1.0
    vlo, _ = free_state(v0, i0, lo, tm, ts)
    if vlo >= theta:  # only possible through rounding at a minimum; take the bracket edge
        return lo if lo > 0.0 else -1.0
    # safeguarded Newton on f(u) = V(u) - theta, f' = (I - V)/tau_mem > 0 on [lo, hi],
    # started from the secant of the bracket. Newton converges quadratically: once a step
    # is below 1e-9 (relative), the next iterate is exact to float64 precision.
    x = lo + (theta - vlo) / (vhi - vlo) * (hi - lo)
    if not (x > lo and x < hi):
        x = 0.5 * (lo + hi)
    for _ in range(_ROOT_MAX_ITER):
        v, i = free_state(v0, i0, x, tm, ts)
        f = v - theta
        if f == 0.0:
            return x
        if f > 0.0:
            hi = x
        else:
            lo = x
        df = (i - v) / tm
        x_new = x - f / df if df > 0.0 else 0.5 * (lo + hi)
        if not (x_new > lo and x_new < hi):
            x_new = 0.5 * (lo + hi)
        if abs(x_new - x) <= 1e-9 * max(x, 1.0):
            if abs(x_new - x) <= 4e-16 * max(x, 1.0):
                return x_new
            # one more Newton step from x_new is accurate to rounding: take it, safeguarded
            v, i = free_state(v0, i0, x_new, tm, ts)
            df = (i - v) / tm
            if df > 0.0:
                x_fin = x_new - (v - theta) / df
                if abs(x_fin - x_new) <= abs(x_new - x):
                    return x_fin
            return x_new
        if hi - lo <= 4e-16 * max(hi, 1.0):
            return x_new
        x = x_new
    return x


@njit(cache=True)
def max_voltage_in_interval(v0, i0, horizon, tm, ts):
    """(u, V(u)): the maximum of V over [0, horizon] under free evolution."""
    best_u = 0.0
    best_v = v0
    v_end, _ = free_state(v0, i0, horizon, tm, ts)
    if v_end > best_v:
        best_u = horizon
        best_v = v_end
    us = _extremum(v0, i0, tm, ts)
    if us > 0.0 and us < horizon:
        vs, _ = free_state(v0, i0, us, tm, ts)
        if vs > best_v:
            best_u = us
            best_v = vs
    return best_u, best_v
