"""The Pong program on the emulated processor (array-backed I/O, no analog core): R-STDP against
its float formula, the game (reflections, reward by distance, label switching), the meta-network
variant, errors."""

from __future__ import annotations

import numpy as np
import pytest

from chip_emulator.ppu import isa, make_array_io, new_state, read_symbol, run_once, write_symbol
from plasticity_rules.pong_meta import PongMetaNetwork
from plasticity_rules.pong_program import LABEL_OFF, LABEL_ON, N_STATES, REWARD_BY_DISTANCE
from plasticity_rules.pong_rstdp import PongRSTDP, corr_shift


@pytest.mark.parametrize("genes", [{}, {"lr": 0.3, "theta": 4, "corr_gain": 2.0}, {"corr_gain": 1.0}])
def test_rstdp_portrait_matches_formula_within_quantisation(genes):
    rule = PongRSTDP()
    df = rule.portrait(genes, causal=np.arange(0, 64, 4), reward=np.linspace(-1, 1, 9), weight=[32])
    ref = rule.reference_dw(genes, df.causal, df.reward)
    g = {**rule.defaults(), **genes}
    amp = np.minimum(np.maximum(df.causal / 2 - round(g["theta"]), 0) * 2 ** corr_shift(g["corr_gain"]), 127)
    # k = dR * 2 lr is quantised to 1/128: an error of at most amp / 128 + 1/2 rounding each side
    tol = amp.to_numpy() / 128 + 1.0
    assert (np.abs(df.dw - ref) <= tol).all(), df[np.abs(df.dw - ref) > tol]
    assert (df.dw[df.reward == 0] == 0).all()
    assert (np.sign(df.dw) * np.sign(df.reward) >= 0).all()  # the reward difference sets the sign


def test_rstdp_clamps_to_weight_range():
    df = PongRSTDP().portrait({"lr": 0.5}, causal=[120], reward=[1.0, -1.0], weight=[0, 63])
    assert ((df.weight + df.dw).between(0, 63)).all()
    assert df.query("weight == 63 and reward > 0").dw.iloc[0] == 0


def test_meta_network_zero_params_do_nothing_and_bias_potentiates():
    rule = PongMetaNetwork(n_hidden=2, start="zero")
    assert (rule.portrait({}, causal=[0, 40], reward=[-1, 1]).dw == 0).all()
    genes = {"mlp_b2": 0.5}
    assert (rule.portrait(genes, causal=[0, 40], reward=[-1, 1], weight=[10]).dw > 0).all()
    p0, p1 = rule.compile({}), rule.compile({"mlp_w1_0_0": 0.5, "mlp_w2_0": 0.5})
    assert p1.size_bytes > p0.size_bytes  # weights quantised to 0 emit nothing


def test_meta_network_starts_as_a_crude_rstdp():
    df = PongMetaNetwork(n_hidden=2).portrait({}, causal=[0, 200], reward=[-0.5, -0.25, 0, 0.25, 0.5],
                                              weight=[32])
    big = df[df.causal == 200].set_index("reward").dw
    assert (df[(df.causal == 0) & (df.reward.abs() <= 0.5)].dw == 0).all()  # no correlation, no change
    assert big[0.0] == 0 and big[0.5] > big[0.25] > 0 > big[-0.25] > big[-0.5]  # sign and size of dR


def _array_machine(program, ball):
    io = make_array_io(N_STATES, N_STATES, seed=1)
    io.rows[isa.IO_LABELS] = LABEL_OFF
    io.rows[isa.IO_CAUSAL] = 200
    io.baseline[:] = 200
    st = new_state(program)
    for k, v in ball.items():
        write_symbol(st.sram, program, k, v)
    return io, st


def _reflect(p, v):
    p += v
    if p < 0:
        return -p, -v
    if p > N_STATES - 1:
        return 2 * (N_STATES - 1) - p, -v
    return p, v


