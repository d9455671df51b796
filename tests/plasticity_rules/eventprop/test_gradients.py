"""EventProp gradients against central finite differences and an analytic spike time.

Finite differences are only meaningful where no spike appears or vanishes under the
perturbation; every check asserts that the spike pattern is unchanged.
"""

import numpy as np
import pytest

from plasticity_rules.eventprop.losses import (
    max_voltage_cross_entropy,
    spike_count_regulariser,
    ttfs_cross_entropy,
)
from plasticity_rules.eventprop.model import LIFParams
from plasticity_rules.eventprop.network import (
    Events,
    LayerSpec,
    Weights,
    backward,
    forward,
    init_weights,
    make_events,
    with_model_currents,
)

P = LIFParams(tau_mem_ms=20.0, tau_syn_ms=5.0, threshold=1.0, t_end_ms=60.0)
H = 1e-5
RTOL = 1e-6


def _problem(seed, recurrent=False, readout="ttfs", n_in=4, n_hidden=7, batch=3):
    """A small random network where every sample makes hidden and (TTFS) output spikes."""
    spiking = readout == "ttfs"
    specs = [LayerSpec(n_hidden, recurrent=recurrent, max_spikes_per_neuron=6),
             LayerSpec(3, spiking=spiking, max_spikes_per_neuron=1)]
    for attempt in range(50):
        rng = np.random.default_rng([seed, attempt])
        w = init_weights([n_in, n_hidden, 3], specs, [2.0, 1.5], [1.0, 1.0], rng)
        times = rng.uniform(0, 25, (batch, n_in))
        inp = make_events(np.tile(np.arange(n_in), (batch, 1)), times)
        labels = rng.integers(0, 3, batch)
        recs = forward(P, specs, w, inp)
        out_ok = (recs[1].events.counts > 0).all() or not spiking
        if (recs[0].events.counts >= 4).all() and out_ok:
            return specs, w, inp, labels
    raise AssertionError("no active network found")


def _loss(specs, w, inp, labels, readout, grad=False):
    recs = forward(P, specs, w, inp)
    hid = recs[0].events
    l_reg, d_reg = spike_count_regulariser(hid, specs[0].n_neurons, 1.0, 0.5, P.t_end_ms)
    kicks, d_out = None, None
    if readout == "ttfs":
        loss, d_out, _ = ttfs_cross_entropy(recs[-1].events, 3, labels, 2.0, 6.4, 3e-3,
                                            P.t_end_ms)
    else:
        loss, kicks = max_voltage_cross_entropy(recs[-1], labels)
    pattern = [(r.events.idx.copy(), r.events.counts) for r in recs]
    if not grad:
        return loss + l_reg, pattern
    g, d_in = backward(P, w, inp, [r.events for r in recs], [d_reg, d_out], kicks)
    return loss + l_reg, pattern, g, d_in, recs


def _same_pattern(a, b):
    return all(np.array_equal(x[0], y[0]) for x, y in zip(a, b, strict=True))


def _fd_check(specs, w, inp, labels, readout):
    _, pat, g, d_in, _ = _loss(specs, w, inp, labels, readout, grad=True)
    assert pat[0][1].sum() > 0, "hidden layer must spike for a meaningful check"
    for which in ("w_in", "w_rec"):
        for layer, arr in enumerate(getattr(w, which)):
            if arr is None:
                continue
            fd = np.zeros_like(arr)
            for ij in np.ndindex(arr.shape):
                wp, wm = w.copy(), w.copy()
                getattr(wp, which)[layer][ij] += H
                getattr(wm, which)[layer][ij] -= H
                lp, pp = _loss(specs, wp, inp, labels, readout)
                lm, pm = _loss(specs, wm, inp, labels, readout)
                assert _same_pattern(pp, pat) and _same_pattern(pm, pat)
                fd[ij] = (lp - lm) / (2 * H)
            ga = getattr(g, which)[layer]
            err = np.linalg.norm(fd - ga) / np.linalg.norm(fd)
            assert np.linalg.norm(fd) > 0
            print(f"{which}[{layer}] rel err {err:.2e}")
            assert err <= RTOL, f"{which}[{layer}] relative error {err:.2e}"
    fd = np.zeros(inp.time.shape)
    for ij in np.ndindex(inp.time.shape):
        tp, tm = inp.time.copy(), inp.time.copy()
        tp[ij] += H
        tm[ij] -= H
        lp, pp = _loss(specs, w, Events(inp.idx, tp), labels, readout)
        lm, pm = _loss(specs, w, Events(inp.idx, tm), labels, readout)
        assert _same_pattern(pp, pat) and _same_pattern(pm, pat)
        fd[ij] = (lp - lm) / (2 * H)
    err = np.linalg.norm(fd - d_in) / np.linalg.norm(fd)
    print(f"input times rel err {err:.2e}")
    assert err <= RTOL, f"input times relative error {err:.2e}"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_feedforward_ttfs_gradients_match_finite_differences(seed):
    specs, w, inp, labels = _problem(seed)
    _fd_check(specs, w, inp, labels, "ttfs")


