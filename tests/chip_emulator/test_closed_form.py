"""Closed-form checks in ideal mode (no mismatch, no noise): membrane relaxation, PSP
shape, first spike time, refractory time, correlation of one pre-post pair."""

import numpy as np
import pytest

from chip_emulator.chip import make_chip
from chip_emulator.network import Inputs, event_label, make_wiring
from chip_emulator.params import ChipSpec, NeuronParams
from chip_emulator.ppu_port import get_acausal, get_causal
from chip_emulator.run import Record, run
from chip_emulator.state import init_state

DT = 0.1


def one_neuron(batch=1, weights=0, **neuron):
    spec = ChipSpec(n_hemispheres=1, n_rows=4, n_neurons=1, dt_us=DT)
    chip = make_chip(spec, seeds=list(range(batch)), mode="ideal", neuron=NeuronParams(**neuron))
    return spec, chip, init_state(chip, list(range(batch)), weights=weights, labels=0)


@pytest.mark.parametrize("tau_mem", [10.0, 1.7])
def test_membrane_relaxes_to_leak(tau_mem):
    spec, chip, st = one_neuron(tau_mem_us=tau_mem)
    st.port[9][...] = 120.0
    _, rec = run(chip, st, 30.0, record=Record(trace_neurons=(0,)))
    expect = 80.0 + 40.0 * np.exp(-rec.trace_t_us / tau_mem)
    np.testing.assert_allclose(rec.trace[0, 0, 0], expect, rtol=2e-6)


@pytest.mark.parametrize("tau_syn, sign", [(4.0, 1), (4.0, -1), (10.0, 1)])
def test_psp_shape(tau_syn, sign):
    tau_m, w, g, t0 = 10.0, 40, 0.5, 1.0
    spec, chip, st = one_neuron(weights=w, tau_syn_exc_us=tau_syn, tau_syn_inh_us=tau_syn,
                                synapse_gain_lsb=g)
    wiring = make_wiring(spec, row_sign=sign)
    ev = (np.array([0]), np.array([0]), np.array([t0]), np.array([event_label(0, 0)]))
    _, rec = run(chip, st, 40.0, wiring, Inputs(events=ev), record=Record(trace_neurons=(0,)))
    s = rec.trace_t_us - t0
    J = w * g
    if tau_syn == tau_m:
        psp = J * (s / tau_m) * np.exp(-s / tau_m)
    else:
        psp = J * tau_syn / (tau_syn - tau_m) * (np.exp(-s / tau_syn) - np.exp(-s / tau_m))
    psp = np.where(s > 0, psp, 0.0)
    np.testing.assert_allclose(rec.trace[0, 0, 0] - 80.0, sign * psp, atol=2e-5 * J)
    assert abs(rec.trace[0, 0, 0] - 80.0).max() > 0.2 * J  # a real PSP was tested


@pytest.mark.parametrize("i_off, tau_mem", [(60.0, 10.0), (100.0, 3.0)])
def test_first_spike_time_under_constant_input(i_off, tau_mem):
    spec, chip, st = one_neuron(i_offset_lsb=i_off, tau_mem_us=tau_mem)
    _, rec = run(chip, st, 40.0)
    t, n = rec.spikes(0, 0)
    t_star = -tau_mem * np.log(1.0 - (125.0 - 80.0) / i_off)
    assert t_star <= t[0] <= t_star + DT + 1e-9  # detected at the end of its step


@pytest.mark.parametrize("tau_ref", [2.0, 5.0])
def test_refractory_time(tau_ref):
    i_off, tau_m = 60.0, 10.0
    spec, chip, st = one_neuron(i_offset_lsb=i_off, tau_mem_us=tau_m, tau_ref_us=tau_ref)
    _, rec = run(chip, st, 80.0, record=Record(trace_neurons=(0,)))
    t, _ = rec.spikes(0, 0)
    v_inf = 80.0 + i_off
    climb = tau_m * np.log((v_inf - 70.0) / (v_inf - 125.0))  # from reset to threshold
    isi = np.diff(t)
    assert len(isi) >= 2
    assert np.all(isi >= tau_ref + climb - 1e-9) and np.all(isi <= tau_ref + climb + DT + 1e-9)
    # clamped at reset during the refractory period
    held = (rec.trace_t_us > t[0] + 1e-9) & (rec.trace_t_us <= t[0] + tau_ref + 1e-9)
    np.testing.assert_array_equal(rec.trace[0, 0, 0, held], 70.0)


