"""Every vector instruction against the slow NumPy reference, plus golden values.

The reference (chip_emulator/ppu/reference.py) is written separately from the numba
kernels; both follow REFERENCE.md "Vector instruction semantics (Nux FXV)".
"""

import zlib

import numpy as np
import pytest

from chip_emulator.ppu import isa, reference
from chip_emulator.ppu.testing import Machine

EDGE8 = np.array([-128, -127, -65, -64, -2, -1, 0, 1, 2, 63, 64, 126, 127], np.int8)


def _random_state(rng, m: Machine):
    m.vr[:] = rng.integers(-128, 128, (32, 128), dtype=np.int8)
    # sprinkle edge values (byte and halfword extremes) into every register
    for r in range(32):
        idx = rng.choice(128, 24, replace=False)
        m.vr[r, idx] = rng.choice(EDGE8, 24)
        m.vr[r, 0:2] = [-128, 0]  # halfword -32768
        m.vr[r, 2:4] = [127, -1]  # halfword 32767
    m.acc[:] = rng.integers(-32768, 32768, 128, dtype=np.int16)
    m.acc[0:4] = [-32768, 0, 32767, -1]  # 32-bit extremes of the halfword view
    m.vcr[:] = rng.integers(0, 8, 128, dtype=np.uint8)


def _conditions(op):
    """The condition codes an op takes (those without a condition: 0 only)."""
    fmt = isa.OP_FORMATS[isa.OP_INDEX[op]]
    return (0,) if fmt in ("v", "vsh", "vr") or op.startswith(("fxvpck", "fxvupck")) \
        else (0, 1, 2, 3)


def _check_against_reference(rng, m, op, rt, ra, rb, c):
    """Execute ``op`` on ``m`` with a random immediate and scalar operand and compare every
    vector register, the accumulator and the condition register with the reference.
    Returns the state before."""
    imm = int(rng.integers(0, 32)) if isa.OP_FORMATS[isa.OP_INDEX[op]] == "vsh" else 0
    scalar = int(rng.integers(-2**31, 2**31))
    m.gpr[ra] = scalar
    before = m.state()
    m.exec_vector(op, rt, ra, rb, c, imm)
    want = reference.execute(op, before, rt, ra, rb, c, imm, gpr_ra=scalar)
    for key in ("vr", "acc", "vcr"):
        got = getattr(m, key)
        assert np.array_equal(got, want[key]), (
            f"{op} rt={rt} ra={ra} rb={rb} c={c} imm={imm}: {key} differs at "
            f"{np.argwhere(got != want[key])[:5].ravel().tolist()}")
    return before


@pytest.mark.parametrize("op", reference.VECTOR_ALU_OPS)
def test_instruction_matches_reference(op):
    """Table: each op x each condition x random registers (seeded), vs the reference."""
    rng = np.random.default_rng(zlib.crc32(op.encode()))
    m = Machine()
    for trial in range(6):
        _random_state(rng, m)
        rt, ra, rb = (int(x) for x in rng.integers(0, 32, 3))
        if trial == 0:
            ra = rb  # the square case: -128 * -128 lanes
        for c in _conditions(op):
            before = _check_against_reference(rng, m, op, rt, ra, rb, c)
            m.vr[:], m.acc[:], m.vcr[:] = before["vr"], before["acc"], before["vcr"]


def _bytes(vals):
    v = np.zeros(128, np.int8)
    v[:len(vals)] = vals
    return v


def _halfs(vals):
    out = np.zeros(128, np.int8)
    for i, x in enumerate(vals):
        x &= 0xFFFF
        out[2 * i] = np.int8(np.uint8(x >> 8))
        out[2 * i + 1] = np.int8(np.uint8(x & 0xFF))
    return out


def _as_halfs(vec, n):
    b = vec.astype(np.int64)
    h = (b[0::2] << 8) | (b[1::2] & 0xFF)
    return h[:n].tolist()


