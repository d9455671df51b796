"""Event routing (14-bit labels, drivers of 2 rows, 6-bit synapse labels, row sign,
recurrent routes), background sources, rate counters, spike recording."""

import numpy as np

from chip_emulator.chip import make_chip
from chip_emulator.network import BackgroundSource, Inputs, event_label, make_wiring
from chip_emulator.params import ChipSpec, NeuronParams
from chip_emulator.ppu_port import get_membrane, get_rate_counters
from chip_emulator.run import Record, run
from chip_emulator.state import init_state


def small(n_rows=8, n_neurons=4, batch=1, **neuron):
    spec = ChipSpec(n_hemispheres=2, n_rows=n_rows, n_neurons=n_neurons)
    chip = make_chip(spec, seeds=list(range(batch)), mode="ideal",
                     neuron=NeuronParams(**neuron))
    return spec, chip


def test_label_bits_select_driver_row_and_synapses():
    spec, chip = small()
    labels = np.zeros((8, 4), int)
    labels[5] = [1, 2, 1, 2]
    st = init_state(chip, [0], weights=10, labels=labels)
    lab = event_label(5, 1)
    assert lab == (2 << 7) | (1 << 6) | 1  # driver 2, second row, address 1
    ev = ([0], [1], [0.0], [lab])
    st2, _ = run(chip, st, 0.1, inputs=Inputs(events=ev))
    assert st2.row_events[0, 1].tolist() == [0, 0, 0, 0, 0, 1, 0, 0]
    jump = 10 * 0.5 * np.exp(-0.1 / 10.0)  # one step of decay after the jump
    np.testing.assert_allclose(st2.i_exc[0, 1], [jump, 0, jump, 0], rtol=1e-6)
    assert (st2.i_exc[0, 0] == 0).all()  # the other hemisphere saw nothing
    # row sign: the same event on an inhibitory row charges the inhibitory current
    wiring = make_wiring(spec, row_sign=np.where(np.arange(8) == 5, -1, 1))
    st3, _ = run(chip, st, 0.1, wiring, Inputs(events=ev))
    np.testing.assert_allclose(st3.i_inh[0, 1], [jump, 0, jump, 0], rtol=1e-6)
    assert (st3.i_exc == 0).all()


def test_recurrent_route_delivers_at_spike_time():
    spec, chip = small(i_offset_lsb=60.0)
    w = np.zeros((8, 4), int)
    w[2, 3] = 63  # neuron 0 -> row 2 -> neuron 3; all four fire at once on the offset
    st = init_state(chip, [0], weights=w)
    out = np.full((2, 4), -1)
    out[0, 0] = event_label(2, 0)
    st2, rec = run(chip, st, 14.5, make_wiring(spec, out_label=out))
    t, n = rec.spikes(0, 0)
    assert set(n.tolist()) == {0, 1, 2, 3} and len(set(t.tolist())) == 1
    assert st2.row_events[0, 0, 2] == 1 and st2.row_events[0, 1].sum() == 0
    # only neuron 3 got the PSP, right after the spikes
    assert st2.i_exc[0, 0, 3] > 0 and (st2.i_exc[0, 0, :3] == 0).all()


def test_regular_and_poisson_background_rates():
    spec, chip = small(batch=4)
    st = init_state(chip, [1, 2, 3, 4])
    bg = (BackgroundSource(0, int(event_label(1, 0)), 1.0e6, phase_us=0.55),
          BackgroundSource(1, int(event_label(2, 0)), 2.0e5, poisson=True))
    st2, _ = run(chip, st, 1000.0, inputs=Inputs(background=bg))
    regular = st2.row_events[:, 0, 1]
    assert (regular == 1000).all()  # every 1 us from 0.6 us (phase rounded to a step)
    counts = st2.row_events[:, 1, 2]
    assert np.all(np.abs(counts - 200) < 4 * np.sqrt(200))  # Poisson: mean 200
    assert len(set(counts.tolist())) > 1  # independent streams per instance
    pois = Inputs(poisson_label=np.tile(event_label(np.arange(8), 0), (2, 1)),
                  poisson_rate_hz=np.full((2, 8), 1.0e5))
    st3, _ = run(chip, st, 1000.0, inputs=pois)
    total = st3.row_events.sum()
    assert abs(total - 4 * 2 * 8 * 100) < 4 * np.sqrt(6400)


def test_rate_counter_overflow_and_clear_on_read():
    spec, chip = small(i_offset_lsb=150.0, tau_mem_us=0.5, tau_ref_us=0.04)
    st = init_state(chip, [0])
    st2, rec = run(chip, st, 100.0)
    assert rec.spike_count[0, 0] > 4 * 255
    cnt, ovf = np.zeros(4, np.uint8), np.zeros(4, np.uint8)
    get_rate_counters(st2.port, 0, 0, 0, cnt, ovf, True)
    assert (cnt == 255).all() and (ovf == 1).all()
    get_rate_counters(st2.port, 0, 0, 0, cnt, ovf, False)
    assert (cnt == 0).all() and (ovf == 0).all()
    st3, rec3 = run(chip, st2, 2.0)
    get_rate_counters(st3.port, 0, 1, 0, cnt, ovf, False)
    assert (ovf == 1).all()  # hemisphere 1 was not cleared
    get_rate_counters(st3.port, 0, 0, 0, cnt, ovf, False)
    assert (ovf == 0).all() and (cnt == rec3.spike_count[0, 0] // 4).all() and cnt[0] > 0


def test_spike_recording_and_membrane_readout():
    spec, chip = small(i_offset_lsb=60.0)
    st = init_state(chip, [0])
    st2, rec = run(chip, st, 50.0, record=Record(max_spikes=5))
    assert rec.spike_count[0, 0] == 4 * 3 and rec.dropped == 2 * (12 - 5)
    t, n = rec.spikes(0, 0)
    assert len(t) == 5 and np.all(np.diff(t) >= 0)
    out = np.zeros(4, np.uint8)
    get_membrane(st2.port, 0, 0, 0, out)
    assert (out == np.floor(st2.v[0, 0] + 0.5)).all() and out.min() >= 70
