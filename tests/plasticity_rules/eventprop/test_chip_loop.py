"""Chip in the loop: the weight mapping onto the emulated chip, and gradients estimated
from spike times observed on it (an ideal chip must agree with the model)."""

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("chip_emulator.run")

from chip_emulator.chip import make_chip  # noqa: E402
from plasticity_rules.datasets.yinyang import encode_yinyang, yinyang  # noqa: E402
from plasticity_rules.eventprop.chip_loop import (  # noqa: E402
    ChipLoopConfig,
    ChipNetwork,
    chip_forward,
    chip_weights,
)
from plasticity_rules.eventprop.losses import ttfs_cross_entropy  # noqa: E402
from plasticity_rules.eventprop.network import (  # noqa: E402
    LayerSpec,
    backward,
    first_spikes,
    forward,
    init_weights,
    make_events,
    with_model_currents,
)

CFG = ChipLoopConfig(n_hidden=30, dt_us=0.01, mode="ideal")
B = 8


@pytest.fixture(scope="module")
def setup():
    net = ChipNetwork.build(CFG)
    specs = [LayerSpec(CFG.n_hidden), LayerSpec(3, max_spikes_per_neuron=1)]
    shadow = init_weights([5, CFG.n_hidden, 3], specs, [2.0, 0.6], [1.0, 0.5],
                          np.random.default_rng(0))
    x, y = yinyang(B, 5)
    inp = make_events(*encode_yinyang(x, CFG.t_max_ms))
    return net, specs, shadow, inp, y


def test_quantised_weights_are_what_the_model_sees(setup):
    net, _, shadow, _, _ = setup
    q, sign, eff = chip_weights(net, shadow, CFG.scale)
    assert q.max() <= 63 and q.dtype == np.uint8
    w_o = eff.w_in[1]
    # sign per row: every hidden neuron's outgoing weights share the row's sign
    assert np.all(w_o * sign[None, :] >= 0)
    np.testing.assert_allclose(eff.w_in[0], shadow.w_in[0], atol=CFG.scale / 2 + 1e-12)
    rows = net.first_hidden_row + np.arange(net.n_hidden)
    np.testing.assert_allclose(q[rows, net.n_hidden:].T * sign[None, :] * CFG.scale, w_o)


@pytest.mark.slow
def test_ideal_chip_reproduces_the_model_and_its_gradient(setup):
    net, specs, shadow, inp, y = setup
    q, sign, eff = chip_weights(net, shadow, CFG.scale)
    chip = make_chip(net.spec, seeds=(1,) * B, neuron=net.neuron, mode="ideal")
    ins, (hid, out) = chip_forward(net, chip, q, sign, inp, np.arange(B), CFG.t_end_ms)
    params = replace(CFG, grazing_eps=1e-3).lif()
    recs = forward(params, specs, eff, ins)
    model_hid = recs[0].events
    assert hid.counts.sum() > 0
    # the chip integrates in float32 and has a refractory time (>= 0.04 us, calibrated
    # range): compare the first spike of each neuron, which lands on the step after the
    # model's crossing, later by less than one step (plus float32 integration error)
    t_chip, _ = first_spikes(hid, CFG.n_hidden)
    t_model, _ = first_spikes(model_hid, CFG.n_hidden)
    both = np.isfinite(t_chip) & np.isfinite(t_model)
    assert both.sum() >= 0.95 * np.isfinite(t_model).sum()
    lag = t_chip[both] - t_model[both]
    assert np.all(lag > -1e-3), lag.min()
    assert np.mean(lag <= CFG.dt_us + 1e-3) >= 0.95  # near-grazing crossings shift more
    assert np.all(lag < 0.2), lag.max()
    # gradient from observed spike times alone vs the model's exact gradient
    _, d_chip, _ = ttfs_cross_entropy(out, 3, y, 0.5, 6.4, 3e-3, CFG.t_end_ms)
    g_chip, _ = backward(params, eff, ins, with_model_currents(params, eff, ins, [hid, out]),
                         [None, d_chip])
    _, d_mod, _ = ttfs_cross_entropy(recs[1].events, 3, y, 0.5, 6.4, 3e-3, CFG.t_end_ms)
    g_mod, _ = backward(params, eff, ins, [r.events for r in recs], [None, d_mod])
    for a, b in zip(g_chip.w_in, g_mod.w_in, strict=True):
        cos = (a * b).sum() / (np.linalg.norm(a) * np.linalg.norm(b))
        assert cos > 0.95, cos


def test_fixed_row_signs_are_respected(setup):
    net, _, shadow, _, _ = setup
    row_sign = np.where(np.arange(net.n_hidden) % 2 == 0, 1.0, -1.0)
    q, sign, eff = chip_weights(net, shadow, CFG.scale, row_sign)
    np.testing.assert_array_equal(sign, row_sign)
    assert np.all(eff.w_in[1] * row_sign[None, :] >= 0)
    rows = net.first_hidden_row + np.arange(net.n_hidden)
    wrong = shadow.w_in[1] * row_sign[None, :] < 0
    assert np.all(q[rows, net.n_hidden:].T[wrong] == 0)  # wrong-sign synapses are off
