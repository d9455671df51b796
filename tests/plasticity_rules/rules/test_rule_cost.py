"""Shared pieces of the rules: gene checking, the arithmetic shift emitter, the cost table."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip_emulator.ppu import ProgramBuilder, make_array_io, new_state, read_symbol, run_once, write_symbol
from plasticity_rules.genes import GeneSpec
from plasticity_rules.rule_cost import (
    _cases,
    emit_round_shift,
    ppu_metrics,
    program_cost,
    q07,
    resolve_genes,
    round_shift_reference,
)
from plasticity_rules.stdp import STDPRule

SPECS = (GeneSpec("a", 0.0, 1.0, 0.5), GeneSpec("b", -2.0, 2.0, 0.0))


def test_resolve_genes_defaults_and_errors():
    assert resolve_genes("r", SPECS, {"b": 1}) == {"a": 0.5, "b": 1.0}
    with pytest.raises(ValueError, match="r: gene b = 3.0 outside"):
        resolve_genes("r", SPECS, {"b": 3.0})
    with pytest.raises(ValueError, match="unknown gene.*'c'"):
        resolve_genes("r", SPECS, {"c": 0})
    with pytest.raises(ValueError, match="gene a = None is not a number"):
        resolve_genes("r", SPECS, {"a": None})
    with pytest.raises(TypeError, match="mapping"):
        resolve_genes("r", SPECS, [0.1, 0.2])


def test_q07():
    assert [q07(x) for x in (-1, -0.5, 0, 0.125, 127 / 128, 1)] == [-128, -64, 0, 16, 127, 127]


@settings(max_examples=30, deadline=None, derandomize=True)
@given(shift=st.integers(0, 7), rounding=st.booleans(), seed=st.integers(0, 2**31))
def test_round_shift_emitter_matches_reference(shift, rounding, seed):
    b = ProgramBuilder()
    b.symbol("v", "int8", 128)
    v, half, m128, bias = (b.vreg(n) for n in ("v", "half", "m128", "bias"))
    b.load_vector(v, "v")
    b.splat(half, (1 << (shift - 1)) if shift else 0)
    b.splat(m128, -128)
    b.splat(bias, 128 >> shift)
    emit_round_shift(b, v, shift, half if rounding else None, m128, bias)
    b.store_vector(v, "v")
    program = b.build()
    x = np.random.default_rng(seed).integers(-128, 128, 128)
    x[:4] = [-128, 127, -1, 0]
    state = new_state(program)
    write_symbol(state.sram, program, "v", x)
    run_once(program, state, make_array_io(1, 128))
    got = read_symbol(state.sram, program, "v")
    np.testing.assert_array_equal(got, round_shift_reference(x, shift, rounding))
    if not rounding:
        np.testing.assert_array_equal(got, np.floor(x / 2**shift))


def test_every_documented_rule_fits_the_sram_and_compiles_deterministically():
    for rule, genes, _note, rows, cols in _cases():
        program, again = rule.compile(genes), rule.compile(dict(genes))
        np.testing.assert_array_equal(program.code, again.code)
        np.testing.assert_array_equal(program.data, again.data)
        cost = program_cost(program, rows, cols)
        assert 0 < cost["ppu_bytes"] <= 16 * 1024 and cost["ppu_cycles"] > 0


def test_ppu_metrics():
    program = STDPRule(32, 1).compile({})
    m = ppu_metrics(program, [100, 300])
    assert m == {"ppu_bytes": float(program.size_bytes), "ppu_cycles_max": 300.0, "ppu_cycles_mean": 200.0}
    assert np.isnan(ppu_metrics(program, [])["ppu_cycles_max"])
