"""task=bandit through the `l2l` CLI: both overlays end to end on Ray (tables and held-out result),
and the budget modes visible in evaluations.parquet of real runs."""

import json

import numpy as np
import pandas as pd
import pytest

from l2l.results import load_run

TINY = ["task.bandits=4", "task.pulls=10", "generations=2", "strategy.popsize=4", "repetitions=1",
        "quiet=true"]


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.parametrize("overlay, genes", [("bandit_rule", 5), ("bandit_meta_network", 3 + 8 * 7 + 1)])
def test_overlay_runs_end_to_end_on_ray(tmp_path, clean_env, l2l, overlay, genes):
    run = tmp_path / overlay
    l2l(f"experiment={overlay}", *TINY, "held_out=2", "evaluator.num_cpus=2", f"hydra.run.dir={run}",
        cwd=tmp_path, env=clean_env)
    ev = load_run(run)
    assert len(ev) == 8 and ev["error"].isna().all()
    assert len([c for c in ev.columns if c.startswith("gene.")]) == genes
    for m in ("regret_mean", "regret_se", "ppu_bytes", "ppu_cycles_max", "ppu_cycles_mean", "over_budget"):
        assert ev[f"metric.{m}"].notna().all()
    assert np.allclose(ev["fitness"], ev["metric.regret_mean"])  # within budget: score = regret
    held = pd.read_parquet(run / "held_out.parquet")
    # the best genome and the strategy's centre, each on the same 2 held-out seeds
    assert sorted(held["genome"]) == ["best", "best", "center", "center"]
    assert not set(held["eval_seed"]) & set(ev["eval_seed"]) and held["eval_seed"].nunique() == 2
    assert held["error"].isna().all()
    best = json.loads((run / "best.json").read_text())
    assert best["held_out"]["n"] == 2 and best["center"]["held_out"]["n"] == 2


@pytest.mark.slow
def test_budget_reject_and_penalize_visible_in_the_tables(tmp_path, clean_env, l2l):
    """The meta network skips zero weights, so cycles per pull depend on the genome: a budget
    between the smallest and largest figure of a run splits its evaluations."""
    common = ["task=bandit", "task.rule=meta_network", "strategy.sigma0=0.3", "seed=3", *TINY]
    l2l(*common, f"hydra.run.dir={tmp_path / 'free'}", cwd=tmp_path, env=clean_env)
    free = load_run(tmp_path / "free")
    cycles = np.sort(free["metric.ppu_cycles_max"].unique())
    assert cycles.size > 1  # genome-dependent
    budget = int(cycles[0])  # the smallest figure: every other one is over
    over0 = (free.loc[free["generation"] == 0, "metric.ppu_cycles_max"] > budget).reset_index(drop=True)
    assert over0.any()
    l2l(*common, f"task.budget_cycles={budget}", "task.on_over_budget=penalize", "task.penalty_per_cycle=0.5",
        f"hydra.run.dir={tmp_path / 'pen'}", cwd=tmp_path, env=clean_env)
    pen = load_run(tmp_path / "pen")
    assert (pen["metric.over_budget"] == (pen["metric.ppu_cycles_max"] > budget)).all()
    assert pen["metric.over_budget"].any()
    excess = np.maximum(pen["metric.ppu_cycles_max"] - budget, 0)
    assert np.allclose(pen["fitness"], pen["metric.regret_mean"] + 0.5 * excess)
    l2l(*common, f"task.budget_cycles={budget}", f"hydra.run.dir={tmp_path / 'rej'}", cwd=tmp_path,
        env=clean_env)
    rej = load_run(tmp_path / "rej")
    g0 = rej[rej["generation"] == 0].reset_index(drop=True)  # the same genomes as the free run's
    assert g0["error"].notna().equals(over0)
    text = rf"over budget: \d+ cycles per pull > budget_cycles {budget}"
    assert g0.loc[over0, "error"].str.contains(text).all()
    assert g0.loc[over0, "fitness"].isna().all()
