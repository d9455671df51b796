"""Closed-form LIF dynamics, adjoint dynamics and first-crossing search (model.py)."""

import numpy as np
import pytest

from plasticity_rules.eventprop.model import (
    LIFParams,
    first_crossing,
    free_adjoint,
    free_state,
    max_voltage_in_interval,
)

TM, TS = 20.0, 5.0


def _rk4(v, i, u, tm, ts, n=20000):
    """Reference: RK4 integration of tau_mem V' = -V + I, tau_syn I' = -I."""
    h = u / n
    y = np.array([v, i], dtype=float)

    def f(y):
        return np.array([(-y[0] + y[1]) / tm, -y[1] / ts])

    for _ in range(n):
        k1 = f(y)
        k2 = f(y + h / 2 * k1)
        k3 = f(y + h / 2 * k2)
        k4 = f(y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


@pytest.mark.parametrize("tm,ts", [(20.0, 5.0), (5.0, 20.0), (10.0, 10.0)])
def test_free_state_matches_ode_integration(tm, ts):
    rng = np.random.default_rng(0)
    for _ in range(3):
        v0, i0, u = rng.normal(0, 1), rng.normal(0, 2), rng.uniform(0.5, 30)
        v, i = free_state(v0, i0, u, tm, ts)
        ref = _rk4(v0, i0, u, tm, ts)
        assert abs(v - ref[0]) < 1e-10 and abs(i - ref[1]) < 1e-10


def test_single_input_psp_has_closed_form_peak():
    # V(u) = w k (exp(-u/tm) - exp(-u/ts)), peak at u* = ln(tm/ts) tm ts / (tm - ts)
    w = 1.7
    u_star = np.log(TM / TS) * TM * TS / (TM - TS)
    k = TS / (TM - TS)
    v_star = w * k * (np.exp(-u_star / TM) - np.exp(-u_star / TS))
    u, vm = max_voltage_in_interval(0.0, w, 100.0, TM, TS)
    assert abs(u - u_star) < 1e-12 and abs(vm - v_star) < 1e-14


def test_adjoint_solution_satisfies_adjoint_ode():
    # backward in time: d(lambda_V)/du = -lambda_V/tm, d(lambda_I)/du = -(lambda_I - lambda_V)/ts
    lv0, li0, u, h = 0.7, -0.3, 4.0, 1e-5
    lv_p, li_p = free_adjoint(lv0, li0, u + h, TM, TS)
    lv_m, li_m = free_adjoint(lv0, li0, u - h, TM, TS)
    lv, li = free_adjoint(lv0, li0, u, TM, TS)
    assert abs((lv_p - lv_m) / (2 * h) + lv / TM) < 1e-9
    assert abs((li_p - li_m) / (2 * h) + (li - lv) / TS) < 1e-9


def test_equal_time_constants_are_the_limit_of_unequal_ones():
    v_eq, _ = free_state(0.2, 1.3, 7.0, 10.0, 10.0)
    v_near, _ = free_state(0.2, 1.3, 7.0, 10.0, 10.0 * (1 + 1e-6))
    assert abs(v_eq - v_near) < 1e-5
    lv_eq, li_eq = free_adjoint(0.4, 0.1, 7.0, 10.0, 10.0)
    lv_near, li_near = free_adjoint(0.4, 0.1, 7.0, 10.0, 10.0 * (1 + 1e-6))
    assert abs(li_eq - li_near) < 1e-5


def test_first_crossing_is_at_threshold_and_the_first_one():
    rng = np.random.default_rng(1)
    found = 0
    for _ in range(200):
        v0, i0 = rng.uniform(-0.5, 0.9), rng.uniform(-1, 8)
        u = first_crossing(v0, i0, 50.0, 1.0, TM, TS)
        grid = np.linspace(0, 50.0, 20001)
        vs = np.array([free_state(v0, i0, g, TM, TS)[0] for g in grid])
        above = np.nonzero(vs >= 1.0)[0]
        if u < 0:
            assert above.size == 0
            continue
        found += 1
        assert abs(free_state(v0, i0, u, TM, TS)[0] - 1.0) < 1e-12
        assert above.size and abs(grid[above[0]] - u) <= grid[1] + 1e-12
    assert found > 20


def test_first_crossing_resolves_grazing_and_misses_near_misses():
    u_star = np.log(TM / TS) * TM * TS / (TM - TS)
    k = TS / (TM - TS)
    i0 = 1.0 / (k * (np.exp(-u_star / TM) - np.exp(-u_star / TS)))  # PSP peak = threshold
    u = first_crossing(0.0, i0 * (1 + 1e-9), 60.0, 1.0, TM, TS)
    assert 0 < u <= u_star + 1e-9
    assert first_crossing(0.0, i0 * (1 - 1e-6), 60.0, 1.0, TM, TS) == -1.0


def test_params_reject_bad_values():
    with pytest.raises(ValueError, match="tau_syn_ms"):
        LIFParams(tau_syn_ms=0.0)
    assert LIFParams().as_array().shape == (5,)
