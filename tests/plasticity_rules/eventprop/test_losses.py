"""Losses: values and derivatives against finite differences in the spike times and
voltages themselves; silent-neuron repair."""

import numpy as np

from plasticity_rules.eventprop.losses import (
    max_voltage_cross_entropy,
    predict_ttfs,
    repair_silent,
    spike_count_regulariser,
    ttfs_cross_entropy,
)
from plasticity_rules.eventprop.network import Events, LayerRecord, Weights, make_events


def _ttfs(times, labels):
    ev = make_events(np.tile(np.arange(times.shape[1]), (times.shape[0], 1)), times)
    return ev, ttfs_cross_entropy(ev, times.shape[1], labels, 0.5, 6.4, 3e-3, 60.0)


def test_ttfs_loss_value_and_time_derivative():
    rng = np.random.default_rng(0)
    times = rng.uniform(5, 20, (4, 3))
    labels = np.array([0, 1, 2, 1])
    ev, (loss, dl_dt, t_first) = _ttfs(times, labels)
    z = -times / 0.5
    ref = np.mean(-(z[np.arange(4), labels] - np.log(np.exp(z).sum(1)))
                  + 3e-3 * (np.exp(times[np.arange(4), labels] / 6.4) - 1))
    assert abs(loss - ref) < 1e-12
    h = 1e-6
    for b in range(4):
        for k in range(3):
            tp, tm = times.copy(), times.copy()
            tp[b, k] += h
            tm[b, k] -= h
            fd = (_ttfs(tp, labels)[1][0] - _ttfs(tm, labels)[1][0]) / (2 * h)
            pos = np.nonzero(ev.idx[b] == k)[0][0]
            assert abs(fd - dl_dt[b, pos]) < 1e-7 * max(1.0, abs(fd))
    np.testing.assert_array_equal(predict_ttfs(t_first), np.argmin(times, axis=1))


def test_silent_outputs_get_no_gradient_and_no_prediction():
    times = np.array([[np.inf, 10.0, 12.0], [np.inf, np.inf, np.inf]])
    ev, (loss, dl_dt, t_first) = _ttfs(times, np.array([0, 1]))
    assert np.isfinite(loss) and loss > 10  # a silent label costs t_silent / tau0
    assert np.all(dl_dt[ev.idx < 0] == 0)
    assert dl_dt[0][ev.idx[0] == 1][0] < 0  # the wrong, spiking neuron is pushed later
    np.testing.assert_array_equal(predict_ttfs(t_first), [1, -1])


def test_max_voltage_loss_and_kicks():
    vmax = np.array([[0.2, 0.9, 0.4]])
    rec = LayerRecord(Events(np.full((1, 1), -1, np.int32), np.full((1, 1), np.inf)),
                      np.zeros(1), vmax, np.array([[30.0, 10.0, 20.0]]))
    loss, (idx, time, val) = max_voltage_cross_entropy(rec, np.array([1]))
    soft = np.exp(vmax) / np.exp(vmax).sum()
    assert abs(loss + np.log(soft[0, 1])) < 1e-12
    np.testing.assert_array_equal(idx[0], [1, 2, 0])  # sorted by the time of the maximum
    np.testing.assert_allclose(time[0], [10.0, 20.0, 30.0])
    np.testing.assert_allclose(val[0], [soft[0, 1] - 1, soft[0, 2], soft[0, 0]])


def test_spike_count_regulariser_pushes_only_overactive_neurons():
    ev = make_events(np.array([[0, 0, 0, 1]]), np.array([[5.0, 10.0, 15.0, 7.0]]))
    loss, dl_dt = spike_count_regulariser(ev, 2, nu=1.0, rho=2.0, t_end=60.0)
    assert np.all(dl_dt[0][ev.idx[0] == 0] == -2.0 * 2 / 60.0)
    assert np.all(dl_dt[0][ev.idx[0] == 1] == 0.0)
    assert abs(loss - 2.0 / 60.0 * 2 * (55 + 50 + 45)) < 1e-12


def test_repair_bumps_only_silent_neurons():
    w = Weights([np.zeros((3, 2)), np.zeros((2, 3))])
    hidden = make_events(np.array([[0, 2], [0, -1]]), np.array([[1.0, 2.0], [3.0, np.inf]]))
    out = make_events(np.array([[0, -1], [0, -1]]), np.array([[5.0, np.inf], [6.0, np.inf]]))
    recs = [LayerRecord(e, np.zeros(2), np.zeros((2, 1)), np.zeros((2, 1)))
            for e in (hidden, out)]
    new = repair_silent(w, recs, np.array([0, 1]), bump=0.5)
    np.testing.assert_array_equal(new.w_in[0][:, 0], [0.0, 0.5, 0.0])  # hidden 1 silent
    np.testing.assert_array_equal(new.w_in[1][:, 0], [0.0, 0.5])  # output 1 silent on class 1
    assert np.all(w.w_in[0] == 0)  # inputs untouched
