"""The PPU port accessors on a hand-built port (layout per chip_emulator.ppu_port)."""

import numpy as np
import pytest
from numba import njit

from chip_emulator import ppu_port as pp


def _port(B=2, H=2, R=4, N=8, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.integers(0, 64, (B, H, R, N)).astype(np.uint8),
        np.zeros((B, H, R, N), np.uint8),
        np.zeros((B, H, N, R), np.uint8),
        np.full((B, H, N, R), 10.0, np.float32),
        np.full((B, H, R, N), 300.0, np.float32),
        np.full((B, H, N, R), 130.0, np.float32),
        np.full((B, H, R, N), 125.0, np.float32),
        np.array(rng.integers(0, 256, (B, H, N)), np.uint8),
        np.zeros((B, H, N), np.uint8),
        np.linspace(-10, 300, B * H * N).reshape(B, H, N).astype(np.float32),
        np.zeros((B, H, N), np.float32),
        np.full((B, H, N), 70.0, np.float32),
        np.full((B, H, N), 20.0, np.float32),
    )


def test_weights_roundtrip_masks_to_6_bits():
    port = _port()
    out = np.zeros(4, np.uint8)
    pp.set_weights(port, 1, 0, 2, 4, np.array([0, 63, 64, 255], np.uint8))
    pp.get_weights(port, 1, 0, 2, 4, out)
    assert out.tolist() == [0, 63, 0, 63]
    assert port[0][0, 0, 2, 4] != 255  # another instance untouched


def test_masked_write_and_labels_mirror():
    port = _port()
    before = port[0][0, 1, 3].copy()
    pp.set_weights_masked(port, 0, 1, 3, 0, np.full(8, 7, np.uint8),
                          np.array([1, 0] * 4, np.uint8))
    w = port[0][0, 1, 3]
    assert (w[::2] == 7).all() and (w[1::2] == before[1::2]).all()
    pp.set_labels(port, 0, 1, 3, 0, np.arange(8, dtype=np.uint8) + 60)
    assert port[1][0, 1, 3].tolist() == [60, 61, 62, 63, 0, 1, 2, 3]
    assert port[2][0, 1, :, 3].tolist() == [60, 61, 62, 63, 0, 1, 2, 3]


def test_correlation_readings_fall_saturate_and_reset():
    port = _port()
    c, a = np.zeros(8, np.uint8), np.zeros(8, np.uint8)
    pp.get_causal(port, 0, 0, 1, 0, c)
    pp.get_acausal(port, 0, 0, 1, 0, a)
    assert (c == 120).all() and (a == 0).all()  # 130 - 10, and 125 - 300 saturates at 0
    pp.reset_correlation(port, 0, 0, 1)
    pp.get_causal(port, 0, 0, 1, 0, c)
    pp.get_acausal(port, 0, 0, 1, 0, a)
    assert (c == 130).all() and (a == 125).all()
    assert port[3][0, 0, 0, 0] == 10.0  # other rows untouched


def test_rate_counters_clear_on_read_and_membrane_and_reset():
    port = _port()
    port[8][0, 0, 3] = 1
    cnt, ovf = np.zeros(8, np.uint8), np.zeros(8, np.uint8)
    expect = port[7][0, 0].copy()
    pp.get_rate_counters(port, 0, 0, 0, cnt, ovf, False)
    assert (cnt == expect).all() and ovf[3] == 1
    pp.get_rate_counters(port, 0, 0, 0, cnt, ovf, True)
    pp.get_rate_counters(port, 0, 0, 0, cnt, ovf, True)
    assert (cnt == 0).all() and (ovf == 0).all()
    m = np.zeros(8, np.uint8)
    pp.get_membrane(port, 0, 0, 0, m)
    v = port[9][0, 0]
    assert (m == np.clip(np.floor(v + 0.5), 0, 255)).all() and m[0] == 0
    pp.reset_neurons(port, 0, 0, 0, np.array([1, 0, 0, 0, 0, 0, 0, 1], np.uint8))
    assert port[9][0, 0, 0] == 70.0 and port[10][0, 0, 7] == 20.0 and port[10][0, 0, 1] == 0


def test_out_of_range_row_raises():
    port = _port()
    with pytest.raises(IndexError):
        pp.get_weights(port, 0, 0, 4, 0, np.zeros(8, np.uint8))
    with pytest.raises(IndexError):
        pp.get_weights(port, 0, 0, 0, 4, np.zeros(8, np.uint8))


@njit
def _rule(ctx, port, b, h, t_us):
    # what a PPU program does: read a half row, change it, write it back
    buf = ctx[0]
    for r in range(pp.n_rows(port)):
        pp.get_weights(port, b, h, r, 0, buf)
        for i in range(buf.size):
            buf[i] = buf[i] + 1 if buf[i] < 63 else 63
        pp.set_weights(port, b, h, r, 0, buf)
    ctx[1][b, h] = t_us


def test_accessors_callable_from_a_compiled_program():
    port = _port()
    w0 = port[0].copy()
    ctx = (np.zeros(8, np.uint8), np.zeros((2, 2)))
    _rule(ctx, port, 1, 1, 3.5)
    assert (port[0][1, 1] == np.minimum(w0[1, 1].astype(int) + 1, 63)).all()
    assert (port[0][0] == w0[0]).all() and ctx[1][1, 1] == 3.5


def test_padded_causal_store_reads_and_resets_by_row():
    # from 64 rows on the column-major causal arrays carry padding (state.stored_rows):
    # the accessors must see exactly rows 0..R-1 and a reset must clear exactly one row
    from chip_emulator.chip import make_chip
    from chip_emulator.params import ChipSpec
    from chip_emulator.state import init_state, stored_rows

    R, N = 64, 8
    chip = make_chip(ChipSpec(n_hemispheres=2, n_rows=R, n_neurons=N), seeds=[4])
    st = init_state(chip, [5])
    port = st.port
    assert stored_rows(R) > R and port[3].shape == (1, 2, N, stored_rows(R))
    rng = np.random.default_rng(1)
    port[3][:] = rng.uniform(0, 100, port[3].shape)
    port[4][:] = rng.uniform(0, 100, port[4].shape)
    c, a = np.zeros(N, np.uint8), np.zeros(N, np.uint8)
    for row in (0, 17, R - 1):
        pp.get_causal(port, 0, 1, row, 0, c)
        expect = np.clip(np.floor(chip.base_c[0, 1, :, row] - port[3][0, 1, :, row] + 0.5), 0, 255)
        np.testing.assert_array_equal(c, expect)
    before = port[3].copy(), port[4].copy()
    pp.reset_correlation(port, 0, 1, 17)
    pp.get_causal(port, 0, 1, 17, 0, c)
    pp.get_acausal(port, 0, 1, 17, 0, a)
    np.testing.assert_array_equal(c, np.clip(np.floor(chip.base_c[0, 1, :, 17] + 0.5), 0, 255))
    np.testing.assert_array_equal(a, np.clip(np.floor(chip.base_a[0, 1, 17] + 0.5), 0, 255))
    changed_c = port[3] != before[0]
    changed_a = port[4] != before[1]
    assert changed_c[0, 1, :, 17].all() and changed_c.sum() == N
    assert changed_a[0, 1, 17].all() and changed_a.sum() == N
    with pytest.raises(IndexError):
        pp.get_causal(port, 0, 1, R, 0, c)  # a padding row is not a synapse row
