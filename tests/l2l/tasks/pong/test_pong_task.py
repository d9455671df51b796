"""task=pong on the emulated chip: the closed loop (labels select the state's row, the rate
counters choose the action), determinism per seed, fresh chips per seed, learning, the
mismatch-compensation test, record(), the overlays end to end."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.tasks.pong.chip_run import PongSetup, learned, play, steps_to_level
from l2l.tasks.pong.excitability import spearman
from l2l.tasks.pong.task import PongTask
from plasticity_rules.pong_rstdp import PongRSTDP


def test_diagonal_weights_play_perfectly_on_the_chip():
    w = np.full((2, 32, 32), 8)
    for s in range(32):
        w[:, s, s] = 40
    out = play(PongRSTDP().compile({"lr": 0.0}), PongSetup(), [0, 1], [5, 6], 150, weights=w)
    assert out.rewards.mean() > 0.97
    assert (out.weights == w).all()  # lr = 0: nothing changes
    assert out.hits.sum() > 0 and out.hits.sum() >= 3 * out.misses.sum()
    assert out.cycles.max() < PongSetup().step_us * 250  # within the timer period's cycle budget


def test_metric_helpers():
    r = np.concatenate([np.zeros(500), np.ones(500)])[None, :]
    assert learned(r)[0] == 1.0 and learned(r, 0.5)[0] == 1.0 and learned(r, 1.0)[0] == 0.5
    assert steps_to_level(r, 0.85, window=100)[0] == 585  # first window [485, 585) has mean 0.85
    assert steps_to_level(np.zeros((1, 50)))[0] == 51  # never: censored at n + 1
    assert spearman(np.arange(5), -np.arange(5)) == pytest.approx(-1.0)


def test_deterministic_per_seed_fresh_chips_per_seed():
    task = PongTask(n_steps=60, n_instances=2)
    g = task.search_space().encode(PongRSTDP().defaults())
    assert task.evaluate(g, 3) == task.evaluate(g, 3)
    c3, r3 = task.seeds(3)
    c4, r4 = task.seeds(4)
    assert not set(c3) & set(c4) and not set(r3) & set(r4) and len(set(c3)) == 2
    f, m = task.evaluate(g, 3)
    assert 0 <= f <= 1 and m["ppu_bytes"] <= 16 * 1024 and m["ppu_cycles_max"] > 0


def test_record_tables():
    task = PongTask(n_steps=100, n_instances=1)
    g = task.search_space().encode(PongRSTDP().defaults())
    t = task.record(g, 2)
    assert len(t["rewards"]) == 100 and set(t["rewards"].columns) >= {"instance", "step", "action", "reward"}
    w = t["weights"]
    assert sorted(w.step.unique()) == list(range(0, 101, 2))  # every n_steps / 50 steps
    assert len(w) == 51 * 32 * 32
    assert t["summary"].fitness.iloc[0] == pytest.approx(task.evaluate(g, 2)[0])
    # the weights move during the run (the rule learns), one snapshot at a time
    per_step = w.pivot_table(index="step", columns="synapse", values="weight")
    assert (per_step.diff().abs().sum(axis=1).iloc[1:] > 0).sum() >= 10


def test_weight_snapshots_do_not_change_the_game():
    """Snapshots split the run into shorter segments: the game, the rewards and the final
    weights must be the same as in one long run, and the history must end at them."""
    rule = PongRSTDP().compile(PongRSTDP().defaults())
    a = play(rule, PongSetup(), [0, 1], [5, 6], 130)
    b = play(rule, PongSetup(), [0, 1], [5, 6], 130, snapshot_every=17)
    for x, y in ((a.rewards, b.rewards), (a.states, b.states), (a.actions, b.actions),
                 (a.weights, b.weights)):
        np.testing.assert_array_equal(x, y)
    assert list(b.weight_steps) == list(range(0, 130, 17)) + [130]
    assert list(a.weight_steps) == [0, 130]
    np.testing.assert_array_equal(b.weight_history[:, 0], b.weights_init)
    np.testing.assert_array_equal(b.weight_history[:, -1], b.weights)
    assert not (b.weight_history[:, 1] == b.weight_history[:, -1]).all()
    with pytest.raises(ValueError, match="snapshot_every"):
        play(rule, PongSetup(), [0], [5], 10, snapshot_every=0)


@pytest.mark.parametrize("kw, match", [({"rule": "stdp"}, "rule"), ({"n_steps": 0}, "n_steps"),
                                       ({"final_fraction": 0.0}, "final_fraction"),
                                       ({"step_us": -1.0}, "step_us"), ({"credit": "best"}, "credit"),
                                       ({"inh_weight": 70}, "inh_weight"),
                                       ({"inh_weight": 1.5}, "inh_weight")])
def test_bad_config(kw, match):
    with pytest.raises(ValueError, match=match):
        PongTask(**kw)
