"""l2l.results loaders and tidy helpers on small real sweeps: config columns, keys that group a
sweep, and config keys that share a name with a table column."""

import itertools

import pytest

from l2l.config import study_from_dict
from l2l.results import load_runs, varying_keys
from l2l.results.analysis import config_columns, learning_curves
from l2l.run import run_study

CMA = {"name": "cma", "sigma0": 0.2, "popsize": 6}
# CEM's `noise` is both a hyperparameter and a per-generation statistic (it decays)
CEM = {"name": "cem", "sigma0": 0.2, "popsize": 6, "noise": 0.01, "elite_fraction": 0.25}


@pytest.fixture(scope="module")
def two_strategies(tmp_path_factory, study_config):
    root = tmp_path_factory.mktemp("two_strategies")
    for job, (strategy, seed) in enumerate(itertools.product((CMA, CEM), (1, 2))):
        run_study(study_from_dict(study_config(strategy=strategy, seed=seed, generations=3)), root / str(job))
    return root


def test_a_config_key_named_like_a_table_column_goes_to_config_prefix(two_strategies):
    gens = load_runs(two_strategies, "generations")
    cem = gens[gens["strategy.name"] == "cem"]
    assert (cem["config.strategy.noise"] == 0.01).all()  # the hyperparameter
    assert cem.groupby("run")["strategy.noise"].nunique().max() > 1  # the statistic, per generation
    assert gens[gens["strategy.name"] == "cma"]["config.strategy.noise"].isna().all()
    assert "config.strategy.noise" in config_columns(gens) and "strategy.noise" not in config_columns(gens)
    ev = load_runs(two_strategies)  # evaluations have no such column: the plain name
    assert (ev[ev["strategy.name"] == "cem"]["strategy.noise"] == 0.01).all()


def test_keys_fixed_by_the_strategy_name_do_not_group(two_strategies):
    gens = load_runs(two_strategies, "generations")
    assert varying_keys(gens) == ["strategy.name"]
    curves = learning_curves(gens)
    assert set(curves.columns) >= {"strategy.name", "best_so_far"} and "strategy.elite_fraction" not in curves


def test_a_two_factor_sweep_keeps_both_keys(tmp_path, study_config):
    for job, (sigma0, popsize) in enumerate(itertools.product((0.1, 0.3), (4, 6))):
        x0 = 3.0 if popsize == 4 else 2.0  # a key that only follows another one
        cfg = study_config(strategy={"sigma0": sigma0, "popsize": popsize}, task={"x0": x0}, generations=2)
        run_study(study_from_dict(cfg), tmp_path / str(job))
    gens = load_runs(tmp_path, "generations")
    assert gens["task.x0"].nunique() == 2
    assert varying_keys(gens) == ["strategy.sigma0", "strategy.popsize"]
