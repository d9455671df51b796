"""Meta-plasticity rule: the MLP over local observables as a whole-array program, against the
NumPy model (bit-exact), for random genomes, observable subsets and array sizes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip_emulator.ppu import isa, make_array_io, new_state, run_once, write_symbol
from chip_emulator.ppu.array_io import RATES
from plasticity_rules.meta_plasticity import OBSERVABLES, MetaPlasticityRule
from plasticity_rules.rule_cost import program_cost

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True)


def random_genes(rule, rng, sparsity=0.0):
    g = {s.name: float(rng.uniform(-1, 1)) for s in rule.gene_specs()}
    return {k: (0.0 if rng.random() < sparsity else v) for k, v in g.items()}


def run_rule(rule, genes, rows, cols, rng, reward_q7=0, step=0):
    program = rule.compile(genes)
    io = make_array_io(rows, cols)
    causal = rng.integers(0, 201, (rows, cols))
    acausal = rng.integers(0, 201, (rows, cols))
    weight = rng.integers(0, 64, (rows, cols))
    rate = rng.integers(0, 256, cols)
    io.rows[isa.IO_CAUSAL] = 200 - causal
    io.rows[isa.IO_ACAUSAL] = 200 - acausal
    io.rows[isa.IO_WEIGHTS] = weight
    io.neurons[RATES, :cols] = rate
    state = new_state(program)
    write_symbol(state.sram, program, "reward", reward_q7)
    write_symbol(state.sram, program, "invocations", step)
    cycles = run_once(program, state, io)
    expected = rule.reference(genes, weight, causal=causal, acausal=acausal, reward_q7=reward_q7,
                              rate_count=rate[None, :], step=step).reshape(rows, cols)
    return io, expected, program, cycles


@SETTINGS
@given(obs=st.lists(st.sampled_from(OBSERVABLES), min_size=1, max_size=6, unique=True),
       n_hidden=st.integers(1, 8), activation=st.sampled_from(["hardtanh", "relu"]),
       dw_max=st.sampled_from([1, 4, 8, 64]), sparsity=st.sampled_from([0.0, 0.5]),
       rate_gain=st.sampled_from([1, 2, 8]),
       reward=st.integers(-128, 127), step=st.integers(0, 300), seed=st.integers(0, 2**31))
def test_program_matches_numpy_model_bit_exactly(obs, n_hidden, activation, dw_max, sparsity, rate_gain,
                                                 reward, step, seed):
    rule = MetaPlasticityRule(16, 1, tuple(obs), n_hidden, activation, dw_max, horizon=150,
                              rate_gain=rate_gain)
    rng = np.random.default_rng(seed)
    io, expected, _, _ = run_rule(rule, random_genes(rule, rng, sparsity), 16, 128, rng, reward, step)
    np.testing.assert_array_equal(io.rows[isa.IO_WEIGHTS], expected)


def test_full_array_and_pong_array():
    rng = np.random.default_rng(4)
    for rows, cols, halves in ((256, 256, 2), (32, 32, 1)):
        rule = MetaPlasticityRule(rows, halves, OBSERVABLES)
        io, expected, program, cycles = run_rule(rule, random_genes(rule, rng), rows, cols, rng, 50, 7)
        np.testing.assert_array_equal(io.rows[isa.IO_WEIGHTS], expected)
        assert program.size_bytes <= 16384 and cycles == program_cost(program, rows, cols)["ppu_cycles"]


def test_zero_genome_changes_nothing_and_is_small():
    rule = MetaPlasticityRule()
    zero = {s.name: 0.0 for s in rule.gene_specs()}
    rng = np.random.default_rng(0)
    io, expected, small, _ = run_rule(rule, zero, 256, 256, rng)
    np.testing.assert_array_equal(io.rows[isa.IO_WEIGHTS], expected)
    dense = rule.compile(random_genes(rule, rng))
    assert small.code_bytes < dense.code_bytes / 3


def test_output_bias_gives_constant_dw():
    # all weights 0 except the output bias b2 = 0.5: y = 64, dw = round(64 * 8 / 128) = 4
    rule = MetaPlasticityRule(8, 1)
    df = rule.portrait({"mlp_b2": 0.5}, causal=np.array([0, 200]), weight=np.array([10, 62]))
    assert df.dw.tolist() == [4, 1, 4, 1]  # 62 + 4 clamps at 63


def test_portrait_matches_reference():
    rule = MetaPlasticityRule(32, 1, ("causal", "acausal", "weight", "reward"), n_hidden=5)
    genes = random_genes(rule, np.random.default_rng(7))
    c, a = np.arange(0, 201, 25), np.arange(0, 201, 50)
    df = rule.portrait(genes, causal=c, acausal=a, weight=np.array([5, 40]), reward=np.array([-0.5, 0.75]))
    assert len(df) == c.size * a.size * 2 * 2
    for r_val, part in df.groupby("reward"):
        new = rule.reference(genes, part.weight.to_numpy(), causal=part.causal.to_numpy(),
                             acausal=part.acausal.to_numpy(), reward_q7=round(r_val * 128))
        np.testing.assert_array_equal(part.dw, new - part.weight.to_numpy())


def test_genes_and_errors():
    rule = MetaPlasticityRule(observables=("causal", "reward"), n_hidden=3)
    assert len(rule.gene_specs()) == rule.network.n_params == 3 * 4 + 1
    with pytest.raises(ValueError, match="mlp_w1_0_0"):
        rule.compile({"mlp_w1_0_0": 1.5})
    with pytest.raises(ValueError, match="unknown"):
        rule.compile({"mlp_w9": 0.1})
    with pytest.raises(ValueError, match="observables"):
        MetaPlasticityRule(observables=("causal", "voltage"))
    with pytest.raises(ValueError, match="dw_max"):
        MetaPlasticityRule(dw_max=3)
    with pytest.raises(ValueError, match="rate_gain"):
        MetaPlasticityRule(rate_gain=3)
    with pytest.raises(ValueError, match="activation"):
        MetaPlasticityRule(activation="tanh")
    big = MetaPlasticityRule(observables=OBSERVABLES, n_hidden=16)
    with pytest.raises(ValueError, match="vector registers"):
        big.compile(random_genes(big, np.random.default_rng(0)))