@pytest.mark.parametrize("seed", [3, 4])
def test_recurrent_ttfs_gradients_match_finite_differences(seed):
    specs, w, inp, labels = _problem(seed, recurrent=True)
    _fd_check(specs, w, inp, labels, "ttfs")


@pytest.mark.parametrize("seed", [5, 6])
def test_max_voltage_readout_gradients_match_finite_differences(seed):
    specs, w, inp, labels = _problem(seed, readout="vmax")
    _fd_check(specs, w, inp, labels, "vmax")


def test_single_neuron_first_spike_time_and_its_analytic_derivatives():
    # tau_mem = 2 tau_syn: V(u) = w (x - x^2), x = exp(-u/tau_mem), after one input at t0.
    # First crossing: x* = (1 + sqrt(1 - 4 theta / w)) / 2, t* = t0 - tau_mem ln x*.
    p = LIFParams(tau_mem_ms=10.0, tau_syn_ms=5.0, threshold=1.0, t_end_ms=100.0)
    spec = [LayerSpec(1, max_spikes_per_neuron=1)]
    for w_val, t0 in [(4.5, 3.0), (7.0, 11.0), (4.05, 0.0)]:
        w = Weights([np.array([[w_val]])])
        inp = make_events(np.array([[0]]), np.array([[t0]]))
        rec = forward(p, spec, w, inp)[0]
        sq = np.sqrt(1 - 4 / w_val)
        x = (1 + sq) / 2
        t_star = t0 - 10.0 * np.log(x)
        assert abs(rec.events.time[0, 0] - t_star) < 1e-11
        # d t*/d w = -tau_mem / x * dx/dw,  dx/dw = (1/2) (1/2) (1 - 4/w)^(-1/2) 4 / w^2
        dt_dw = -10.0 / x * (1 / sq) / w_val**2
        g, d_in = backward(p, w, inp, [rec.events], [np.array([[1.0]])])  # L = t*
        assert abs(g.w_in[0][0, 0] - dt_dw) <= 1e-9 * abs(dt_dw)
        assert abs(d_in[0, 0] - 1.0) < 1e-9  # shifting the input shifts the spike


def test_gradients_from_observed_spike_times_equal_those_of_the_simulation():
    specs, w, inp, labels = _problem(8, recurrent=True)
    _, _, g, d_in, recs = _loss(specs, w, inp, labels, "ttfs", grad=True)
    observed = [Events(r.events.idx, r.events.time) for r in recs]  # times only
    rebuilt = with_model_currents(P, w, inp, observed)
    for r, ev in zip(recs, rebuilt, strict=True):
        valid = r.events.idx >= 0
        np.testing.assert_allclose(ev.current[valid], r.events.current[valid], rtol=1e-12)
    _, d_out, _ = ttfs_cross_entropy(recs[-1].events, 3, labels, 2.0, 6.4, 3e-3, P.t_end_ms)
    _, d_reg = spike_count_regulariser(recs[0].events, 7, 1.0, 0.5, P.t_end_ms)
    g2, d_in2 = backward(P, w, inp, rebuilt, [d_reg, d_out])
    for a, b in zip(g.arrays(), g2.arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(d_in, d_in2, rtol=1e-10, atol=1e-14)


def test_grazing_crossing_divisor_is_clamped():
    # a recorded spike whose current is at the threshold (dV/dt = 0) must not blow up
    w = Weights([np.array([[3.0]])])
    inp = make_events(np.array([[0]]), np.array([[1.0]]))
    ev = Events(np.array([[0]], np.int32), np.array([[8.0]]), np.array([[P.threshold]]))
    g, d_in = backward(P, w, inp, [ev], [np.array([[1.0]])])
    assert np.isfinite(g.w_in[0]).all() and np.isfinite(d_in).all()
    assert abs(g.w_in[0][0, 0]) > 0
    assert abs(g.w_in[0][0, 0]) <= 1.1 * P.tau_syn_ms / P.grazing_eps
