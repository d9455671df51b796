"""The I/O adapter onto the analog core's PPU port, called as the run loop calls it."""

import numpy as np
import pytest

from chip_emulator.chip import make_chip
from chip_emulator.params import ChipSpec
from chip_emulator.ppu import PPUError, ProgramBuilder, isa, make_core_ppu, ppu_core_fn
from chip_emulator.state import init_state


def _chip(R=4, N=8):
    spec = ChipSpec(n_hemispheres=2, n_rows=R, n_neurons=N)
    chip = make_chip(spec, seeds=[1, 2])
    return chip, init_state(chip, [3, 4], weights=10)


def _program():
    """w[row 1] += 5 (via fxvinx/fxvoutx), reset row 1, store the causal readings and
    the membrane readings into symbols, reset neuron 2."""
    b = ProgramBuilder()
    b.symbol("causal", "uint8", 128)
    b.symbol("membrane", "uint8", 128)
    w, d, c, m = b.vreg("w"), b.vreg("d"), b.vreg("c"), b.vreg("m")
    b.splat(d, 5)
    b.io_in(w, isa.IO_WEIGHTS, 1, 0)
    b.fxvaddbm(w, w, d)
    b.io_out(w, isa.IO_WEIGHTS, 1, 0)
    b.io_in(c, isa.IO_CAUSAL, 1, 0)
    b.store_vector(c, "causal")
    b.io_out(c, isa.IO_CORR_RESET, 1, 0)
    b.io_in(m, isa.IO_MEMBRANE, 0, 0)
    b.store_vector(m, "membrane")
    b.vector_constant("pick", [0, 0, 1] + [0] * 125)
    b.load_vector(m, "pick")
    b.io_out(m, isa.IO_NEURON_RESET, 0, 0)
    return b.build()


def test_adapter_reads_and_writes_only_its_own_instance_and_hemisphere():
    chip, st = _chip()
    ppu = make_core_ppu(_program(), 2, 2, seeds=[0, 1])
    w_before = st.weights.copy()
    st.port[3][1, 0] = 7.0  # causal stores of instance 1, hemisphere 0
    v = st.port[9]
    v[1, 0, 2] = 150.0
    ppu_core_fn(ppu.ctx, st.port, 1, 0, 12.5)
    ppu.check()
    w = st.weights
    assert (w[1, 0, 1] == 15).all()
    mask = np.ones(w.shape, bool)
    mask[1, 0, 1] = False
    np.testing.assert_array_equal(w[mask], w_before[mask])  # nobody else touched
    causal = ppu.read_symbol("causal", 1, 0)[:8]
    np.testing.assert_array_equal(causal, np.clip(np.floor(chip.base_c[1, 0, :, 1] - 7.0
                                                           + 0.5), 0, 255))
    assert (st.port[3][1, 0, :, 1] == 0).all() and (st.port[3][1, 0, :, 0] == 7).all()
    assert ppu.read_symbol("membrane", 1, 0)[2] == 150
    assert v[1, 0, 2] == chip.v_reset[1, 0, 2]  # neuron 2 reset
    assert ppu.cycles(1, 0).shape == (1,) and ppu.cycles(0, 0).shape == (0,)


def test_program_error_stops_that_processor_and_is_raised_on_the_host():
    chip, st = _chip()
    b = ProgramBuilder()
    v = b.vreg("v")
    b.io_in(v, isa.IO_WEIGHTS, 3, 0)
    b.io_in(v, isa.IO_WEIGHTS, 4, 0)  # row 4 does not exist on a 4-row array
    ppu = make_core_ppu(b.build(), 2, 2, seeds=[0, 1])
    ppu_core_fn(ppu.ctx, st.port, 0, 1, 3.0)
    ppu_core_fn(ppu.ctx, st.port, 0, 1, 4.0)  # stopped: not run again
    ppu_core_fn(ppu.ctx, st.port, 1, 1, 3.0)
    with pytest.raises(PPUError, match=r"I/O address.*instance 0, hemisphere 1") as e:
        ppu.check()
    assert e.value.index == 3 and "fxvinx" in e.value.instruction
    assert ppu.ctx.n_events[0, 1] == 1 and ppu.ctx.n_events[1, 1] == 1