@pytest.mark.parametrize("x0, vx, offset", [(3, 1, 0), (0, -1, 2), (31, 1, -3), (17, -1, 5)])
def test_game_ball_reward_and_labels(x0, vx, offset):
    program = PongRSTDP().compile({"lr": 0.0})
    ball = {"ball_x": x0, "ball_y": 5, "ball_vx": vx, "ball_vy": -1, "paddle": 16, "state": x0}
    io, st = _array_machine(program, ball)
    run_once(program, st, io)  # k = 0: enable the state's row
    assert (io.rows[isa.IO_LABELS, x0] == LABEL_ON).all()
    assert (io.rows[isa.IO_LABELS].sum() == LABEL_OFF * (N_STATES - 1) * N_STATES)
    x, v, y, vy = x0, vx, 5, -1
    for step in range(40):
        s = x
        a = int(np.clip(s + offset, 0, N_STATES - 1))
        io.neurons[0, :] = 3
        io.neurons[0, a] = 9  # neuron a wins
        run_once(program, st, io)
        r = int(read_symbol(st.sram, program, "log_reward")[step])
        assert int(read_symbol(st.sram, program, "log_action")[step]) == a
        assert int(read_symbol(st.sram, program, "log_state")[step]) == s
        assert r == round(REWARD_BY_DISTANCE.get(abs(a - s), 0.0) * 128)
        x, v = _reflect(x, v)
        y, vy = _reflect(y, vy)
        assert int(read_symbol(st.sram, program, "state")[0]) == x
        on = np.nonzero(io.rows[isa.IO_LABELS, :, 0] == LABEL_ON)[0]
        assert list(on) == [x]  # exactly the new state's row is enabled
        assert (io.neurons[0] == 0).all()  # the rate counters were cleared


def test_ties_are_broken_at_random():
    program = PongRSTDP().compile({"lr": 0.0})
    io, st = _array_machine(program, {"ball_x": 10, "ball_y": 5, "ball_vx": 1, "ball_vy": 1,
                                      "paddle": 16, "state": 10})
    run_once(program, st, io)
    actions = []
    for _ in range(60):
        io.neurons[0, :] = 0
        io.neurons[0, [4, 9, 20]] = 7
        run_once(program, st, io)
        actions.append(int(read_symbol(st.sram, program, "log_action")[int(read_symbol(
            st.sram, program, "k")[0]) - 2]))
    assert set(actions) == {4, 9, 20}


@pytest.mark.parametrize("credit", ["winner", "all"])
def test_credit_winner_changes_only_the_chosen_column(credit):
    """Every column of row s saw the same correlation; neuron 7 wins (R = 1 at s = 7): with credit
    "winner" only column 7 is potentiated, with "all" every column is."""
    program = PongRSTDP(credit=credit).compile({"mean_r0": 0.5})
    io, st = _array_machine(program, {"ball_x": 7, "ball_y": 5, "ball_vx": 1, "ball_vy": 1,
                                      "paddle": 16, "state": 7})
    run_once(program, st, io)  # k = 0: enable row 7, read its baseline
    io.rows[isa.IO_CAUSAL, 7] = 120  # baseline 200: a causal reading of 80 LSB on every column
    io.rows[isa.IO_WEIGHTS, 7] = 20
    io.neurons[0, :] = 3
    io.neurons[0, 7] = 9
    run_once(program, st, io)
    assert int(read_symbol(st.sram, program, "log_reward")[0]) == 128
    dw = io.rows[isa.IO_WEIGHTS, 7, :N_STATES].astype(int) - 20
    assert dw[7] > 0
    others = np.delete(dw, 7)
    assert (others == 0).all() if credit == "winner" else (others == dw[7]).all()


def test_bad_constants():
    from plasticity_rules.pong_program import build_pong_program

    with pytest.raises(ValueError, match="w_min"):
        build_pong_program(lambda b, r: None, smooth_q8=128, theta=0, w_min=40, w_max=20)
    with pytest.raises(ValueError, match="corr_shift"):
        build_pong_program(lambda b, r: None, smooth_q8=128, theta=0, w_min=0, w_max=63, corr_shift=5)
    with pytest.raises(ValueError, match="credit"):
        build_pong_program(lambda b, r: None, smooth_q8=128, theta=0, w_min=0, w_max=63, credit="best")
    with pytest.raises(ValueError, match="out_gain"):
        PongMetaNetwork(out_gain=0)
