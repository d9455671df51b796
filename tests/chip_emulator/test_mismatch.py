"""Statistics of the fixed pattern, calibration, ideal mode, trial-to-trial noise."""

import numpy as np

from chip_emulator.chip import make_chip
from chip_emulator.mismatch import calibrate, draw_fixed_pattern
from chip_emulator.params import ChipSpec, MismatchParams
from chip_emulator.run import Record, run
from chip_emulator.state import init_state

SPEC = ChipSpec(n_hemispheres=2, n_rows=64, n_neurons=256)


def test_raw_spread_matches_parameters_and_calibration_shrinks_it():
    m = MismatchParams()
    raw = draw_fixed_pattern(SPEC, [1, 2])
    cal = calibrate(raw)
    # 1024 neurons: the sample std is within 10 % of its parameter
    for field, s_raw, s_cal in [("d_leak", m.potential_raw_lsb, m.potential_cal_lsb),
                                ("d_thresh", m.potential_raw_lsb, m.potential_cal_lsb),
                                ("r_tau_mem", m.tau_raw_rel, m.tau_cal_rel),
                                ("r_gain", m.neuron_gain_raw_rel, m.neuron_gain_cal_rel)]:
        assert abs(getattr(raw, field).std() / s_raw - 1) < 0.1, field
        assert abs(getattr(cal, field).std() / s_cal - 1) < 0.1, field
        assert np.abs(getattr(cal, field)).max() <= s_cal * np.sqrt(3) + 1e-12  # uniform
    # calibrated potentials meet the REFERENCE.md bound: about 3 LSB std
    assert cal.d_leak.std() < 3.3
    # correlation sensors: the 2-bit trim shrinks the spread about 3-fold
    for field in ("r_tau_c", "r_tau_a", "r_eta_c", "r_eta_a"):
        ratio = getattr(cal, field).std() / getattr(raw, field).std()
        assert 0.2 < ratio < 0.45, (field, ratio)
    # per-synapse weight gain and baselines have no trim
    np.testing.assert_array_equal(cal.r_syn_gain, raw.r_syn_gain)
    assert abs(raw.r_syn_gain.std() / m.synapse_gain_rel - 1) < 0.05
    assert raw.base_c.min() >= 120.0 and abs(raw.base_c.mean() - 135.0) < 0.5


def test_pattern_depends_on_own_seed_only():
    a = draw_fixed_pattern(SPEC, [5, 6])
    b = draw_fixed_pattern(SPEC, [7, 6])
    np.testing.assert_array_equal(a.d_leak[1], b.d_leak[1])
    np.testing.assert_array_equal(a.r_tau_c[1], b.r_tau_c[1])
    assert not np.array_equal(a.d_leak[0], b.d_leak[0])


def test_ideal_mode_has_no_spread_and_no_noise():
    chip = make_chip(SPEC, seeds=[3], mode="ideal")
    for arr in chip.neuron_arrays + chip.syn_arrays[:5] + (chip.v_reset, chip.base_c):
        assert np.ptp(arr) == 0
    st = init_state(chip, [1])
    st2, _ = run(chip, st, 50.0)
    np.testing.assert_array_equal(st2.v, 80.0)  # rests exactly at leak


def test_membrane_noise_has_the_configured_stationary_std():
    spec = ChipSpec(n_hemispheres=1, n_rows=2, n_neurons=256)
    m = MismatchParams(noise_lsb=4.0)
    chip = make_chip(spec, seeds=[1], mismatch=m, mode="calibrated")
    st = init_state(chip, [2])
    _, rec = run(chip, st, 200.0, record=Record(trace_neurons=tuple(range(0, 256, 8)),
                                                 trace_every=100))
    v = rec.trace[0, 0, :, 3:]  # after 3 tau
    dev = v - v.mean(axis=1, keepdims=True)  # remove each neuron's leak
    assert abs(dev.std() / 4.0 - 1) < 0.1
    # and different run seeds give different noise on the same chip
    _, rec2 = run(chip, init_state(chip, [3]), 200.0,
                  record=Record(trace_neurons=(0,), trace_every=100))
    assert not np.array_equal(rec2.trace[0, 0, 0], rec.trace[0, 0, 0])


def test_membrane_noise_is_gaussian_and_its_kicks_uncorrelated():
    """The per-step kicks are uniform halves of one xorshift32 draw per two steps
    (chip.py); the membrane, a sum of about tau_mem / dt of them, must still be
    Gaussian, and consecutive kicks (the two halves of one draw, and the halves of two
    draws) uncorrelated, each of the configured size."""
    spec = ChipSpec(n_hemispheres=1, n_rows=2, n_neurons=256)
    chip = make_chip(spec, seeds=[1], mismatch=MismatchParams(noise_lsb=4.0),
                     mode="calibrated")
    st = init_state(chip, [2])
    _, rec = run(chip, st, 2000.0, record=Record(trace_neurons=tuple(range(256)),
                                                  trace_every=50))
    v = rec.trace[0, 0, :, 10:].astype(np.float64)
    dev = (v - v.mean(axis=1, keepdims=True)).ravel()  # each neuron about its own leak
    z = dev / dev.std()
    assert abs(dev.std() / 4.0 - 1) < 0.05
    assert abs((z**3).mean()) < 0.05  # skew
    assert abs((z**4).mean() - 3) < 0.1  # excess kurtosis; of a uniform kick: -1.2
    _, rec1 = run(chip, st, 200.0, record=Record(trace_neurons=tuple(range(256))))
    v = rec1.trace[0, 0].astype(np.float64)
    pm, vl, off, ns = (chip.neuron_arrays[k][0, 0].astype(np.float64)[:, None]
                       for k in (0, 5, 7, 8))
    kick = (v[:, 1:] - (v[:, :-1] * pm + vl * (1 - pm) + off)) / ns
    assert abs(kick.std() - 1) < 0.02
    for a, b in ((kick[:, 0:-1:2], kick[:, 1::2]), (kick[:, 1:-1:2], kick[:, 2::2])):
        assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.01


def test_quantised_correlation_deviations_stay_within_one_step():
    from chip_emulator.chip import DELTA_STEP, ETA_STEP

    chip = make_chip(SPEC, seeds=[4], mode="raw")
    eta_c, delta_c, eta_a, _ = chip.correlation_params()
    fp = chip.pattern
    exact_eta = 0.5 * np.maximum(1.0 + fp.r_eta_c, 0.1)
    inside = (fp.r_eta_c > -0.9) & (fp.r_eta_c < 1.27)
    assert np.abs(eta_c - exact_eta)[inside].max() <= 0.5 * ETA_STEP * 0.5 + 1e-12
    exact_delta = np.clip(1.0 / np.maximum(1.0 + fp.r_tau_c, 0.1) - 1.0, -0.5, 0.5)
    assert np.abs(delta_c - exact_delta).max() <= 0.5 * DELTA_STEP + 1e-12
    assert eta_a.std() > 0.1  # the spread survives quantisation
