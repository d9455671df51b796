"""Fitness shaping functions and the closed-form updates they feed."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from l2l.seeding import strategy_rng
from l2l.strategies import optimizers, shaping
from l2l.strategies.shaping import SHAPINGS, shape
from l2l.strategies.snes import SNES, SNESParams
from l2l.strategies.xnes import XNES, XNESParams, expm_sym

losses_st = hnp.arrays(np.float64, st.integers(2, 30), elements=st.floats(-1e6, 1e6))


@settings(max_examples=60, deadline=None)
@given(losses=losses_st, name=st.sampled_from(SHAPINGS))
def test_utilities_sum_to_zero_and_never_prefer_a_worse_loss(losses, name):
    u = shape(name, losses)
    assert u.shape == losses.shape and np.all(np.isfinite(u))
    assert abs(u.sum()) < 1e-9 * max(1.0, np.abs(u).max()) * len(u)
    order = np.argsort(losses)
    assert np.all(np.diff(u[order]) <= 1e-12)  # lower loss -> utility at least as high


@settings(max_examples=60, deadline=None)
@given(losses=losses_st, name=st.sampled_from(["centered_ranks", "cma_weights", "nes"]))
def test_rank_based_utilities_give_equal_losses_equal_utilities(losses, name):
    tied = np.round(losses / 1e5)  # many ties
    u = shape(name, tied)
    for v in np.unique(tied):
        assert np.ptp(u[tied == v]) == 0.0


def test_known_values():
    np.testing.assert_allclose(shaping.centered_ranks(np.array([3.0, 1.0, 2.0])), [-0.5, 0.5, 0.0])
    w = shaping.cma_weights(np.array([0.0, 1.0, 2.0, 3.0])) + 0.25
    raw = np.log(2.5) - np.log([1, 2])  # Hansen 2016 eq. 49, mu = 2
    np.testing.assert_allclose(w, [*(raw / raw.sum()), 0, 0])
    with pytest.raises(ValueError, match="fitness shaping must be one of"):
        shape("ranks", np.zeros(3))


def test_snes_update_equals_the_closed_form_of_schaul_2011():
    s = SNES(SNESParams(popsize=6))
    st0 = s.init(np.full(4, 0.5), strategy_rng(3))
    x, st1 = s.ask(st0)
    losses = np.sum((x - 0.2) ** 2, axis=1)
    st2, _ = s.tell(st1, x, losses)
    u = shaping.nes_utilities(losses)
    eta_s = (3 + np.log(4)) / (5 * np.sqrt(4))
    np.testing.assert_allclose(st2.mean, 0.5 + 0.2 * (u @ st1.z))
    np.testing.assert_allclose(st2.sigma, 0.2 * np.exp(eta_s / 2 * (u @ (st1.z**2 - 1))))


def test_xnes_update_equals_the_closed_form_of_glasmachers_2010():
    s = XNES(XNESParams(popsize=8))
    st0 = s.init(np.full(3, 0.5), strategy_rng(4))
    x, st1 = s.ask(st0)
    losses = np.sum((x - 0.3) ** 2, axis=1)
    st2, _ = s.tell(st1, x, losses)
    u, z, d = shaping.nes_utilities(losses), st1.z, 3
    gm = sum(ui * (np.outer(zi, zi) - np.eye(d)) for ui, zi in zip(u, z, strict=True))
    eta = 3 * (3 + np.log(d)) / (5 * d * np.sqrt(d))
    gs = np.trace(gm) / d
    np.testing.assert_allclose(st2.mean, 0.5 + 0.2 * (u @ z))
    np.testing.assert_allclose(st2.sigma, 0.2 * np.exp(eta / 2 * gs))
    w, v = np.linalg.eigh(eta / 2 * (gm - gs * np.eye(d)))
    np.testing.assert_allclose(st2.b, v @ np.diag(np.exp(w)) @ v.T, atol=1e-14)
    assert abs(np.linalg.det(st2.b) - 1.0) < 1e-12  # det B stays 1


def test_expm_sym_matches_the_power_series():
    a = np.array([[0.1, 0.3], [0.3, -0.2]])
    series = sum(np.linalg.matrix_power(a, k) / math.factorial(k) for k in range(20))
    np.testing.assert_allclose(expm_sym(a), series, atol=1e-14)


def test_adam_first_step_is_lr_times_sign_and_clipup_respects_max_speed():
    g = np.array([3.0, -0.5, 0.0])
    d, _ = optimizers.step("adam", g, optimizers.init_state(3), lr=0.1)
    np.testing.assert_allclose(d, [0.1, -0.1, 0.0], atol=1e-7)  # Kingma & Ba: |step| ~ lr at t = 1
    state = optimizers.init_state(3)
    for _ in range(50):
        d, state = optimizers.step("clipup", g, state, lr=0.1, beta1=0.9, max_speed=0.15)
        assert np.linalg.norm(d) <= 0.15 + 1e-12
    np.testing.assert_allclose(d / np.linalg.norm(d), g / np.linalg.norm(g))
