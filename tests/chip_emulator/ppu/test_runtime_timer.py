"""Timer (start, period, count), per-period budget, host symbols between runs, and one
processor per hemisphere."""

import numpy as np
import pytest

from chip_emulator.ppu import (
    PPUError,
    ProgramBuilder,
    TimerSpec,
    isa,
    make_array_io,
    new_state,
    read_symbol,
    run_timer,
    write_symbol,
)


def _reward_program(spin: int = 0):
    """total += reward; weights of row 0 <- total (low 6 bits); optionally spin."""
    b = ProgramBuilder()
    b.symbol("reward", "int32", 1)
    b.symbol("total", "int32", 1)
    r, t = b.reg("r"), b.reg("t")
    w = b.vreg("w")
    b.load_word(r, "reward")
    b.load_word(t, "total")
    b.add(t, t, r)
    b.store_word(t, "total")
    b.fxvsplatb(w, t)
    b.io_out(w, isa.IO_WEIGHTS, 0, 0)
    if spin:
        with b.loop("i", 0, spin):
            pass
    return b.build()


def test_timer_events_and_host_symbols_between_runs():
    p = _reward_program()
    s = new_state(p)
    io = make_array_io(4, 128)
    timer = TimerSpec(start_us=5.0, period_us=10.0, count=4)
    assert timer.events_us().tolist() == [5.0, 15.0, 25.0, 35.0]
    assert timer.period_cycles == 2500  # 10 us at 250 MHz
    seen = []

    def between(k, t_us):
        seen.append(t_us)
        write_symbol(s.sram, p, "reward", k + 1)  # the host writes a reward per period

    cycles, overran = run_timer(p, s, io, timer, between=between)
    assert seen == [5.0, 15.0, 25.0, 35.0]
    assert read_symbol(s.sram, p, "total").tolist() == [1 + 2 + 3 + 4]
    assert (io.rows[isa.IO_WEIGHTS, 0, :128] == 10).all()
    assert cycles.shape == (4,) and (cycles > 0).all() and not overran.any()


def test_overrunning_the_period_is_an_error_or_a_flag():
    p = _reward_program(spin=2000)  # about 12,000 cycles > 2,500 per 10 us period
    timer = TimerSpec(0.0, 10.0, 2)
    with pytest.raises(PPUError, match="overran"):
        run_timer(p, new_state(p), make_array_io(4, 128), timer)
    cycles, overran = run_timer(p, new_state(p), make_array_io(4, 128), timer,
                                on_overrun="flag")
    assert overran.all() and (cycles > timer.period_cycles).all()
    cycles, overran = run_timer(p, new_state(p), make_array_io(4, 128),
                                TimerSpec(0.0, 100.0, 2))  # 25,000 cycles: fits
    assert not overran.any()


def test_bad_timer_is_refused():
    with pytest.raises(ValueError, match="period"):
        TimerSpec(0.0, 0.0, 3)


def test_two_processors_each_see_only_their_own_hemisphere():
    p = _reward_program()
    states = [new_state(p), new_state(p)]
    ios = [make_array_io(4, 128, seed=h) for h in range(2)]
    write_symbol(states[0].sram, p, "reward", 5)
    write_symbol(states[1].sram, p, "reward", 9)
    run_timer(p, states[0], ios[0], TimerSpec(0.0, 10.0, 1))
    run_timer(p, states[1], ios[1], TimerSpec(0.0, 10.0, 1))
    assert (ios[0].rows[isa.IO_WEIGHTS, 0] == 5).all()
    assert (ios[1].rows[isa.IO_WEIGHTS, 0] == 9).all()
    assert read_symbol(states[0].sram, p, "total")[0] == 5
    assert read_symbol(states[1].sram, p, "total")[0] == 9
    np.testing.assert_array_equal(ios[0].rows[isa.IO_WEIGHTS, 1:], 0)
