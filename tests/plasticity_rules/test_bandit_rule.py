"""The bandit agent's processor program and the Bohnstingl rule, run on the emulated processor
(array-backed I/O): action choice, reward draw, the rule against its closed form."""

import numpy as np
import pytest

from chip_emulator.ppu import isa, make_array_io, new_state, run_once
from chip_emulator.ppu.program import read_symbol, write_symbol
from plasticity_rules.bandit_rule import (
    ROW_ACT_INH,
    ROW_STIM,
    ROW_STIM_INH,
    BohnstinglRule,
    n_rows,
    q07,
    read_pulls,
    write_probabilities,
)

GENES = {"learning_rate": 0.3, "weight_prior": 40.0, "decay": 0.9, "action_inhibition": 30.0,
         "stimulus_inhibition": 10.0}
NB = 64


def machine(rule, genes=GENES, seed=0):
    prog = rule.compile(genes)
    io = make_array_io(rows=n_rows(rule.arms), cols=rule.arms * rule.bandits, seed=seed)
    st = new_state(prog)
    run_once(prog, st, io)  # the initialising invocation (t = 0)
    return prog, io, st


def test_initialisation_writes_the_network():
    rule = BohnstinglRule(arms=2, bandits=NB)
    _, io, _ = machine(rule)
    w = io.rows[isa.IO_WEIGHTS]
    assert (w[ROW_STIM] == 40).all() and (w[ROW_STIM_INH] == 10).all()
    for a in range(2):  # arm a's spikes inhibit the other arm's neurons only
        assert (w[ROW_ACT_INH + a, a * NB:(a + 1) * NB] == 0).all()
        assert (w[ROW_ACT_INH + a, (1 - a) * NB:(2 - a) * NB] == 30).all()


def test_highest_count_wins_and_ties_are_fair_coins():
    rule = BohnstinglRule(arms=2, bandits=NB)
    wins, ties = [], []
    for seed in range(40):
        prog, io, st = machine(rule, seed=seed)
        c0 = np.r_[np.full(32, 5), np.full(32, 7)]
        c1 = np.r_[np.full(16, 4), np.full(16, 200), np.full(32, 7)]  # 200 > 127: still the larger
        io.neurons[0] = np.r_[c0, c1].astype(np.uint8)
        run_once(prog, st, io)
        chosen = read_symbol(st.sram, prog, "chosen")[:2 * NB].reshape(2, NB)
        assert (chosen.sum(0) == 1).all()
        assert (io.neurons[0] == 0).all()  # counters cleared by the read
        wins.append(chosen[1, :32])
        ties.append(chosen[1, 32:])
    wins = np.array(wins)
    assert (wins[:, :16] == 0).all() and (wins[:, 16:] == 1).all()
    frac = np.mean(ties)  # 40 x 32 fair coins
    assert abs(frac - 0.5) < 4 * 0.5 / np.sqrt(np.size(ties))


@pytest.mark.parametrize("p, lo, hi", [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (0.3, 0.25, 0.35)])
def test_reward_draw_against_the_probability(p, lo, hi):
    rule = BohnstinglRule(arms=2, bandits=NB)
    rewards = []
    for seed in range(20):
        prog, io, st = machine(rule, seed=seed)
        write_probabilities(st.sram, prog, np.full((NB, 2), p))
        for _ in range(5):
            run_once(prog, st, io)
            rewards.append(read_symbol(st.sram, prog, "reward")[:NB])
    assert lo <= np.mean(rewards) <= hi
    assert (np.array(rewards) <= 1).all()


def test_rule_matches_its_closed_form():
    """Chosen arm: E[dw] = eta (63 r - w) (stochastic rounding is unbiased); other arm: 0."""
    rule = BohnstinglRule(arms=2, bandits=NB)
    table = rule.portrait(GENES, weight=[0, 10, 33, 50, 63], reward=[0, 1], chosen=[0, 1])
    eta = q07(GENES["learning_rate"]) / 128
    expect = np.where(table["chosen"] == 1, eta * (63 * table["reward"] - table["weight"]), 0.0)
    assert np.allclose(table["dw"], expect, atol=0.25)
    assert (table.loc[table["chosen"] == 0, "dw"] == 0).all()


def test_learning_rate_decays_for_the_chosen_arm_only():
    rule = BohnstinglRule(arms=2, bandits=NB)
    prog, io, st = machine(rule)
    eta0 = q07(GENES["learning_rate"])
    etas = []
    for _ in range(30):
        io.neurons[0] = np.r_[np.full(NB, 9), np.zeros(NB)].astype(np.uint8)  # arm 0 always
        run_once(prog, st, io)
        etas.append(read_symbol(st.sram, prog, "eta")[:2 * NB].astype(float))
    etas = np.array(etas)
    assert (etas[:, NB:] == eta0).all()
    expect = eta0 * (q07(0.9) / 128) ** np.arange(1, 31)
    assert np.allclose(etas[:, :NB].mean(1), expect, atol=1.0)  # stochastic rounding: unbiased
    assert (read_pulls(st.sram, prog, 2, NB) == [30, 0]).all()


def test_compile_is_deterministic_and_checks_genes():
    rule = BohnstinglRule(arms=3, bandits=20)
    a, b = rule.compile(GENES), rule.compile(dict(GENES))
    assert np.array_equal(a.code, b.code) and a.size_bytes == b.size_bytes
    with pytest.raises(ValueError, match="decay"):
        rule.compile({**GENES, "decay": 1.5})
    with pytest.raises(ValueError, match="missing"):
        rule.compile({k: v for k, v in GENES.items() if k != "decay"})
    with pytest.raises(ValueError, match="bandits per chip"):
        BohnstinglRule(arms=2, bandits=65).compile(GENES)


def test_three_arms_choose_the_largest_count():
    rule = BohnstinglRule(arms=3, bandits=20)
    prog, io, st = machine(rule)
    counts = np.stack([np.full(20, 3), np.full(20, 8), np.full(20, 5)])
    counts[:, :5] = [[9], [1], [2]]
    counts[:, 5:10] = [[0], [2], [6]]
    io.neurons[0, :60] = counts.reshape(-1)
    run_once(prog, st, io)
    chosen = read_symbol(st.sram, prog, "chosen")[:60].reshape(3, 20)
    assert (chosen.argmax(0) == np.r_[[0] * 5, [2] * 5, [1] * 10]).all()


def test_step_counter_and_probability_layout():
    rule = BohnstinglRule(arms=2, bandits=4)
    prog, io, st = machine(rule)
    write_symbol(st.sram, prog, "step", 7)
    write_probabilities(st.sram, prog, np.array([[0.0, 1.0]] * 4))
    thr = read_symbol(st.sram, prog, "p_thr")[:8]
    assert list(thr) == [-1] * 4 + [127] * 4
    run_once(prog, st, io)
    assert int(read_symbol(st.sram, prog, "step")[0]) == 8
