"""Hypothesis property tests of the FXV semantics (REFERENCE.md "Vector instruction
semantics"), run through the numba interpreter."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chip_emulator.ppu import isa
from chip_emulator.ppu.testing import Machine

M = Machine()  # one machine, reset per example (the tests set every input they use)
bytes128 = st.lists(st.integers(-128, 127), min_size=128, max_size=128).map(
    lambda x: np.array(x, np.int8))
halfs64 = st.lists(st.integers(-32768, 32767), min_size=64, max_size=64).map(
    lambda x: np.array(x, np.int64))
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


def _to_bytes(h):
    out = np.empty(128, np.int8)
    out[0::2] = ((h >> 8) & 0xFF).astype(np.uint8).view(np.int8)
    out[1::2] = (h & 0xFF).astype(np.uint8).view(np.int8)
    return out


def _to_halfs(v):
    b = v.astype(np.int64)
    return (b[0::2] << 8) | (b[1::2] & 0xFF)


def _exec(name, a, b=None, c=0, imm=0, vcr=None):
    M.vr[1] = a
    M.vr[2] = a if b is None else b
    M.vr[3] = 0
    if vcr is not None:
        M.vcr[:] = vcr
    M.exec_vector(name, 3, 1, 2, c, imm)
    return M.vr[3].copy()


@SETTINGS
@given(bytes128, bytes128)
def test_saturating_byte_add_sub_stay_in_bounds_and_equal_clamped_exact(a, b):
    ai, bi = a.astype(int), b.astype(int)
    assert (_exec("fxvaddbfs", a, b) == np.clip(ai + bi, -128, 127)).all()
    assert (_exec("fxvsubbfs", a, b) == np.clip(ai - bi, -128, 127)).all()


@SETTINGS
@given(bytes128, bytes128)
def test_modulo_byte_ops_wrap(a, b):
    ai, bi = a.astype(int), b.astype(int)
    assert (_exec("fxvaddbm", a, b).astype(int) % 256 == (ai + bi) % 256).all()
    assert (_exec("fxvsubbm", a, b).astype(int) % 256 == (ai - bi) % 256).all()
    assert (_exec("fxvmulbm", a, b).astype(int) % 256 == (ai * bi) % 256).all()


@SETTINGS
@given(bytes128, bytes128)
def test_fractional_multiply_truncates_toward_minus_infinity(a, b):
    ai, bi = a.astype(int), b.astype(int)
    want = np.floor_divide(ai * bi, 128)  # floor(a*b / 2^7)
    want[(ai == -128) & (bi == -128)] = 127  # the single saturating case
    assert (_exec("fxvmulbfs", a, b) == want).all()


@SETTINGS
@given(halfs64, halfs64)
def test_fractional_halfword_multiply_and_saturating_add(a, b):
    got = _to_halfs(_exec("fxvmulhfs", _to_bytes(a), _to_bytes(b)))
    want = np.floor_divide(a * b, 32768)
    want[(a == -32768) & (b == -32768)] = 32767
    assert (got == want).all()
    got = _to_halfs(_exec("fxvaddhfs", _to_bytes(a), _to_bytes(b)))
    assert (got == np.clip(a + b, -32768, 32767)).all()


def test_single_saturating_case_of_fractional_multiply():
    a = np.full(128, -128, np.int8)
    assert (_exec("fxvmulbfs", a, a) == 127).all()
    h = _to_bytes(np.full(64, -32768))
    assert (_to_halfs(_exec("fxvmulhfs", h, h)) == 32767).all()


@SETTINGS
@given(halfs64)
def test_halfword_compare_sets_both_bytes(h):
    M.vr[1] = _to_bytes(h)
    M.exec_vector("fxvcmph", 0, 1)
    f = M.vcr.copy()
    assert (f[0::2] == f[1::2]).all()
    want = np.where(h > 0, isa.FLAG_GT, np.where(h < 0, isa.FLAG_LT, isa.FLAG_EQ))
    assert (f[0::2] == want).all()


@SETTINGS
@given(bytes128, bytes128, bytes128)
def test_select_is_bytewise_by_condition(a, b, flags):
    M.vr[4] = flags
    M.exec_vector("fxvcmpb", 0, 4)
    for c, cond in ((1, flags > 0), (2, flags < 0), (3, flags == 0)):
        assert (_exec("fxvsel", a, b, c=c) == np.where(cond, b, a)).all()


@SETTINGS
@given(bytes128, st.integers(0, 31))
def test_shift_by_signed_5_bit_immediate(a, imm):
    got = _exec("fxvshb", a, imm=imm)
    u = a.astype(np.int64) & 0xFF
    want = (u << imm) & 0xFF if imm < 16 else u >> (32 - imm)
    assert (got.astype(np.int64) & 0xFF == want).all()


@SETTINGS
@given(bytes128, bytes128)
def test_accumulator_is_double_width(a, b):
    """Sum of 3 byte products held exactly in 16 bits (modulo), upper byte out by fxvmabm."""
    M.vr[1], M.vr[2] = a, b
    M.exec_vector("fxvmultacbm", 0, 1, 2)
    M.exec_vector("fxvmatacbm", 0, 1, 2)
    M.exec_vector("fxvmatacbm", 0, 1, 2)
    p = a.astype(np.int64) * b.astype(np.int64)
    want16 = ((3 * p + 32768) % 65536) - 32768
    assert (M.acc.astype(np.int64) == want16).all()
    M.exec_vector("fxvmabm", 3, 1, 2)
    want = (((want16 + p + 32768) % 65536) - 32768) >> 8
    assert (M.vr[3].astype(np.int64) == want).all()


@SETTINGS
@given(halfs64, halfs64)
def test_pack_then_unpack_round_trips_within_slices(x, y):
    M.vr[1], M.vr[2] = _to_bytes(x), _to_bytes(y)
    M.exec_vector("fxvpckbu", 3, 1, 2)
    M.exec_vector("fxvpckbl", 4, 1, 2)
    u = M.vr[3].reshape(8, 16)
    assert (u[:, :8].ravel() == M.vr[1][0::2]).all()  # upper bytes of x, slice by slice
    assert (u[:, 8:].ravel() == M.vr[2][0::2]).all()
    M.exec_vector("fxvupckbl", 5, 3, 4)
    M.exec_vector("fxvupckbr", 6, 3, 4)
    assert (_to_halfs(M.vr[5]) == x).all() and (_to_halfs(M.vr[6]) == y).all()


@SETTINGS
@given(bytes128, bytes128, st.integers(1, 3))
def test_conditional_write_keeps_old_lanes(a, flags, c):
    M.vr[4] = flags
    M.exec_vector("fxvcmpb", 0, 4)
    M.vr[1], M.vr[2], M.vr[3] = a, a, np.full(128, 99, np.int8)
    M.exec_vector("fxvaddbm", 3, 1, 2, c)
    cond = [flags > 0, flags < 0, flags == 0][c - 1]
    want = np.where(cond, (2 * a.astype(int) + 128) % 256 - 128, 99)
    assert (M.vr[3] == want).all()
