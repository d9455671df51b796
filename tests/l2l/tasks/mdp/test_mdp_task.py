"""task=mdp: value iteration, determinism, learning to >= 90 % of the optimal return, errors."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.tasks.mdp.environment import MDP, N_A, N_S, draw_mdp, optimal_return, policy_return
from l2l.tasks.mdp.task import MDPTask


def test_optimal_return_closed_form_when_actions_do_not_move():
    # transitions independent of the action, uniform: V_T(s0) = max mu(s0) + (T-1) mean_s max_a mu
    rng = np.random.default_rng(0)
    mu = rng.uniform(size=(N_S, N_A))
    mdp = MDP(np.full((N_S, N_A, N_S), 1.0 / N_S), mu, 2)
    T = 50
    assert optimal_return(mdp, T) == pytest.approx(mu[2].max() + (T - 1) * mu.max(axis=1).mean())


def test_optimal_beats_every_stationary_policy():
    rng = np.random.default_rng(1)
    for _ in range(5):
        mdp = draw_mdp(rng)
        opt = optimal_return(mdp, 200)
        greedy = np.eye(N_A)[mdp.mu.argmax(axis=1)]
        for pol in (np.full((N_S, N_A), 1.0 / N_A), greedy, rng.dirichlet(np.ones(N_A), N_S)):
            assert policy_return(mdp, 200, pol) <= opt + 1e-9


def test_quantised_mdp_is_a_distribution():
    mdp = draw_mdp(np.random.default_rng(2)).quantised_mdp()
    assert np.allclose(mdp.p.sum(axis=-1), 1.0) and (mdp.p >= 0).all()


def test_deterministic_per_seed_and_fresh_mdps():
    t = MDPTask(n_runs=2, n_steps=300)
    g = t.search_space().encode(t.rule().defaults())
    assert t.evaluate(g, 5) == t.evaluate(g, 5)
    assert t.evaluate(g, 5)[1]["optimal_per_step"] != t.evaluate(g, 6)[1]["optimal_per_step"]


def test_default_rule_learns_beyond_random():
    t = MDPTask(n_runs=6)
    g = t.search_space().encode(t.rule().defaults())
    f, m = t.evaluate(g, 0)
    # the uniform random policy gets 56 +- 4 % of the optimal return on these MDPs (200 drawn)
    assert f > 0.85, m
    assert m["learned"] > 0.8, m
    assert m["ppu_bytes"] <= 16 * 1024 and m["ppu_cycles_max"] > 0


def test_record_tables():
    t = MDPTask(n_runs=2, n_steps=100)
    tables = t.record(t.search_space().encode(t.rule().defaults()), 3)
    r = tables["rewards"]
    assert len(r) == 200 and set(r.columns) >= {"instance", "step", "state", "action", "reward"}
    assert tables["summary"].fitness.iloc[0] == pytest.approx(t.evaluate(
        t.search_space().encode(t.rule().defaults()), 3)[0])


@pytest.mark.parametrize("kw, match", [({"n_runs": 0}, "n_runs"), ({"n_steps": 5000}, "n_steps"),
                                       ({"alpha": 0.0}, "alpha"), ({"direction": "minimize"}, "direction")])
def test_bad_config(kw, match):
    with pytest.raises(ValueError, match=match):
        MDPTask(**kw)


def test_overlay_runs_end_to_end(tmp_path, l2l, clean_env):
    import json

    run = tmp_path / "run"
    l2l("experiment=mdp_rule", "evaluator=serial", "generations=1", "strategy.popsize=2",
        "task.n_runs=1", "task.n_steps=50", "held_out=1", "quiet=true", f"hydra.run.dir={run}",
        cwd=tmp_path, env=clean_env)
    best = json.loads((run / "best.json").read_text())
    assert best["held_out"]["n"] == 1
    assert (run / "evaluations.parquet").exists()


def test_every_evaluation_carries_its_coarse_learning_curve():
    t = MDPTask(n_runs=2, n_steps=300)
    g = t.search_space().encode(t.rule().defaults())
    _, metrics = t.evaluate(g, 5)
    rewards = t.record(g, 5)["rewards"]  # the same evaluation, step by step
    per_step = rewards.pivot(index="instance", columns="step", values="reward").to_numpy()
    for k in range(10):  # the mean reward of each tenth of the 300 steps
        assert metrics[f"reward_tenth_{k}"] == pytest.approx(per_step[:, 30 * k:30 * (k + 1)].mean())