# (op, a lanes, b lanes, expected lanes): hand-computed from REFERENCE.md
GOLDEN_BYTE = [
    ("fxvaddbm", [127, -128, 100, -1], [1, -1, 100, 1], [-128, 127, -56, 0]),
    ("fxvaddbfs", [127, -128, 100, -100], [1, -1, 100, -100], [127, -128, 127, -128]),
    ("fxvsubbm", [0, -128, 5], [-128, 1, 7], [-128, 127, -2]),
    ("fxvsubbfs", [0, -128, 5, 127], [-128, 1, 7, -1], [127, -128, -2, 127]),
    ("fxvmulbm", [16, -3, 127], [16, 3, 127], [0, -9, 1]),
    # fractional: floor(a*b/128); 3 x -1 = -1 (toward -inf); -128 x -128 saturates to 127
    ("fxvmulbfs", [3, -128, 64, -128, 127], [-1, -128, 64, 127, 127], [-1, 127, 32, -127, 126]),
]


@pytest.mark.parametrize("op,a,b,want", GOLDEN_BYTE)
def test_golden_byte_values(op, a, b, want):
    m = Machine()
    m.vr[1], m.vr[2] = _bytes(a), _bytes(b)
    m.exec_vector(op, 3, 1, 2)
    assert m.vr[3, :len(want)].tolist() == want


def test_golden_halfword_values():
    m = Machine()
    m.vr[1] = _halfs([-32768, 3, 32767, 16384])
    m.vr[2] = _halfs([-32768, -1, 1, 16384])
    m.exec_vector("fxvmulhfs", 3, 1, 2)
    assert _as_halfs(m.vr[3], 4) == [32767, -1, 0, 8192]
    m.exec_vector("fxvaddhfs", 3, 1, 2)
    assert _as_halfs(m.vr[3], 4) == [-32768, 2, 32767, 32767]
    m.exec_vector("fxvaddhm", 3, 1, 2)
    assert _as_halfs(m.vr[3], 4) == [0, 2, -32768, -32768]


def test_golden_shift_splat_and_accumulator():
    m = Machine()
    m.vr[1] = _bytes([-2, 1, 64, -128])
    m.exec_vector("fxvshb", 2, 1, imm=1)  # left by 1
    assert m.vr[2, :4].tolist() == [-4, 2, -128, 0]
    m.exec_vector("fxvshb", 2, 1, imm=31)  # -1: logical right by 1 (0xfe -> 0x7f)
    assert m.vr[2, :4].tolist() == [127, 0, 32, 64]
    m.exec_vector("fxvshb", 2, 1, imm=16)  # -16: right by 16 clears a byte
    assert m.vr[2, :4].tolist() == [0, 0, 0, 0]
    m.gpr[5] = 0x1234_56F0
    m.exec_vector("fxvsplatb", 4, 5)
    assert (m.vr[4] == np.int8(-16)).all()
    m.exec_vector("fxvsplath", 4, 5)
    assert _as_halfs(m.vr[4], 64) == [0x56F0] * 64
    # accumulator: 2n bits; -128*-128 accumulated twice = 32768 fits only in 16 bits modulo
    m.vr[1] = _bytes([-128, 127])
    m.exec_vector("fxvmultacbm", 0, 1, 1)  # ACC = a*a
    m.exec_vector("fxvmatacbm", 0, 1, 1)  # ACC += a*a
    assert m.acc[:2].tolist() == [np.int16(np.uint16(32768)), 32258]
    m.exec_vector("fxvmultacbfs", 0, 1, 1)  # ACC = fract: 2*a*a, -128^2 saturates
    assert m.acc[:2].tolist() == [32767, 32258]
    m.exec_vector("fxvmatacbfs", 0, 1, 1)  # saturating accumulation at 16 bits
    assert m.acc[:2].tolist() == [32767, 32767]


@pytest.mark.parametrize("op", reference.VECTOR_ALU_OPS)
def test_destination_equal_to_a_source_matches_reference(op):
    """In place (rt = ra, rt = rb, all three equal): the kernels compute into a scratch row
    and commit (so that such loops vectorise); the result must not change."""
    rng = np.random.default_rng(zlib.crc32(op.encode()) + 1)
    m = Machine()
    for rt, ra, rb in ((5, 5, 9), (5, 9, 5), (5, 5, 5)):
        for c in _conditions(op):
            _random_state(rng, m)
            _check_against_reference(rng, m, op, rt, ra, rb, c)
