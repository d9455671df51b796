"""Threads: the state's arrays start on page / line-pair boundaries (so threads writing
neighbouring (instance, hemisphere) slices do not share lines), and the thread-local
neuron state of the run loop is kept in step with what the PPU reads and resets."""

import numpy as np
from numba import njit

from chip_emulator import ppu_port as pp
from chip_emulator.chip import make_chip
from chip_emulator.network import Inputs, event_label
from chip_emulator.params import ChipSpec, NeuronParams
from chip_emulator.run import Record, Timer, run
from chip_emulator.state import LINE_PAIR, PAGE, init_state


def _check_aligned(state):
    for a in state.port + state.dyn:
        assert a.flags.c_contiguous
        assert a.ctypes.data % (PAGE if a.nbytes >= PAGE else LINE_PAIR) == 0


def test_state_arrays_are_aligned_after_init_copy_and_run():
    spec = ChipSpec(n_hemispheres=2, n_rows=64, n_neurons=32)
    chip = make_chip(spec, seeds=[1, 2, 3])
    st = init_state(chip, [4, 5, 6], weights=7, labels=3)
    _check_aligned(st)
    _check_aligned(st.copy())
    s2, _ = run(chip, st, 1.0, threads=2)
    _check_aligned(s2)
    np.testing.assert_array_equal(s2.weights, 7)  # the copy kept the values


@njit
def _read_and_reset(ctx, port, b, h, t_us):
    # read the membranes, then reset the neurons above the hemisphere's median
    log, calls = ctx
    n = pp.n_columns(port)
    v = np.zeros(n, np.uint8)
    pp.get_membrane(port, b, h, 0, v)
    i = calls[b, h]
    log[b, h, i, :] = v
    calls[b, h] = i + 1
    mask = (v > np.median(v)).astype(np.uint8)
    pp.reset_neurons(port, b, h, 0, mask)


def test_ppu_membrane_access_same_with_threads_and_callback():
    # AdEx and noise on: every thread-local neuron array is in play
    spec = ChipSpec(n_hemispheres=2, n_rows=8, n_neurons=6, adaptation=True, exponential=True)
    chip = make_chip(spec, seeds=[1, 2], neuron=NeuronParams(a_adapt=0.5, b_adapt_lsb=3.0))
    st = init_state(chip, [3, 4], weights=50)
    inp = Inputs(poisson_label=np.tile(event_label(np.arange(8), 0), (2, 1)),
                 poisson_rate_hz=np.full((2, 8), 2.0e5))
    timer = Timer(3.0, 4.0, 8)
    rec = Record(trace_neurons=(0, 5), trace_every=7)
    out = []
    for threads in (1, 2, 3):
        ctx = (np.zeros((2, 2, 8, 6), np.uint8), np.zeros((2, 2), np.int64))
        s, r = run(chip, st, 40.0, inputs=inp, timer=timer, ppu_fn=_read_and_reset, ppu_ctx=ctx,
                   record=rec, threads=threads)
        out.append((s, r, ctx))
    ctx = (np.zeros((2, 2, 8, 6), np.uint8), np.zeros((2, 2), np.int64))

    def callback(state, b, h, t_us):
        _read_and_reset(ctx, state.port, b, h, t_us)

    s, r = run(chip, st, 40.0, inputs=inp, timer=timer, callback=callback, record=rec)
    out.append((s, r, ctx))
    s1, r1, c1 = out[0]
    assert (c1[1] == 8).all() and r1.spike_count.sum() > 0
    assert len({int(x) for x in c1[0].reshape(-1)}) > 3  # the program saw moving membranes
    for s, r, c in out[1:]:
        np.testing.assert_array_equal(r1.spike_step, r.spike_step)
        np.testing.assert_array_equal(r1.trace, r.trace)
        for x, y in zip(s1.port + s1.dyn, s.port + s.dyn, strict=True):
            np.testing.assert_array_equal(x, y)
        for x, y in zip(c1, c, strict=True):
            np.testing.assert_array_equal(x, y)
