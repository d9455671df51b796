"""run_study end to end in-process: tables, best genome, failures ranked worst, exact resume."""

import math

import numpy as np
import pandas as pd
import pytest

from l2l.config import StudySpec, study_from_dict
from l2l.evaluation import SerialEvaluator
from l2l.results import load_best, load_run, load_status, without_timing
from l2l.run import run_study
from l2l.search_space import Gene, SearchSpace
from l2l.strategies import CMAES, CMAParams


@pytest.fixture
def spec(study_config):
    def make(**top):
        return study_from_dict(study_config(**{"seed": 3, "generations": 12, "repetitions": 2, **top}))

    return make


def test_tables_have_one_row_per_evaluation_and_generation(spec, tmp_path):
    out = run_study(spec(), tmp_path)
    ev, gen = load_run(tmp_path), load_run(tmp_path, "generations")
    assert len(ev) == 12 * 6 * 2 and len(gen) == 12 == out.generations
    assert list(ev.columns[:4]) == ["generation", "individual", "repetition", "eval_seed"]
    assert {
        "gene.x0",
        "gene.x1",
        "gene.x2",
        "fitness",
        "metric.distance_to_origin",
        "wall_s",
        "error",
    } <= set(ev.columns)
    assert ev["error"].isna().all()
    # each individual's repetitions share genes but have distinct seeds
    g = ev.groupby(["generation", "individual"])
    assert (g["gene.x0"].nunique() == 1).all() and (g["eval_seed"].nunique() == 2).all()
    assert {"best", "mean", "median", "worst", "best_so_far", "strategy.sigma", "evals_per_s"} <= set(
        gen.columns
    )
    assert np.all(np.diff(gen["best_so_far"]) <= 0)
    best = load_best(tmp_path)
    assert set(best["genes"]) == {"x0", "x1", "x2"}
    per_ind = ev.groupby(["generation", "individual"])["fitness"].mean()
    assert best["fitness"] == pytest.approx(per_ind.min())
    assert load_status(tmp_path)["finished"] is True


def test_same_seed_same_tables_other_seed_differs(spec, tmp_path):
    run_study(spec(), tmp_path / "a")
    run_study(spec(), tmp_path / "b")
    run_study(spec(seed=4), tmp_path / "c")
    a, b, c = (without_timing(load_run(tmp_path / x)) for x in "abc")
    pd.testing.assert_frame_equal(a, b)
    assert not a["fitness"].equals(c["fitness"])


@pytest.mark.parametrize("interrupt_after", [1, 5, 11])
def test_resume_gives_the_same_tables_as_an_uninterrupted_run(spec, tmp_path, interrupt_after):
    run_study(spec(), tmp_path / "full")
    # a run that stopped after `interrupt_after` generations, then resumed to the full length
    run_study(spec(generations=interrupt_after), tmp_path / "cut")
    run_study(spec(), tmp_path / "cut", resume=True)
    for table in ("evaluations", "generations"):
        pd.testing.assert_frame_equal(
            without_timing(load_run(tmp_path / "full", table)),
            without_timing(load_run(tmp_path / "cut", table)),
        )


def test_resume_refuses_a_different_study(spec, tmp_path):
    run_study(spec(generations=2), tmp_path)
    with pytest.raises(Exception, match="different study"):
        run_study(spec(seed=99), tmp_path, resume=True)


def test_fresh_run_refuses_to_overwrite(spec, tmp_path):
    run_study(spec(generations=1), tmp_path)
    with pytest.raises(FileExistsError, match="already holds a run"):
        run_study(spec(generations=1), tmp_path)


class FlakyTask:
    """Raises for genomes with x0 > 0.5 and returns NaN for x0 < -0.5 (test-only)."""

    name, direction = "flaky", "minimize"

    def search_space(self):
        return SearchSpace.of([Gene("x0", -1, 1), Gene("x1", -1, 1)])

    def evaluate(self, genes, seed):
        if genes[0] > 0.5:
            raise RuntimeError("boom")
        return (math.nan if genes[0] < -0.5 else float(genes @ genes)), {}


def test_failed_evaluations_are_recorded_ranked_worst_and_the_run_goes_on(spec, tmp_path):
    s = StudySpec(
        seed=1,
        generations=4,
        max_evaluations=None,
        repetitions=1,
        target=None,
        quiet=True,
        strategy=CMAES(CMAParams(sigma0=0.9, popsize=20)),
        task=FlakyTask(),
        evaluator=SerialEvaluator(),
        config={"flaky": 1},
    )
    out = run_study(s, tmp_path)
    ev, gen = load_run(tmp_path), load_run(tmp_path, "generations")
    assert out.generations == 4
    raised, nan = ev["gene.x0"] > 0.5, ev["gene.x0"] < -0.5
    assert raised.any() and nan.any()
    assert ev.loc[raised, "error"].str.contains("RuntimeError: boom").all()
    assert ev.loc[nan, "error"].str.contains("non-finite score").all()
    assert ev.loc[~raised & ~nan, "error"].isna().all()
    assert gen["failed"].sum() == (raised | nan).sum()
    assert np.isfinite(gen["best"]).all()


def test_held_out_check_evaluates_the_best_genome_on_fresh_seeds(spec, tmp_path):
    s = spec(held_out=4)  # sphere: the score ignores the seed, so each row must equal its genome's value
    run_study(s, tmp_path)
    ev, best, status = load_run(tmp_path), load_best(tmp_path), load_status(tmp_path)
    held = pd.read_parquet(tmp_path / "held_out.parquet")
    assert list(held["genome"]) == ["best"] * 4 + ["center"] * 4
    assert list(held["index"]) == [0, 1, 2, 3] * 2
    assert held["error"].isna().all()
    assert not set(held["eval_seed"]) & set(ev["eval_seed"])  # never used in training
    mine, centre = held[held["genome"] == "best"], held[held["genome"] == "center"]
    assert mine["eval_seed"].nunique() == 4
    assert list(mine["eval_seed"]) == list(centre["eval_seed"])  # paired: the same seeds
    space = s.task.search_space()
    for genome, rows in (("best", mine), ("center", centre)):
        genes = space.encode(best["genes"] if genome == "best" else best["center"]["genes"])
        for _, row in rows.iterrows():  # each row is the task's score of that genome on that seed
            assert row["fitness"] == s.task.evaluate(genes, int(row["eval_seed"]))[0]
    assert (mine["generation"] == best["generation"]).all() and (mine["fitness"] == best["fitness"]).all()
    assert (centre["generation"] == 12).all() and best["center"]["generation"] == 12
    summary = best["held_out"]
    assert summary == status["held_out"] and best["center"]["held_out"] == status["held_out_center"]
    assert summary["n"] == 4 and summary["failed"] == 0
    assert summary["mean"] == pytest.approx(mine["fitness"].mean())
    assert summary["std"] == pytest.approx(mine["fitness"].std(ddof=1))
    assert best["center"]["held_out"]["mean"] == pytest.approx(centre["fitness"].mean())


def test_held_out_is_off_by_default_and_validated(spec, tmp_path, study_config):
    run_study(spec(generations=2), tmp_path)
    assert not (tmp_path / "held_out.parquet").exists()
    assert "held_out" not in load_best(tmp_path)
    with pytest.raises(ValueError, match="held_out must be an integer >= 0"):
        study_from_dict(study_config(held_out=-1))