def _post_time():
    spec, chip, st = one_neuron(i_offset_lsb=60.0)
    _, rec = run(chip, st, 20.0)
    return rec.spikes(0, 0)[0][0]


def test_causal_pair_follows_exponential_window():
    t_post = _post_time()
    lags = np.array([0.3, 1.0, 2.0, 5.0, 10.0])
    spec, chip, st = one_neuron(batch=lags.size, i_offset_lsb=60.0)
    ev = (np.arange(lags.size), np.zeros(lags.size, int), t_post - lags,
          np.full(lags.size, event_label(0, 0)))
    st2, rec = run(chip, st, t_post + 0.05, inputs=Inputs(events=ev))
    assert (rec.spike_count == 1).all()
    t_pre = np.floor((t_post - lags) / DT + 1e-9) * DT  # events start at their step
    expect = 0.5 * np.exp(-(t_post - t_pre) / 5.0)
    np.testing.assert_allclose(st2.port[3][:, 0, 0, 0], expect, rtol=1e-5)
    assert (st2.port[3][:, 0, 0, 1:] == 0).all() and (st2.port[4] == 0).all()
    out = np.zeros(1, np.uint8)
    get_causal(st2.port, 0, 0, 0, 0, out)
    assert out[0] == np.floor(135.0 - expect[0] + 0.5)


def test_anticausal_pair_and_nearest_neighbour():
    t_post = _post_time()
    lags = np.array([0.5, 2.0, 6.0])
    spec, chip, st = one_neuron(batch=lags.size, i_offset_lsb=60.0)
    # anti-causal: pre after post; plus a second, earlier pre before the post that must
    # not pair once a later one exists (nearest neighbour)
    B = lags.size
    ev = (np.r_[np.arange(B), np.arange(B), np.arange(B)], np.zeros(3 * B, int),
          np.r_[t_post + lags, np.full(B, t_post - 4.0), np.full(B, t_post - 1.0)],
          np.full(3 * B, event_label(0, 0)))
    st2, rec = run(chip, st, t_post + 7.0, inputs=Inputs(events=ev))
    assert (rec.spike_count == 1).all()
    t_pre = np.floor((t_post + lags) / DT + 1e-9) * DT
    np.testing.assert_allclose(st2.port[4][:, 0, 0, 0], 0.5 * np.exp(-(t_pre - t_post) / 5.0),
                               rtol=1e-5)
    t_last = np.floor((t_post - 1.0) / DT + 1e-9) * DT
    np.testing.assert_allclose(st2.port[3][:, 0, 0, 0], 0.5 * np.exp(-(t_post - t_last) / 5.0),
                               rtol=1e-5)
    out = np.zeros(1, np.uint8)
    get_acausal(st2.port, 0, 0, 0, 0, out)
    assert out[0] == np.floor(135.0 - st2.port[4][0, 0, 0, 0] + 0.5)


def test_traces_older_than_40_time_constants_are_dropped():
    # kernel_synapses.rebase: a pre trace over 40 tau old is set to 0 (it would pair for
    # at most exp(-40) eta) instead of decaying into denormal numbers, which are slow
    from chip_emulator.kernel_util import TRACE_FLOOR

    t_pre = np.array([5.0, 15.0, 25.0])
    spec, chip, st = one_neuron(batch=t_pre.size)
    ev = (np.arange(t_pre.size), np.zeros(t_pre.size, int), t_pre,
          np.full(t_pre.size, event_label(0, 0)))
    # the time base moves every 30 tau (150 us): at the move near 450 us every pre
    # spike is over 80 tau old
    st2, _ = run(chip, st, 500.0, inputs=Inputs(events=ev))
    assert (st2.dyn[7][:, 0, 0, 0] == 0).all()  # row 0, address 0: dropped
    st3, _ = run(chip, st, 100.0, inputs=Inputs(events=ev))
    assert (st3.dyn[7][:, 0, 0, 0] > 0).all()  # kept while young
    for a in (st2.dyn[7], st2.dyn[9]):
        assert ((a == 0) | (np.abs(a) >= TRACE_FLOOR)).all()