def test_budget_overrun_flagged_or_raised():
    chip, st = _chip()
    b = ProgramBuilder()
    with b.loop("i", 0, 1000):
        pass
    prog = b.build()
    flag = make_core_ppu(prog, 2, 2, seeds=[0, 1], budget_cycles=1000, on_overrun="flag")
    ppu_core_fn(flag.ctx, st.port, 0, 0, 0.0)
    flag.check()
    assert flag.ctx.overruns[0, 0] == 1 and flag.cycles(0, 0)[0] > 1000
    err = make_core_ppu(prog, 2, 2, seeds=[0, 1], budget_cycles=1000)
    ppu_core_fn(err.ctx, st.port, 0, 0, 0.0)
    with pytest.raises(PPUError, match="overran"):
        err.check()


def test_labels_rates_and_rng_through_the_port():
    chip, st = _chip()
    st.port[7][0, 1, :] = np.arange(8, dtype=np.uint8) * 3  # rate counters
    b = ProgramBuilder()
    b.symbol("rates", "uint8", 128)
    b.symbol("rng", "uint8", 256)
    lab, cnt, r1, r2, z = (b.vreg(n) for n in ("lab", "cnt", "r1", "r2", "z"))
    b.splat(lab, 0x7F)  # stored & 0x3f = 63
    b.splat(z, 0)
    b.vector_constant("odd", [0, 1] * 64)
    b.load_vector(r1, "odd")
    b.fxvcmpb(r1)
    b.io_out(lab, isa.IO_LABELS, 2, 0, c=isa.C_GT)  # masked: odd columns only
    b.io_in(cnt, isa.IO_RATES_CLEAR, 0, 0)
    b.store_vector(cnt, "rates")
    b.io_in(r1, isa.IO_RNG, 0, 0)
    b.io_in(r2, isa.IO_RNG, 0, 0)
    b.store_vector(r1, "rng")
    a = b.reg("a")
    b.la(a, "rng", 128)
    b.fxvstax(r2, 0, a)
    ppu = make_core_ppu(b.build(), 2, 2, seeds=[7, 8])
    ppu_core_fn(ppu.ctx, st.port, 0, 1, 0.0)
    ppu.check()
    assert st.labels[0, 1, 2].tolist() == [0, 63] * 4
    assert (st.labels[0, 1, :2] == 0).all() and (st.labels[0, 0] == 0).all()
    assert ppu.read_symbol("rates", 0, 1)[:8].tolist() == (np.arange(8) * 3).tolist()
    assert (st.port[7][0, 1] == 0).all()  # clear-on-read
    rng = ppu.read_symbol("rng", 0, 1)
    assert not np.array_equal(rng[:8], rng[128:136])  # the generators advance per read
    assert len(np.unique(rng[:8])) > 4  # 8 columns, 8 generators
    assert (rng[8:128] == 0).all()  # lanes beyond the last column read 0


def test_budget_from_the_timer_period_and_everything_pickles():
    import pickle

    chip, st = _chip()
    b = ProgramBuilder()
    with b.loop("i", 0, 1000):  # about 5,000 cycles = 20 us
        pass
    prog = b.build()
    ppu = make_core_ppu(prog, 2, 2, seeds=[0, 1], period_us=10.0, on_overrun="flag")
    assert ppu.ctx.params[2] == 2500
    ppu_core_fn(ppu.ctx, st.port, 1, 1, 0.0)
    assert ppu.ctx.overruns[1, 1] == 1 and ppu.ctx.overruns.sum() == 1
    again = pickle.loads(pickle.dumps(ppu))  # programs and processors cross to Ray workers
    np.testing.assert_array_equal(again.program.code, prog.code)
    np.testing.assert_array_equal(again.ctx.cycles, ppu.ctx.cycles)
    ppu_core_fn(again.ctx, st.port, 0, 0, 0.0)
    assert again.ctx.overruns[0, 0] == 1
