"""task=bandit: the on-chip agent scored by expected regret; seeds draw bandits and chips; budgets."""

import numpy as np
import pytest

from l2l.tasks import REGISTRY
from l2l.tasks.bandit import BanditDistribution, draw_probabilities, expected_regret
from l2l.tasks.bandit.task import BanditTask

TUNED = {"learning_rate": 0.3, "weight_prior": 40.0, "decay": 0.95, "action_inhibition": 20.0,
         "stimulus_inhibition": 2.0}
SMALL = dict(bandits=8, pulls=30)


def vec(task, named):
    return np.array([named[g.name] for g in task.search_space().genes])


def test_registered_and_genes_named_by_the_rule():
    assert REGISTRY["bandit"] is BanditTask
    names = [g.name for g in BanditTask().search_space().genes]
    assert names == ["learning_rate", "weight_prior", "decay", "action_inhibition", "stimulus_inhibition"]
    meta = [g.name for g in BanditTask(rule="meta_network", hidden=7).search_space().genes]
    assert len(meta) == 3 + 7 * 7 + 1 and meta[:3] == names[1:2] + names[3:]


def test_deterministic_per_seed_and_fresh_chips_per_seed():
    task = BanditTask(**SMALL)
    g = vec(task, TUNED)
    a, b, c = task.evaluate(g, 4), task.evaluate(g, 4), task.evaluate(g, 5)
    assert a == b and a[0] != c[0]
    assert task.chip_seeds(4) != task.chip_seeds(5)
    m = a[1]
    assert m["ppu_bytes"] > 0 and m["ppu_cycles_max"] >= m["ppu_cycles_mean"] > 0
    assert m["ppu_cycles_max"] <= task.budget() and m["over_budget"] == 0
    assert a[0] == m["regret_mean"] and m["regret_se"] > 0


def test_regret_from_arm_counts_equals_the_replayed_actions():
    """Two paths must agree: the score (pull counts read from the processor after one run call)
    and expected_regret over the per-pull actions of a pull-by-pull replay of the same seed."""
    task = BanditTask(**SMALL)
    g = vec(task, TUNED)
    score, _ = task.evaluate(g, 11)
    rec = task.record(g, 11)
    acts = rec["rewards"].pivot(index="instance", columns="step", values="action").to_numpy()
    p = draw_probabilities(BanditDistribution(2, 30, 8), 11)  # the baselines' bandits of seed 11
    assert np.isclose(expected_regret(p, acts).mean(), score)
    assert np.isclose(rec["summary"]["regret_mean"][0], score)
    assert set(rec) == {"rewards", "weights", "spikes", "membrane", "summary"}
    assert len(rec["weights"]) == 8 * 30 * 2 and rec["weights"]["weight"].between(0, 63).all()
    assert len(rec["spikes"]) > 0


def test_learns_far_better_than_random_choice():
    task = BanditTask(bandits=40)
    regret = np.mean([task.evaluate(vec(task, TUNED), s)[0] for s in range(3)])
    assert regret < 0.4 * 100 / 6  # random choice: T / 6 = 16.7


def test_over_budget_rejected_or_penalised():
    g = vec(BanditTask(), TUNED)
    with pytest.raises(ValueError, match=r"over budget: program is \d+ B > budget_bytes 1000"):
        BanditTask(budget_bytes=1000, **SMALL).evaluate(g, 1)
    with pytest.raises(ValueError, match=r"over budget: \d+ cycles per pull > budget_cycles 500"):
        BanditTask(budget_cycles=500, **SMALL).evaluate(g, 1)
    base, m0 = BanditTask(**SMALL).evaluate(g, 1)
    pen, m = BanditTask(budget_cycles=500, on_over_budget="penalize", penalty_per_cycle=0.5,
                        **SMALL).evaluate(g, 1)
    assert m["over_budget"] == 1 and m["over_budget_cycles"] == m0["ppu_cycles_max"] - 500
    assert np.isclose(pen, base + 0.5 * m["over_budget_cycles"])


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        (dict(pulls=200), "task.pulls"),
        (dict(arms=1), "task.arms"),
        (dict(distribution="beta"), "task.distribution"),
        (dict(arms=3, distribution="dependent"), "arms=2"),
        (dict(rule="stdp"), "task.rule"),
        (dict(on_over_budget="ignore"), "task.on_over_budget"),
        (dict(direction="maximize"), "minimize"),
        (dict(budget_cycles=-1), "task.budget_cycles"),
    ],
)
def test_bad_params(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        BanditTask(**kwargs)


def test_many_bandits_spread_over_instances_and_dependent_bandits():
    task = BanditTask(bandits=70, pulls=10, distribution="dependent")
    score, m = task.evaluate(vec(task, TUNED), 2)
    assert len(task.chip_seeds(2)[0]) == 2 and np.isfinite(score) and 0 <= score <= 10


def test_grid_search_sorted_and_comparison_seeds_held_out():
    from l2l.seeding import evaluation_seed
    from l2l.tasks.bandit.compare import rule_regret, seeds
    from l2l.tasks.bandit.tune import HAND_TUNED, grid_search

    task = BanditTask(bandits=4, pulls=10)
    grid = {k: (v,) for k, v in HAND_TUNED.items()} | {"learning_rate": (0.0, 0.5)}
    rows = grid_search(task, range(2), grid)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows) and len(rows) == 2
    ev = seeds(3)
    assert not set(ev) & {evaluation_seed(1, g, i, 0) for g in range(3) for i in range(20)}
    r = rule_regret(task, HAND_TUNED, ev)
    assert r.shape == (3,) and np.isclose(r[0], task.evaluate(vec(task, HAND_TUNED), ev[0])[0])
