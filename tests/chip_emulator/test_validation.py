"""Bad input is refused with an error naming the field and what is allowed."""

import numpy as np
import pytest

from chip_emulator.chip import make_chip
from chip_emulator.network import BackgroundSource, Inputs, event_label, make_wiring
from chip_emulator.params import ChipSpec, CorrelationParams, MismatchParams, NeuronParams
from chip_emulator.run import run
from chip_emulator.state import init_state, set_labels, set_weights


@pytest.mark.parametrize("field, value, rng", [
    ("tau_mem_us", 0.4, r"\[0.5, 60.0\]"), ("tau_mem_us", 61.0, r"\[0.5, 60.0\]"),
    ("tau_syn_exc_us", 31.0, r"\[0.3, 30.0\]"), ("tau_ref_us", 0.01, r"\[0.04, 32.0\]"),
    ("v_leak_lsb", 161.0, r"\[50.0, 160.0\]"), ("v_reset_lsb", 40.0, r"\[50.0, 160.0\]"),
    ("v_thresh_lsb", 221.0, r"\[50.0, 220.0\]"), ("v_thresh_lsb", float("nan"), "number"),
])
def test_neuron_parameter_out_of_range_is_refused(field, value, rng):
    with pytest.raises(ValueError, match=field) as e:
        NeuronParams(**{field: value})
    assert e.match(rng)


def test_other_parameter_sets_are_checked():
    with pytest.raises(ValueError, match=r"tau_causal_us = 1.0 .*\[2.0, 30.0\]"):
        CorrelationParams(tau_causal_us=1.0)
    with pytest.raises(ValueError, match=r"eta_acausal_lsb .*\[0.2, 2.0\]"):
        CorrelationParams(eta_acausal_lsb=3.0)
    with pytest.raises(ValueError, match=r"noise_lsb .*\[0.0, 7.0\]"):
        MismatchParams(noise_lsb=8.0)
    with pytest.raises(ValueError, match="n_neurons"):
        ChipSpec(n_neurons=257)
    with pytest.raises(ValueError, match="mode"):
        make_chip(ChipSpec(n_rows=2, n_neurons=2), mode="perfect")


def test_weights_and_labels_outside_6_bits_are_refused():
    spec = ChipSpec(n_hemispheres=1, n_rows=4, n_neurons=3)
    chip = make_chip(spec, seeds=[0])
    with pytest.raises(ValueError, match=r"weights holds 64: allowed are integers 0..63"):
        init_state(chip, [0], weights=64)
    with pytest.raises(ValueError, match=r"weights holds -1"):
        init_state(chip, [0], weights=-1)
    with pytest.raises(ValueError, match=r"labels holds 70: allowed are integers 0..63"):
        init_state(chip, [0], labels=np.full((4, 3), 70))
    st = init_state(chip, [0])
    with pytest.raises(ValueError, match="weights"):
        set_weights(st, spec, np.full((4, 3), 63.5))
    with pytest.raises(ValueError, match="labels"):
        set_labels(st, spec, 64)
    with pytest.raises(ValueError, match="shape"):
        set_weights(st, spec, np.zeros((5, 3), int))
    with pytest.raises(ValueError, match="run_seeds"):
        init_state(chip, [0, 1])


def test_event_labels_must_address_an_existing_row():
    spec = ChipSpec(n_hemispheres=1, n_rows=4, n_neurons=3)
    chip = make_chip(spec, seeds=[0])
    st = init_state(chip, [0])
    bad = int(event_label(4, 0))  # driver 2: this chip has drivers 0..1
    with pytest.raises(ValueError, match=r"addressing row 4; this chip has rows 0..3"):
        run(chip, st, 1.0, inputs=Inputs(events=([0], [0], [0.0], [bad])))
    with pytest.raises(ValueError, match=r"allowed are integers 0..16383"):
        run(chip, st, 1.0, inputs=Inputs(events=([0], [0], [0.0], [2**14])))
    with pytest.raises(ValueError, match="out_label"):
        make_wiring(spec, out_label=bad)
    with pytest.raises(ValueError, match="row_sign"):
        make_wiring(spec, row_sign=0)
    with pytest.raises(ValueError, match="9 background sources: the chip has 8"):
        run(chip, st, 1.0, inputs=Inputs(background=(BackgroundSource(0, 0, 1e3),) * 9))
    with pytest.raises(ValueError, match="hemisphere"):
        run(chip, st, 1.0, inputs=Inputs(background=(BackgroundSource(1, 0, 1e3),)))
