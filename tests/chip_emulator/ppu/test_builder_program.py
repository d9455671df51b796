"""Program builder, disassembler, SRAM size accounting and host symbols."""

import numpy as np
import pytest

from chip_emulator.ppu import (
    PPUError,
    ProgramBuilder,
    disassemble,
    isa,
    make_array_io,
    new_state,
    read_symbol,
    run_once,
    validate,
    write_symbol,
)
from chip_emulator.ppu.examples.stdp import weights_pass_program


def test_weights_pass_reads_like_the_algorithm_and_costs_20k_to_40k_cycles():
    p = weights_pass_program(n_rows=256, n_halves=2, delta=1)
    text = disassemble(p)
    assert "row_loop:" in text and "fxvinx" in text and "fxvoutx" in text and "blt row_loop" in text
    io = make_array_io(256, 256, seed=0)
    io.rows[isa.IO_WEIGHTS] = np.random.default_rng(0).integers(0, 63, (256, 256))
    before = io.rows[isa.IO_WEIGHTS].copy()
    cycles = run_once(p, new_state(p), io)
    assert 20_000 <= cycles <= 40_000  # REFERENCE.md estimate about 25,600 (0.1 ms)
    assert (io.rows[isa.IO_WEIGHTS] == before + 1).all()


def test_symbols_round_trip_big_endian_and_program_uses_them():
    b = ProgramBuilder()
    b.symbol("reward", "int32", 1)
    b.symbol("total", "int32", 1)
    r, t = b.reg("r"), b.reg("t")
    b.load_word(r, "reward")
    b.load_word(t, "total")
    b.add(t, t, r)
    b.store_word(t, "total")
    p = b.build()
    s = new_state(p)
    write_symbol(s.sram, p, "reward", -7)
    addr = p.symbols["reward"].address
    assert s.sram[addr:addr + 4].tolist() == [0xFF, 0xFF, 0xFF, 0xF9]  # big-endian -7
    io = make_array_io(2, 128)
    run_once(p, s, io)
    run_once(p, s, io)
    assert read_symbol(s.sram, p, "total").tolist() == [-14]
    with pytest.raises(ValueError, match="range"):
        write_symbol(s.sram, p, "reward", 2**31)
    with pytest.raises(KeyError, match="reward"):
        read_symbol(s.sram, p, "rewrad")


def test_vector_constant_and_32_bit_constants():
    b = ProgramBuilder()
    b.vector_constant("ramp", np.arange(128) - 64)
    b.symbol("out", "int32", 2)
    v, x = b.vreg("v"), b.reg("x")
    b.load_vector(v, "ramp")
    b.fxvaddbm(v, v, v)
    b.store_vector(v, "ramp")
    b.li(x, 0x12345678)
    b.store_word(x, "out", 0)
    b.li(x, -100000)
    b.store_word(x, "out", 1)
    p = b.build()
    s = new_state(p)
    run_once(p, s, make_array_io(2, 128))
    ramp = read_symbol(s.sram, p, "ramp")
    assert ramp.tolist() == (((np.arange(128) - 64) * 2 + 128) % 256 - 128).tolist()
    assert read_symbol(s.sram, p, "out").tolist() == [0x12345678, -100000]


def test_program_size_counts_code_and_data_against_16_kib():
    b = ProgramBuilder()
    b.symbol("table", "uint8", 16_000)
    for _ in range(200):
        b.nop()
    with pytest.raises(ValueError, match="16384"):
        b.build()
    ok = ProgramBuilder()
    ok.symbol("table", "uint8", 15_000)
    p = ok.build()
    assert p.size_bytes == p.data_base + 15_000 and p.size_bytes <= isa.SRAM_BYTES
    validate(p)


def test_builder_errors_are_clear():
    b = ProgramBuilder()
    with pytest.raises(ValueError, match="unknown instruction"):
        b.emit("fxvfoo")
    with pytest.raises(TypeError, match="operands"):
        b.fxvaddbm(b.vreg("a"), b.vreg("b"))
    lab = b.label("nowhere")
    b.b(lab)
    with pytest.raises(ValueError, match="never placed"):
        b.build()
    full = ProgramBuilder()
    for i in range(32):
        full.vreg(f"v{i}")
    with pytest.raises(ValueError, match="out of vector registers"):
        full.vreg("one_too_many")


def test_disassembler_shows_conditions_and_survives_garbage():
    b = ProgramBuilder()
    v = b.vreg("v")
    b.fxvsel(v, v, v, c=isa.C_LT)
    b.fxvshb(v, v, 31)
    p = b.build()
    text = disassemble(p)
    assert "fxvsel.lt v0, v0, v0" in text and "fxvshb v0, v0, 31" in text
    garbage = np.array([[999, 1, 2, 3, 4, 5]], np.int32)
    assert "unknown opcode" in disassemble(garbage)
    with pytest.raises(PPUError, match="unknown opcode"):
        validate(type(p)(garbage, p.data, 16))


