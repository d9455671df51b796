"""The compiled kernel against the slow NumPy reference, on random networks with
mismatch on: spikes, membranes, counters bit for bit; correlation within the kernel's
documented second-order error."""

import dataclasses

import numpy as np
import pytest

from chip_emulator.chip import make_chip
from chip_emulator.network import BackgroundSource, Inputs, event_label, make_wiring
from chip_emulator.params import ChipSpec, NeuronParams
from chip_emulator.reference import reference_run
from chip_emulator.run import Record, run
from chip_emulator.state import init_state


def random_network(seed, uniform_labels, adex=False, mode="raw", R=16, N=12):
    spec = ChipSpec(n_hemispheres=2, n_rows=R, n_neurons=N, adaptation=adex, exponential=adex)
    neuron = NeuronParams(a_adapt=0.5, b_adapt_lsb=3.0) if adex else NeuronParams()
    chip = make_chip(spec, seeds=[seed, seed + 1], mode=mode, neuron=neuron)
    rng = np.random.default_rng(seed)
    if uniform_labels:
        labels = np.broadcast_to(rng.integers(0, 3, (2, 2, R, 1)), (2, 2, R, N))
    else:
        labels = rng.integers(0, 3, (2, 2, R, N))
    state = init_state(chip, [seed + 10, seed + 11],
                       weights=rng.integers(0, 64, (2, 2, R, N)), labels=labels)
    rows = np.arange(R)
    wiring = make_wiring(spec, row_sign=np.where(rows < 3 * R // 4, 1, -1),
                         out_label=np.tile(event_label(np.arange(N) % R, np.arange(N) % 3),
                                           (2, 1)))
    inputs = Inputs(
        poisson_label=np.stack([event_label(rows, rows % 3)] * 2),
        poisson_rate_hz=rng.uniform(10e3, 50e3, (2, R)),
        background=(BackgroundSource(0, int(event_label(3, 1)), 200e3),
                    BackgroundSource(1, int(event_label(5, 2)), 100e3, poisson=True)),
        events=(np.array([0, 1, 1]), np.array([0, 1, 0]), np.array([1.0, 2.05, 3.0]),
                event_label(np.array([1, 2, 3]), np.array([0, 1, 2]))))
    return chip, state, wiring, inputs


def assert_sensors_agree(s1, s2, atol_frac, rtol=0.0, min_top=None):
    """Causal and anti-causal stores (port 3, 4) of kernel ``s1`` and reference ``s2``
    within ``atol_frac`` of the largest reference value (and ``rtol``); ``min_top``: that
    value must exceed it (the comparison is not vacuous)."""
    for i in (3, 4):
        top = s2.port[i].max()
        if min_top is not None:
            assert top > min_top
        np.testing.assert_allclose(s1.port[i], s2.port[i], atol=atol_frac * top, rtol=rtol)


@pytest.mark.parametrize("uniform_labels", [True, False])
@pytest.mark.parametrize("adex", [False, True])
def test_kernel_matches_reference_with_mismatch(uniform_labels, adex):
    chip, state, wiring, inputs = random_network(7, uniform_labels, adex)  # every pair spikes
    rec = Record(trace_neurons=(0, 5, 11))
    s1, r1 = run(chip, state, 100.0, wiring, inputs, record=rec)
    s2, r2 = reference_run(chip, state, 100.0, wiring, inputs, record=rec)
    assert r1.spike_count.min() > 0  # the comparison is not vacuous
    np.testing.assert_array_equal(r1.spike_count, r2.spike_count)
    np.testing.assert_array_equal(r1.spike_step, r2.spike_step)
    np.testing.assert_array_equal(r1.spike_neuron, r2.spike_neuron)
    np.testing.assert_array_equal(s1.port[7], s2.port[7])  # rate counters
    # expf may differ by an ulp between numba and NumPy: AdEx runs agree to 1e-3 LSB
    tol = 1e-3 if adex else 0.0
    np.testing.assert_allclose(s1.v, s2.v, atol=tol, rtol=0)
    np.testing.assert_allclose(r1.trace, r2.trace, atol=tol, rtol=0)
    # raw mismatch has |delta| up to 0.5
    assert_sensors_agree(s1, s2, 0.01, min_top=1.0)


@pytest.mark.parametrize("uniform_labels", [True, False])
def test_small_chip_path_matches_reference(uniform_labels):
    # up to kernel_util.SMALL_ROW rows and neurons the correlation loops run inline
    # (bandit-sized agents); larger chips call the vectorised functions (test above)
    chip, state, wiring, inputs = random_network(17, uniform_labels, R=6, N=3)
    inputs = dataclasses.replace(inputs, poisson_rate_hz=inputs.poisson_rate_hz * 8)
    s1, r1 = run(chip, state, 100.0, wiring, inputs)
    s2, r2 = reference_run(chip, state, 100.0, wiring, inputs)
    assert r1.spike_count.sum() > 20
    np.testing.assert_array_equal(r1.spike_step, r2.spike_step)
    np.testing.assert_array_equal(s1.v, s2.v)
    assert_sensors_agree(s1, s2, 0.01, min_top=0.1)


def test_padded_causal_store_agrees_with_reference():
    # 64 rows: the causal store is padded (state.stored_rows); mixed labels
    chip, state, wiring, inputs = random_network(13, False, R=64, N=4)
    assert state.port[3].shape[3] > 64
    s1, r1 = run(chip, state, 60.0, wiring, inputs)
    s2, r2 = reference_run(chip, state, 60.0, wiring, inputs)
    assert r1.spike_count.sum() > 20  # not vacuous
    np.testing.assert_array_equal(r1.spike_step, r2.spike_step)
    np.testing.assert_array_equal(s1.v, s2.v)
    assert_sensors_agree(s1, s2, 0.01, min_top=0.1)


def test_calibrated_correlation_agrees_closely():
    chip, state, wiring, inputs = random_network(5, True, mode="calibrated")
    s1, _ = run(chip, state, 100.0, wiring, inputs)
    s2, _ = reference_run(chip, state, 100.0, wiring, inputs)
    assert_sensors_agree(s1, s2, 2e-3)


def test_long_run_rebases_without_drift():
    # 400 us > 30 time constants: the kernel moves its time base at least twice
    chip, state, wiring, inputs = random_network(7, True, mode="ideal", R=8, N=6)
    s1, r1 = run(chip, state, 400.0, wiring, inputs)
    s2, r2 = reference_run(chip, state, 400.0, wiring, inputs)
    np.testing.assert_array_equal(r1.spike_step, r2.spike_step)
    assert_sensors_agree(s1, s2, 1e-5, rtol=1e-4)


@pytest.mark.parametrize("uniform_labels", [True, False])
def test_segments_and_threads_give_identical_results(uniform_labels):
    chip, state, wiring, inputs = random_network(9, uniform_labels)
    s1, r1 = run(chip, state, 60.0, wiring, inputs)
    s2, r2 = run(chip, state, 60.0, wiring, inputs, threads=2)
    a, _ = run(chip, state, 25.0, wiring, inputs)
    s3, _ = run(chip, a, 35.0, wiring, inputs)
    s4, r4 = run(chip, state, 60.0, wiring, inputs, threads=3)  # uneven ranges, pool grows
    np.testing.assert_array_equal(r1.spike_step, r2.spike_step)
    np.testing.assert_array_equal(r1.spike_step, r4.spike_step)
    for x, y, z, w in zip(s1.port + s1.dyn, s2.port + s2.dyn, s3.port + s3.dyn,
                          s4.port + s4.dyn, strict=True):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)
        np.testing.assert_array_equal(x, w)


def test_same_seed_bit_identical_and_seed_matters():
    chip, state, wiring, inputs = random_network(11, True, mode="calibrated")
    s1, r1 = run(chip, state, 50.0, wiring, inputs)
    s2, r2 = run(chip, state, 50.0, wiring, inputs)
    np.testing.assert_array_equal(s1.v, s2.v)
    other = init_state(chip, [99, 98], weights=state.weights, labels=state.labels)
    s3, _ = run(chip, other, 50.0, wiring, inputs)
    assert not np.array_equal(s1.v, s3.v)
