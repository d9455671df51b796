"""The PPU hook: a compiled program runs inside the loop at timer events; the Python
callback convenience does the same from Python."""

import numpy as np
from numba import njit

from chip_emulator import ppu_port as pp
from chip_emulator.chip import make_chip
from chip_emulator.network import Inputs, event_label
from chip_emulator.params import ChipSpec
from chip_emulator.run import Timer, run
from chip_emulator.state import init_state


@njit
def _potentiate_row0(ctx, port, b, h, t_us):
    # log the call, read the rate counters (clear-on-read), set row 0 to weight 40
    calls, log, counts = ctx
    i = calls[b, h]
    log[b, h, i] = t_us
    cnt = np.zeros(pp.n_columns(port), np.uint8)
    ovf = np.zeros(pp.n_columns(port), np.uint8)
    pp.get_rate_counters(port, b, h, 0, cnt, ovf, True)
    counts[b, h, i] = cnt.sum()
    calls[b, h] = i + 1
    w = np.full(pp.n_columns(port), 40, np.uint8)
    pp.set_weights(port, b, h, 0, 0, w)
    pp.reset_correlation(port, b, h, 0)


def _setup():
    spec = ChipSpec(n_hemispheres=2, n_rows=4, n_neurons=3)
    chip = make_chip(spec, seeds=[1, 2])
    st = init_state(chip, [3, 4], weights=0)
    inp = Inputs(poisson_label=np.tile(event_label(np.arange(4), 0), (2, 1)),
                 poisson_rate_hz=np.full((2, 4), 1.0e6))
    return chip, st, inp


def test_compiled_program_runs_at_timer_events():
    chip, st, inp = _setup()
    ctx = (np.zeros((2, 2), np.int64), np.zeros((2, 2, 8)), np.zeros((2, 2, 8), np.int64))
    timer = Timer(start_us=10.0, period_us=15.0, n_periods=3)
    st2, rec = run(chip, st, 40.0, inputs=inp, timer=timer, ppu_fn=_potentiate_row0,
                   ppu_ctx=ctx)
    assert (ctx[0] == 3).all()
    np.testing.assert_allclose(ctx[1][:, :, :3], np.broadcast_to([10.0, 25.0, 40.0], (2, 2, 3)))
    assert (st2.weights[:, :, 0] == 40).all() and (st2.weights[:, :, 1:] == 0).all()
    assert (ctx[2][:, :, 0] == 0).all()  # silent until the program raised the weights
    assert ctx[2][:, :, 1].sum() > 0
    # the event at exactly the end fired; a continued run does not fire it again
    st3, _ = run(chip, st2, 10.0, inputs=inp, timer=timer, ppu_fn=_potentiate_row0,
                 ppu_ctx=ctx)
    assert (ctx[0] == 3).all()


def test_python_callback_gives_the_same_run():
    chip, st, inp = _setup()
    ctx = (np.zeros((2, 2), np.int64), np.zeros((2, 2, 8)), np.zeros((2, 2, 8), np.int64))
    timer = Timer(10.0, 15.0, 3)
    s1, r1 = run(chip, st, 40.0, inputs=inp, timer=timer, ppu_fn=_potentiate_row0,
                 ppu_ctx=ctx)
    ctx2 = tuple(np.zeros_like(a) for a in ctx)
    seen = []

    def callback(state, b, h, t_us):
        seen.append((b, h, t_us))
        _potentiate_row0(ctx2, state.port, b, h, t_us)

    s2, r2 = run(chip, st, 40.0, inputs=inp, timer=timer, callback=callback)
    assert len(seen) == 12 and seen[0] == (0, 0, 10.0)
    np.testing.assert_array_equal(r1.spike_step, r2.spike_step)
    for x, y in zip(s1.port + s1.dyn, s2.port + s2.dyn, strict=True):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(ctx, ctx2, strict=True):
        np.testing.assert_array_equal(x, y)