def _row_kernel(use_bases: bool, row_kind: str):
    """Per row: causal in, w += causal (saturating), w out, masked label write, correlation
    reset; rows given as a RowReg, a plain row register or a constant."""
    b = ProgramBuilder()
    c, w, lab = b.vreg("c"), b.vreg("w"), b.vreg("lab")
    b.splat(lab, 5)
    b.fxvcmpb(lab)  # gt everywhere: the masked write is enabled on every lane
    if use_bases:
        kinds = {k: [b.io_base(k, h) for h in (0, 1)] for k in (
            isa.IO_CAUSAL, isa.IO_WEIGHTS, isa.IO_LABELS, isa.IO_CORR_RESET)}

    def acc(fn, v, kind, row, h, c=0):
        if use_bases:
            fn(v, kinds[kind][h], row, c=c)
        else:
            fn(v, kind, row, h, c=c)

    def body(row):
        for h in (0, 1):
            acc(b.io_in, c, isa.IO_CAUSAL, row, h)
            b.fxvshb(c, c, 30)  # reading / 4
            acc(b.io_in, w, isa.IO_WEIGHTS, row, h)
            b.fxvaddbfs(w, w, c)
            acc(b.io_out, w, isa.IO_WEIGHTS, row, h)
            acc(b.io_out, lab, isa.IO_LABELS, row, h, c=isa.C_GT)
        acc(b.io_out, c, isa.IO_CORR_RESET, row, 0)

    if row_kind == "rows":
        with b.rows("row", 8) as row:
            body(row)
    elif row_kind == "loop":
        with b.loop("row", 0, 8) as row:
            body(row)
    else:
        for r in range(8):
            body(r)
    return b.build()


@pytest.mark.parametrize("row_kind", ["rows", "loop", "const"])
def test_io_base_registers_give_the_same_result_with_fewer_instructions(row_kind):
    results = []
    for use_bases in (False, True):
        p = _row_kernel(use_bases, row_kind)
        io = make_array_io(8, 256, seed=3)
        rng = np.random.default_rng(4)
        io.rows[isa.IO_CAUSAL] = rng.integers(0, 256, (8, 256))
        io.rows[isa.IO_WEIGHTS] = rng.integers(0, 64, (8, 256))
        s = new_state(p)
        cycles = run_once(p, s, io)
        results.append((io, int(s.status[3]), cycles))
    (io0, n0, c0), (io1, n1, c1) = results
    for a, b in zip(io0, io1, strict=True):
        np.testing.assert_array_equal(a, b)
    assert (io1.rows[isa.IO_LABELS] == 5).all() and (io1.corr_resets == 1).all()
    if row_kind == "rows":  # one address add saved per access: 9 per row, minus 8 li
        assert (n0 - n1, c0 - c1) == (9 * 8 - 8, 9 * 8 - 8)


def test_io_base_refuses_bad_kind_half_and_conflicts():
    b = ProgramBuilder()
    with pytest.raises(ValueError, match="kind must be"):
        b.io_base(isa.N_IO_KINDS)
    with pytest.raises(ValueError, match="half 0 or 1"):
        b.io_base(isa.IO_WEIGHTS, 2)
    base = b.io_base(isa.IO_WEIGHTS, 1)
    with pytest.raises(ValueError, match="conflicts"):
        b.io_in(b.vreg("w"), base, 0, half=0 + 2)
    assert "fxvinx" in disassemble(_row_kernel(True, "rows"))


def test_add_to_word_and_clamp_scalar_run_as_documented():
    from chip_emulator.ppu import make_array_io, new_state, read_symbol, run_once, write_symbol

    b = ProgramBuilder()
    b.symbol("count", "int32", 1, [5])
    b.symbol("x", "int32", 3, [300, -7, -999])
    r, d = b.reg("r"), b.reg("d")
    b.add_to_word(r, "count")
    b.add_to_word(r, "count", delta=-3)
    b.li(d, 10)
    b.add_to_word(r, "count", d)  # a register delta
    for i in range(3):
        b.load_word(r, "x", i)
        b.clamp_scalar(r, -128, 127)
        b.store_word(r, "x", i)
    b.halt()
    program = b.build()
    state = new_state(program)
    run_once(program, state, make_array_io())
    assert int(read_symbol(state.sram, program, "count")[0]) == 5 + 1 - 3 + 10
    assert list(read_symbol(state.sram, program, "x")) == [127, -7, -128]
    write_symbol(state.sram, program, "x", [0, 127, -128])  # the bounds themselves stay
    run_once(program, state, make_array_io())
    assert list(read_symbol(state.sram, program, "x")) == [0, 127, -128]
