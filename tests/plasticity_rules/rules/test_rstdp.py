"""R-STDP (Wunderlich et al. 2019): the program against its NumPy model, the quantisation bound
against the exact equation, the per-state expected reward, Pong's 32x32 array and the full one."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip_emulator.ppu import isa, make_array_io, new_state, read_symbol, run_once, write_symbol
from plasticity_rules.rstdp import RSTDPRule, mean_update, rstdp_reference
from plasticity_rules.rule_cost import program_cost, q07

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


def run_trial(rule, genes, causal, weight, reward_q7, state_idx, means_q15, seed=0):
    program = rule.compile(genes)
    rows, cols = causal.shape
    io = make_array_io(rows, cols, seed)
    io.rows[isa.IO_CAUSAL] = (200 - causal).astype(np.uint8)
    io.rows[isa.IO_WEIGHTS] = weight
    st_ = new_state(program)
    write_symbol(st_.sram, program, "reward", reward_q7)
    write_symbol(st_.sram, program, "state", state_idx)
    write_symbol(st_.sram, program, "mean_reward", means_q15)
    cycles = run_once(program, st_, io)
    return io, st_, program, cycles


@SETTINGS
@given(lr=st.floats(0, 127 / 128), theta=st.integers(0, 32), gamma=st.floats(0, 127 / 128),
       reward=st.integers(-128, 127), mean=st.integers(-40000, 40000), s=st.integers(0, 31),
       seed=st.integers(0, 2**31))
def test_program_matches_numpy_model_bit_exactly(lr, theta, gamma, reward, mean, s, seed):
    rule = RSTDPRule(32, 1, n_states=32)
    rng = np.random.default_rng(seed)
    causal = rng.integers(0, 201, (32, 32))
    weight = rng.integers(0, 64, (32, 32)).astype(np.uint8)
    means = rng.integers(-32768, 32768, 32)
    means[s] = mean
    genes = {"learning_rate": lr, "corr_threshold": theta, "reward_smoothing": gamma}
    io, st_, program, _ = run_trial(rule, genes, causal, weight, reward, s, means)
    expected = rstdp_reference(causal, weight, reward, mean, q07(lr), theta)
    np.testing.assert_array_equal(io.rows[isa.IO_WEIGHTS], expected)
    after = read_symbol(st_.sram, program, "mean_reward")
    assert after[s] == mean_update(mean, reward, q07(gamma))
    np.testing.assert_array_equal(np.delete(after, s), np.delete(means, s))  # other states kept
    assert (io.corr_resets == 1).all()  # eligibility cleared on every row


def test_within_quantisation_of_the_exact_rule():
    # exact: dw = lr * c * (R - mean_R), c the halved causal amplitude the program sees;
    # bound: 0.5 (final rounding) + c (lr + 1/2) / 128 (rounding of the modulation k)
    rule = RSTDPRule(32, 1)
    causal = np.tile(np.arange(0, 200, 200 / 32).astype(int), (32, 1))
    weight = np.full((32, 32), 32, np.uint8)
    worst = 0.0
    for lr in (0.125, 0.3, 0.9):
        for reward, mean in ((1.0, 0.2), (0.1, 0.7), (0.4, 0.4), (0.7, -0.3)):
            r_q, m_q = q07(reward), int(round(mean * 32768))
            io, *_ = run_trial(rule, {"learning_rate": lr}, causal, weight, r_q, 3,
                               np.full(32, m_q))
            c = 100 - ((200 - causal) >> 1)
            exact = q07(lr) / 128 * c * (r_q / 128 - m_q / 32768)
            dw = io.rows[isa.IO_WEIGHTS].astype(int) - 32
            inside = (exact > -32) & (exact < 31)
            err = np.abs(dw - exact)[inside]
            assert (err <= 0.5 + c[inside] * (q07(lr) / 128 + 0.5) / 128 + 1e-9).all()
            worst = max(worst, err.max())
    assert worst > 0.3  # the bound is not vacuous: rounding does show


def test_expected_reward_converges_geometrically():
    rule = RSTDPRule(4, 1, n_states=2)
    program = rule.compile({"reward_smoothing": 0.25})
    io = make_array_io(4, 8)
    st_ = new_state(program)
    write_symbol(st_.sram, program, "state", 1)
    write_symbol(st_.sram, program, "reward", q07(0.7))
    for _ in range(20):
        run_once(program, st_, io)
    m = read_symbol(st_.sram, program, "mean_reward") / 32768
    assert m[0] == 0
    r = q07(0.7) / 128  # the reward as the program sees it (Q0.7)
    assert abs(m[1] - r * (1 - 0.75**20)) < 20 / 32768  # the floor: at most 1 LSB per step
    assert read_symbol(st_.sram, program, "invocations")[0] == 20


def test_bad_state_skips_the_update():
    rule = RSTDPRule(32, 1)
    causal = np.full((32, 32), 150)
    weight = np.full((32, 32), 20, np.uint8)
    for s in (-1, 32):
        io, st_, program, _ = run_trial(rule, {}, causal, weight, 127, s, np.zeros(32))
        assert (io.rows[isa.IO_WEIGHTS] == 20).all()
        assert read_symbol(st_.sram, program, "bad_state")[0] == 1


@pytest.mark.parametrize("rows, cols, halves", [(32, 32, 1), (256, 256, 2)])
def test_pong_and_full_array(rows, cols, halves):
    rule = RSTDPRule(rows, halves)
    rng = np.random.default_rng(1)
    causal = rng.integers(0, 201, (rows, cols))
    weight = rng.integers(0, 64, (rows, cols)).astype(np.uint8)
    io, _, program, cycles = run_trial(rule, {}, causal, weight, 100, 5, np.zeros(32))
    np.testing.assert_array_equal(io.rows[isa.IO_WEIGHTS],
                                  rstdp_reference(causal, weight, 100, 0, 16))
    cost = program_cost(program, rows, cols)
    assert cost["ppu_bytes"] <= 16384 and cost["ppu_cycles"] == cycles


def test_portrait_reads_the_program():
    df = RSTDPRule(32, 1).portrait({}, causal=np.array([0, 100, 200]), reward=np.array([0.0, 0.9]),
                                   mean_reward=np.array([0.5]))
    assert list(df.columns) == ["causal", "reward", "mean_reward", "dw"]
    assert len(df) == 6
    assert (df[df.reward == 0].dw <= 0).all() and (df[df.reward > 0.5].dw >= 0).all()
    assert df[df.causal == 200].dw.abs().max() > 0


@pytest.mark.parametrize("genes, match", [
    ({"learning_rate": 1.2}, "learning_rate"), ({"corr_threshold": -1}, "corr_threshold"),
    ({"reward_smoothing": float("inf")}, "reward_smoothing"), ({"lr": 0.1}, "unknown"),
])
def test_bad_genes_refused(genes, match):
    with pytest.raises(ValueError, match=match):
        RSTDPRule().compile(genes)
