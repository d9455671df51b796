"""`l2l report` and the notebook helpers: files, image sizes, and the data behind each figure
checked against the run tables."""

import subprocess

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from l2l.config import study_from_dict
from l2l.report import report
from l2l.results import best_genomes, learning_curves, load_run, load_runs, summarize, varying_keys
from l2l.run import run_study


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, study_config):
    root = tmp_path_factory.mktemp("sweep")
    job = 0
    for sigma0 in (0.1, 0.3):
        for seed in (1, 2):
            cfg = study_config(seed=seed, generations=8, strategy={"sigma0": sigma0})
            run_study(study_from_dict(cfg), root / str(job))
            job += 1
    return root


def test_tidy_helpers(sweep):
    gens = load_runs(sweep, "generations")
    assert varying_keys(gens) == ["strategy.sigma0"]
    curves = learning_curves(gens)
    assert len(curves) == 4 * 8 and {"strategy.sigma0", "seed", "run", "best_so_far"} <= set(curves.columns)
    summary = summarize(curves, ["strategy.sigma0"]).set_index("strategy.sigma0")
    assert summary.loc[0.1, "runs"] == 2 and summary.loc[0.3, "runs"] == 2
    final = curves[curves.generation == 7].groupby("strategy.sigma0")["best_so_far"].mean()
    np.testing.assert_allclose(summary["best_mean"], final)
    best = best_genomes(sweep)
    assert len(best) == 4 and {"gene.x0", "gene.x1", "gene.x2", "fitness", "strategy.sigma0"} <= set(
        best.columns
    )
    for _, row in best.iterrows():
        per_ind = load_run(row["run"]).groupby(["generation", "individual"])["fitness"].mean()
        assert row["fitness"] == pytest.approx(per_ind.min())


def test_report_files_sizes_and_data(sweep):
    out = report(sweep)
    for name in ("fitness_vs_generation", "fitness_vs_evaluations", "strategy_statistics", "evals_per_s"):
        img = mpimg.imread(out / f"{name}.png")
        assert img.shape[:2] == (500, 800), name
        assert img[..., :3].std() > 0.01, f"{name} is blank"
    band = pd.read_csv(out / "fitness_vs_generation.csv")
    gens = load_runs(sweep, "generations")
    expect = gens.groupby(["strategy.sigma0", "generation"])["best_so_far"].agg(["mean", "min", "max"])
    got = band.set_index(["strategy.sigma0", "generation"])[["mean", "min", "max"]]
    pd.testing.assert_frame_equal(got.sort_index(), expect.sort_index(), check_names=False)
    stats = pd.read_csv(out / "strategy_statistics.csv")
    assert set(stats["statistic"]) == {"strategy.sigma", "strategy.axis_ratio"}
    summary = (out / "summary.md").read_text()
    best = best_genomes(sweep)["fitness"].min()
    assert f"fitness {best:.6g}" in summary and "strategy.sigma0" in summary


def test_report_command(sweep, clean_env):
    proc = subprocess.run(
        ["l2l", "report", str(sweep / "0")], capture_output=True, text=True, env=clean_env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (sweep / "0" / "report" / "summary.md").exists()


def test_report_of_nothing_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no l2l runs"):
        report(tmp_path)
