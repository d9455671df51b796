"""The STDP example program: on the array backend (exact expectations) and on the analog
core with mismatch (potentiation for pre-before-post, depression for post-before-pre)."""

import numpy as np
import pytest

from chip_emulator.ppu import isa, make_array_io, new_state, read_symbol, run_once, write_symbol
from chip_emulator.ppu.examples.stdp import stdp_program


def test_stdp_rule_on_the_array_backend():
    rows, cols = 8, 256
    p = stdp_program(n_rows=rows, n_halves=2, eta_plus=64, eta_minus=64, baseline=200,
                     threshold=2)
    io = make_array_io(rows, cols, seed=0)
    w = io.rows[isa.IO_WEIGHTS]
    w[:] = 30
    w[4, :] = 62
    w[5, :] = 1
    io.rows[isa.IO_CAUSAL, 1] = 200 - 40  # causal drop 40 LSB: amp 40/2 - 2 = 18 -> +9
    io.rows[isa.IO_ACAUSAL, 2] = 200 - 40  # anti-causal: -9
    io.rows[isa.IO_CAUSAL, 3, :128] = 200 - 4  # within the threshold: no change
    io.rows[isa.IO_CAUSAL, 4] = 0  # huge potentiation clamps at 63
    io.rows[isa.IO_ACAUSAL, 5] = 0  # huge depression clamps at 0
    io.rows[isa.IO_CAUSAL, 6] = 255  # reading above the baseline: no change
    s = new_state(p)
    cycles = run_once(p, s, io)
    assert (w[0] == 30).all() and (w[7] == 30).all()
    assert (w[1] == 39).all() and (w[2] == 21).all() and (w[3] == 30).all()
    assert (w[4] == 63).all() and (w[5] == 0).all() and (w[6] == 30).all()
    # every row's correlation was reset (back to the baseline reading)
    assert (io.corr_resets == 1).all() and (io.rows[isa.IO_CAUSAL:] == 200).all()
    assert read_symbol(s.sram, p, "invocations")[0] == 1
    # learning rates are host symbols: eta 0 freezes the weights
    write_symbol(s.sram, p, "eta_plus", 0)
    io.rows[isa.IO_CAUSAL, 1] = 100
    run_once(p, s, io)
    assert (w[1] == 39).all()
    assert 0 < cycles < 30_000


def test_full_array_stdp_costs_about_0p6_ms_of_ppu_time():
    p = stdp_program()
    io = make_array_io(256, 256, seed=0)
    cycles = run_once(p, new_state(p), io)
    # per row: one CADC row conversion (410) + 3 buffered reads (20) + 2 weight loads and
    # stores (80) + reset (20) + arithmetic; REFERENCE.md: about 0.6 ms per PPU
    assert 0.5e-3 <= cycles / isa.CLOCK_HZ <= 0.8e-3


@pytest.mark.slow
def test_stdp_on_the_analog_core_with_mismatch():
    from chip_emulator import ppu_port as pp
    from chip_emulator.chip import make_chip
    from chip_emulator.network import Inputs, event_label
    from chip_emulator.params import ChipSpec, CorrelationParams, NeuronParams
    from chip_emulator.ppu import make_core_ppu, ppu_core_fn
    from chip_emulator.run import Timer, run
    from chip_emulator.state import init_state

    R, N, B, H = 8, 8, 2, 2
    spec = ChipSpec(n_hemispheres=H, n_rows=R, n_neurons=N)
    # calibrated chips with fixed-pattern mismatch (the default mode) and noise;
    # short synaptic time constant so that a teacher burst gives one post spike
    chip = make_chip(spec, seeds=[11, 12],
                     neuron=NeuronParams(tau_syn_exc_us=3.0, tau_ref_us=4.0,
                                         synapse_gain_lsb=1.0),
                     corr=CorrelationParams(eta_causal_lsb=2.0, eta_acausal_lsb=2.0))
    w0 = np.full((B, H, R, N), 20, np.uint8)
    w0[:, :, 6:] = 63  # teacher rows 6, 7 make every neuron fire ~3 us after them
    st = init_state(chip, [1, 2], weights=w0)
    ev = []
    for b in range(B):
        for h in range(H):
            for k in range(26):
                t = 5.0 + 15.0 * k
                ev.append((b, h, t, event_label(0, 0)))  # row 0: pre before post
                for dt in (1.0, 1.2, 1.4):
                    ev += [(b, h, t + dt, event_label(6, 0)), (b, h, t + dt, event_label(7, 0))]
                ev.append((b, h, t + 5.0, event_label(1, 0)))  # row 1: post before pre
    ev.sort(key=lambda e: e[2])
    cols = list(zip(*ev, strict=True))
    inputs = Inputs(events=(np.array(cols[0]), np.array(cols[1]), np.array(cols[2], float),
                            np.array(cols[3])))
    prog = stdp_program(n_rows=R, n_halves=1, eta_plus=100, eta_minus=100, threshold=3)
    ppu = make_core_ppu(prog, B, H, seeds=[5, 6], budget_cycles=50_000)
    for b in range(B):  # host calibration: the post-reset reading, averaged per column
        for h in range(H):
            base = np.zeros((2, R, N), np.uint8)
            for r in range(R):
                pp.get_causal(st.port, b, h, r, 0, base[0, r])
                pp.get_acausal(st.port, b, h, r, 0, base[1, r])
            for name, k in (("baseline_causal", 0), ("baseline_acausal", 1)):
                v = np.full(256, 135)
                v[:N] = np.round(base[k].mean(axis=0))
                ppu.write_symbol(name, v, b, h)
    st2, _ = run(chip, st, 400.0, inputs=inputs, timer=Timer(200.0, 200.0, 2),
                 ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx)
    ppu.check()
    dw = st2.weights.astype(int) - w0
    for b in range(B):
        for h in range(H):
            assert ppu.cycles(b, h).shape == (2,)
            assert ppu.read_symbol("invocations", b, h)[0] == 2
            assert dw[b, h, 0].mean() > 2.0, dw[b, h, 0]  # potentiation
            assert dw[b, h, 1].mean() < -2.0, dw[b, h, 1]  # depression
            assert abs(dw[b, h, 2:6].mean()) < 1.0, dw[b, h, 2:6]  # silent rows stay
