"""Bad programs get a clear error naming the instruction and the problem; never a crash
or a hang (10,000 random programs)."""

import numpy as np
import pytest

from chip_emulator.ppu import PPUError, Program, isa, make_array_io, new_state, run_once, validate
from chip_emulator.ppu.interpreter import FIELD_LIMITS, IMM_TARGET

I = isa.OP_INDEX
HALT = [I["halt"], 0, 0, 0, 0, 0]


def _program(rows, data=0):
    code = np.array([list(r) for r in rows], np.int32).reshape(-1, isa.N_FIELDS)
    base = -(-code.shape[0] * 4 // 16) * 16
    return Program(code, np.zeros(data, np.uint8), base)


def _run(rows, **kw):
    p = _program(rows)
    return run_once(p, new_state(p), make_array_io(4, 256), **kw)


@pytest.mark.parametrize("rows,index,words", [
    ([HALT, [99, 0, 0, 0, 0, 0]], 1, "unknown opcode"),
    ([[I["fxvaddbm"], 32, 0, 0, 0, 0], HALT], 0, "register"),
    ([[I["addi"], 1, -1, 0, 0, 0], HALT], 0, "register"),
    ([[I["fxvaddbm"], 1, 2, 3, 4, 0], HALT], 0, "condition"),
    ([[I["fxvshb"], 1, 2, 0, 0, 32], HALT], 0, "immediate"),
    ([[I["li"], 1, 0, 0, 0, 40000], HALT], 0, "immediate"),
    ([[I["fxvpckbu"], 1, 2, 3, 1, 0], HALT], 0, "size"),
    ([[I["b"], 0, 0, 0, 0, 7], HALT], 0, "branch target"),
])
def test_static_errors_name_the_instruction(rows, index, words):
    with pytest.raises(PPUError, match=words) as exc:
        validate(_program(rows))
    assert exc.value.index == index and f"instruction {index}" in str(exc.value)
    with pytest.raises(PPUError, match=words):  # the interpreter refuses it as well
        _run(rows)


@pytest.mark.parametrize("rows,index,words", [
    ([[I["li"], 1, 0, 0, 0, 0], [I["lwz"], 2, 1, 0, 0, 4], HALT], 1, "SRAM address"),
    ([[I["li"], 1, 0, 0, 0, 16300], [I["fxvlax"], 2, 0, 1, 0, 0], HALT], 1, "SRAM address"),
    ([[I["li"], 1, 0, 0, 0, -4], [I["fxvstax"], 2, 0, 1, 0, 0], HALT], 1, "SRAM address"),
    ([[I["li"], 1, 0, 0, 0, 10 * 512], [I["fxvinx"], 2, 0, 1, 0, 0], HALT], 1, "I/O address"),
    ([[I["li"], 1, 0, 0, 0, 2 * 4], [I["fxvinx"], 2, 0, 1, 0, 0], HALT], 1, "I/O address"),
    ([[I["li"], 1, 0, 0, 0, 512 * 2], [I["fxvoutx"], 2, 0, 1, 0, 0], HALT], 1, "direction"),
    ([[I["li"], 1, 0, 0, 0, 512 * 4], [I["fxvinx"], 2, 0, 1, 0, 0], HALT], 1, "direction"),
    ([[I["b"], 0, 0, 0, 0, 0]], 0, "cycle cap"),
    ([[I["nop"], 0, 0, 0, 0, 0]], 0, "without halt"),
])
def test_runtime_errors_name_the_instruction(rows, index, words):
    with pytest.raises(PPUError, match=words) as exc:
        _run(rows, max_cycles=10_000)
    assert exc.value.index == index
    assert isa.OP_NAMES[rows[index][0]] in exc.value.instruction


def test_store_into_the_code_region_is_refused():
    # data_base is above the code: writing over the program itself is an error
    with pytest.raises(PPUError, match="SRAM address"):
        _run([[I["li"], 1, 0, 0, 0, 0], [I["stw"], 1, 1, 0, 0, 0], HALT])


def test_oversize_program_is_refused():
    rows = [[I["nop"], 0, 0, 0, 0, 0]] * 4000 + [HALT]
    p = Program(np.array(rows, np.int32), np.zeros(1000, np.uint8), 16004)
    with pytest.raises(ValueError, match="16384"):
        p.sram_image()
    with pytest.raises(PPUError, match="16 KiB"):
        validate(p)


def test_budget_overrun_is_an_error_or_a_flag():
    loop = [[I["li"], 1, 0, 0, 0, 100], [I["addi"], 1, 1, 0, 0, -1],
            [I["cmpi"], 0, 1, 0, 0, 0], [I["bc"], 0, 0, 0, isa.BR_GT, 1], HALT]
    with pytest.raises(PPUError, match="overran"):
        _run(loop, budget_cycles=100)
    assert _run(loop, budget_cycles=100, on_overrun="flag") > 100
    assert _run(loop, budget_cycles=10_000) < 10_000


def _random_program(rng):
    """Random programs, most of them statically valid, to reach the dynamic checks."""
    n = int(rng.integers(1, 24))
    code = np.zeros((n, isa.N_FIELDS), np.int64)
    valid = rng.random() < 0.8
    for i in range(n):
        op = int(rng.integers(0, isa.N_OPS))
        c_hi, lo, hi = FIELD_LIMITS[op]
        if hi == IMM_TARGET:
            lo, hi = 0, n - 1
        imm = int(rng.integers(lo, hi + 1)) if hi > lo else int(lo)
        if rng.random() < 0.3 and hi != IMM_TARGET:  # small immediates: nearby addresses
            imm = int(np.clip(rng.integers(-8, 5200), lo, hi))
        code[i] = [op, *rng.integers(0, 32, 3), rng.integers(0, c_hi + 1), imm]
    if not valid:
        i, f = int(rng.integers(0, n)), int(rng.integers(0, isa.N_FIELDS))
        code[i, f] = int(rng.integers(-2**31, 2**31))
    if rng.random() < 0.7:
        code[-1] = HALT
    return Program(code.astype(np.int32), np.zeros(64, np.uint8), -(-n * 4 // 16) * 16)


def test_fuzz_ten_thousand_random_programs():
    rng = np.random.default_rng(2024)
    io = make_array_io(4, 256, seed=1)
    outcomes = {}
    for _ in range(10_000):
        p = _random_program(rng)
        state = new_state(p)
        state.gpr[:] = rng.integers(-3000, 6000, 32)  # registers point around the maps
        try:
            run_once(p, state, io, max_cycles=5_000)
            key = "ok"
        except PPUError as e:
            assert f"instruction {e.index}" in str(e) and 0 <= e.index < len(p.code)
            key = e.code
        outcomes[key] = outcomes.get(key, 0) + 1
        assert io.rows[:2].max() < 64  # 6-bit stores held
    # the fuzzer reached the clean end and every class of error
    for key in ("ok", isa.E_UNKNOWN_OPCODE, isa.E_BAD_REGISTER, isa.E_BAD_FIELD,
                isa.E_MEM_RANGE, isa.E_IO_RANGE, isa.E_IO_DIRECTION, isa.E_CYCLE_CAP,
                isa.E_FELL_OFF):
        assert outcomes.get(key, 0) > 0, (key, outcomes)
