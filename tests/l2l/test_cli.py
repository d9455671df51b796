"""End-to-end runs of the `l2l` command with tiny budgets (the issue's "must show" lines)."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from l2l.results import load_run, load_runs, load_status, without_timing


def test_default_study_shape_from_any_directory(tmp_path, clean_env, l2l):
    l2l("experiment=sphere_quick", cwd=tmp_path, env=clean_env)
    (run,) = list((tmp_path / "runs").glob("*/*"))
    for f in (
        "config.yaml",
        "evaluations.parquet",
        "generations.parquet",
        "best.json",
        "checkpoint.pkl",
        "status.json",
        ".hydra/config.yaml",
        "l2l.log",
    ):
        assert (run / f).exists(), f
    assert load_status(run)["finished"]
    assert "gen    0 | evals" in (run / "l2l.log").read_text()


def test_python_dash_m_and_quiet(tmp_path, clean_env):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "l2l",
            "experiment=sphere_quick",
            "quiet=true",
            f"hydra.run.dir={tmp_path / 'r'}",
        ],
        cwd=tmp_path,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "gen " not in proc.stderr + proc.stdout and "stopped:" in proc.stderr + proc.stdout


def test_rosenbrock_10d_reaches_1e_8_within_8000_evaluations(tmp_path, clean_env, l2l):
    run = tmp_path / "rosen"
    l2l(
        "strategy=cma",
        "task=rosenbrock",
        "task.dim=10",
        "evaluator=serial",
        "seed=1",
        "quiet=true",
        f"hydra.run.dir={run}",
        cwd=tmp_path,
        env=clean_env,
    )
    f = load_run(run)["fitness"].to_numpy()
    hits = np.flatnonzero(f < 1e-8)
    assert hits.size and hits[0] < 8000, f"first f < 1e-8 at evaluation {hits[:1]}, best {f.min()}"


@pytest.mark.slow
@pytest.mark.ray
def test_ray_cli_run_is_bit_identical_to_serial(tmp_path, clean_env, l2l):
    common = ["task=rosenbrock", "task.dim=10", "seed=1", "quiet=true", "generations=150"]
    l2l(*common, "evaluator=serial", f"hydra.run.dir={tmp_path / 's'}", cwd=tmp_path, env=clean_env)
    l2l(
        *common,
        "evaluator=ray",
        "evaluator.num_cpus=2",
        f"hydra.run.dir={tmp_path / 'r'}",
        cwd=tmp_path,
        env=clean_env,
    )
    pd.testing.assert_frame_equal(
        without_timing(load_run(tmp_path / "s")), without_timing(load_run(tmp_path / "r"))
    )


def test_multirun_gives_one_table_with_a_seed_column(tmp_path, clean_env, l2l):
    sweep = tmp_path / "sweep"
    l2l(
        "-m",
        "seed=1,2",
        "task=sphere",
        "generations=4",
        "quiet=true",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
        env=clean_env,
    )
    runs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert len(runs) == 2
    df = load_runs(sweep)
    per_run = [len(load_run(r)) for r in runs]
    assert len(df) == sum(per_run) and sorted(df["seed"].unique()) == [1, 2]
    assert {"task.name", "strategy.sigma0", "run", "eval_seed", "fitness"} <= set(df.columns)
    assert (df.groupby("seed")["run"].nunique() == 1).all()


def test_sigkill_then_resume_ends_with_the_same_tables(tmp_path, clean_env, l2l):
    common = ["task=rosenbrock", "task.dim=10", "seed=7", "generations=120", "strategy.popsize=24"]
    l2l(*common, "quiet=true", f"hydra.run.dir={tmp_path / 'full'}", cwd=tmp_path, env=clean_env)

    cut = tmp_path / "cut"
    proc = subprocess.Popen(
        ["l2l", *common, f"hydra.run.dir={cut}"],
        cwd=tmp_path,
        env=clean_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not (cut / "checkpoint.prev.pkl").exists():
        time.sleep(0.01)
    time.sleep(0.3)  # land somewhere in the middle of the run, mid-write or mid-evaluation
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not load_status(cut)["finished"], "the run ended before it could be killed"

    l2l(f"resume={cut}", "quiet=true", cwd=tmp_path, env=clean_env)
    for table in ("generations", "evaluations"):
        pd.testing.assert_frame_equal(
            without_timing(load_run(tmp_path / "full", table)), without_timing(load_run(cut, table))
        )
    assert load_status(cut)["finished"]


def test_resume_with_a_result_changing_override_is_refused(tmp_path, clean_env, l2l):
    run = tmp_path / "r"
    l2l("task=sphere", "generations=3", "quiet=true", f"hydra.run.dir={run}", cwd=tmp_path, env=clean_env)
    proc = l2l(f"resume={run}", "seed=5", cwd=tmp_path, env=clean_env, check=False)
    assert proc.returncode != 0 and "different study" in proc.stderr


@pytest.mark.parametrize(
    "override, expected",
    [
        ("strategy.popsize=-4", "strategy.popsize must be an integer >= 2"),
        ("strategy=cmaa", "Could not find 'strategy/cmaa'"),
        ("task.dimm=3", "task.dimm"),
        ("evaluator.num_cpu=2", "evaluator.num_cpu"),
        ("generations=-1", "generations must be an integer >= 1"),
    ],
)
def test_bad_config_fails_before_any_evaluation(tmp_path, clean_env, override, expected, l2l):
    run = tmp_path / "bad"
    proc = l2l(override, f"hydra.run.dir={run}", cwd=tmp_path, env=clean_env, check=False)
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr
    assert not (run / "evaluations.parquet").exists()


def test_default_study_is_the_bandit_meta_network_and_its_budget_stays_with_it(tmp_path, clean_env, l2l):
    default = l2l("--cfg", "job", cwd=tmp_path, env=clean_env).stdout
    assert "rule: meta_network" in default and "name: bandit" in default
    assert "generations: 100" in default and "held_out: 10" in default and "repetitions: 2" in default
    other = l2l("--cfg", "job", "task=rosenbrock", cwd=tmp_path, env=clean_env).stdout
    assert "name: rosenbrock" in other and "rule:" not in other
    assert "generations: 1000" in other and "held_out: 0" in other and "repetitions: 1" in other
