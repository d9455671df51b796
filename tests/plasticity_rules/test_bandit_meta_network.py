"""The bandit meta-plasticity network as a processor program: its weight change against the
bit-exact NumPy model of the MLP, genome-dependent size and cycles."""

import numpy as np

from chip_emulator.ppu import make_array_io, new_state, run_once
from plasticity_rules.bandit_meta_network import BanditMetaNetworkRule
from plasticity_rules.bandit_rule import n_rows


def genes(rule, rng, zero_fraction=0.0):
    g = {"weight_prior": 30.0, "action_inhibition": 20.0, "stimulus_inhibition": 5.0}
    for s in rule.network.gene_specs("mlp"):
        g[s.name] = 0.0 if rng.random() < zero_fraction else rng.uniform(-1, 1)
    return g


def test_weight_change_is_the_mlp_output_scaled():
    """E[dw] = y gain / 128 with y the bit-exact MLP output of the 5 Q0.7 inputs, clipped to 0..63."""
    rule = BanditMetaNetworkRule(bandits=64, hidden=8)
    g = genes(rule, np.random.default_rng(3))
    table = rule.portrait(g, weight=[5, 30, 58], reward=[0, 1], chosen=[0, 1], other_weight=[0, 40],
                          step=[0, 60])
    net = rule.network
    q = net.quantise(np.array([g[s.name] for s in net.gene_specs("mlp")]))
    step_q = (table["step"].to_numpy() * round(256 * 128 / rule.pulls)) >> 8
    x = np.stack([step_q, 127 * table["reward"], 127 * table["chosen"], 2 * table["weight"],
                  2 * table["other_weight"]]).astype(np.int8)
    y = net.reference(q, x).astype(float)
    w = table["weight"].to_numpy()
    expect = np.clip(w + y * rule.gain / 128, 0, 63) - w
    assert np.allclose(table["dw"], expect, atol=0.3)


def test_zero_weights_shrink_program_and_cycles():
    rule = BanditMetaNetworkRule(bandits=40, hidden=8)
    rng = np.random.default_rng(0)
    sizes, cycles = [], []
    for zf in (0.0, 0.5, 1.0):
        prog = rule.compile(genes(rule, rng, zf))
        io = make_array_io(rows=n_rows(2), cols=80)
        st = new_state(prog)
        run_once(prog, st, io)
        sizes.append(prog.size_bytes)
        cycles.append(run_once(prog, st, io))
    assert sizes[0] > sizes[1] > sizes[2]
    assert cycles[0] > cycles[1] > cycles[2]


def test_widest_network_fits_the_registers():
    rule = BanditMetaNetworkRule(bandits=40, hidden=10)
    prog = rule.compile(genes(rule, np.random.default_rng(1)))
    assert prog.size_bytes < 16384
