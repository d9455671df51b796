"""ABCD Hebbian rule (Najarro & Risi 2020): the program against its NumPy model and the exact
equation, the zero-coefficient skip, the rate counters' clear, portraits, bad genes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip_emulator.ppu import isa, make_array_io, new_state, run_once, write_symbol
from chip_emulator.ppu.array_io import RATES
from plasticity_rules.abcd import ABCDRule, abcd_reference
from plasticity_rules.rule_cost import program_cost

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)
coef = st.floats(-1, 1)


def run_rule(rule, genes, pre_q7, post, weight, causal=None):
    program = rule.compile(genes)
    rows, cols = weight.shape
    io = make_array_io(rows, cols)
    io.rows[isa.IO_WEIGHTS] = weight
    io.neurons[RATES, :cols] = post
    if causal is not None:
        io.rows[isa.IO_CAUSAL] = 200 - causal
    state = new_state(program)
    full = np.zeros(256, np.int64)
    full[:rows] = pre_q7
    write_symbol(state.sram, program, "pre_activity", full)
    cycles = run_once(program, state, io)
    return io, program, cycles


@SETTINGS
@given(eta=st.floats(0, 8), A=coef, B=coef, C=coef, D=coef, causal_mode=st.booleans(),
       gain=st.sampled_from([1, 4]), seed=st.integers(0, 2**31))
def test_program_matches_numpy_model_bit_exactly(eta, A, B, C, D, causal_mode, gain, seed):
    rule = ABCDRule(32, 1, "causal" if causal_mode else "rates", rate_gain=gain)
    genes = {"eta": eta, "A": A, "B": B, "C": C, "D": D}
    rng = np.random.default_rng(seed)
    pre = rng.integers(0, 128, 32)
    post = rng.integers(0, 256, 32)
    weight = rng.integers(0, 64, (32, 32)).astype(np.uint8)
    causal = rng.integers(0, 201, (32, 32)) if causal_mode else None
    io, _, _ = run_rule(rule, genes, pre, post, weight, causal)
    expected = abcd_reference(pre, post, weight, rule.coefficients(genes), causal, rate_gain=gain)
    np.testing.assert_array_equal(io.rows[isa.IO_WEIGHTS], expected)
    assert (io.neurons[RATES] == 0).all()  # counters cleared: o_j counts from this invocation


def test_within_quantisation_of_the_exact_rule():
    # exact: eta (A oi oj + B oi + C oj + D) with oi = pre_q7 / 128, oj = (count >> 1) / 128.
    # bound: 0.5 (rounding) + 4 / 32 (coefficients to 1/16) + |eta A| / 128 (floor of oi oj)
    #        + 1 / 16 (floor of the accumulator's upper byte)
    rule = ABCDRule(64, 1)
    pre = np.arange(64) * 2
    post = np.arange(128) * 2
    weight = np.full((64, 128), 32, np.uint8)
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(8):
        eta = rng.uniform(0.5, 2)
        A, B, C, D = rng.uniform(-1, 1, 4)
        io, _, _ = run_rule(rule, {"eta": eta, "A": A, "B": B, "C": C, "D": D}, pre, post, weight)
        oi, oj = pre[:, None] / 128, (post[None, :] >> 1) / 128
        exact = eta * (A * oi * oj + B * oi + C * oj + D)
        err = np.abs(io.rows[isa.IO_WEIGHTS].astype(int) - 32 - exact)
        assert err.max() <= 0.5 + 4 / 32 + abs(eta * A) / 128 + 1 / 16
        worst = max(worst, err.max())
    assert worst > 0.4


def test_zero_coefficients_are_not_emitted():
    rule = ABCDRule()
    full = rule.compile({"A": 0.5, "B": 0.5, "C": 0.5, "D": 0.5})
    hebb = rule.compile({"A": 0.5, "B": 0.0, "C": 0.0, "D": 0.0})
    assert hebb.code_bytes < full.code_bytes
    assert program_cost(hebb, 256, 256)["ppu_cycles"] < program_cost(full, 256, 256)["ppu_cycles"]


def test_pre_activity_is_per_row_and_post_per_column():
    rule = ABCDRule(32, 1)
    pre = np.zeros(32, np.int64)
    pre[5] = 127
    post = np.zeros(32, np.int64)
    post[9] = 255
    io, _, _ = run_rule(rule, {"eta": 8, "A": 1}, pre, post, np.full((32, 32), 20, np.uint8))
    dw = io.rows[isa.IO_WEIGHTS].astype(int) - 20
    assert dw[5, 9] == 8 - 1 and (np.delete(dw.reshape(-1), 5 * 32 + 9) == 0).all()


def test_portrait_matches_model():
    rule = ABCDRule(32, 1)
    genes = {"eta": 3, "A": 0.8, "B": -0.4, "C": -0.5, "D": 0.2}
    pre = np.linspace(0, 0.99, 6)
    post = np.array([0, 60, 130, 255])
    df = rule.portrait(genes, pre=pre, post=post, weight=np.array([0, 32, 63]))
    assert len(df) == 72
    for r in df.itertuples():
        new = abcd_reference([round(r.pre * 128)], [r.post], [[r.weight]], rule.coefficients(genes))
        assert r.dw == new[0, 0] - r.weight


@pytest.mark.parametrize("rows, cols, halves", [(32, 32, 1), (256, 256, 2)])
def test_size_and_cycles(rows, cols, halves):
    for mode in ("rates", "causal"):
        cost = program_cost(ABCDRule(rows, halves, mode).compile({"B": 0.1, "C": 0.1, "D": 0.1}),
                            rows, cols)
        assert cost["ppu_bytes"] <= 16384 and cost["ppu_cycles"] > 0


@pytest.mark.parametrize("genes, match", [
    ({"eta": 9}, "eta"), ({"A": -1.5}, "A"), ({"D": float("nan")}, "D"), ({"E": 0}, "unknown"),
])
def test_bad_genes_refused(genes, match):
    with pytest.raises(ValueError, match=match):
        ABCDRule().compile(genes)


def test_bad_structure_refused():
    with pytest.raises(ValueError, match="coincidence"):
        ABCDRule(coincidence="acausal")
    with pytest.raises(ValueError, match="n_halves"):
        ABCDRule(n_halves=3)
    with pytest.raises(ValueError, match="rate_gain"):
        ABCDRule(rate_gain=16)
