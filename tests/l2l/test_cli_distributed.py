"""Distribution end to end (issue 7): an existing Ray cluster, worker counts, launchers,
concurrent sweeps, and a driver killed mid-evaluation again and again."""

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from l2l.evaluation.ray_sandbox import LOCAL_ENV
from l2l.results import load_run, load_runs, load_status, without_timing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_head(tmp_path):
    """`ray start --head` on loopback, private HOME and temp dir; torn down completely."""
    home = tmp_path / "head-home"
    home.mkdir()
    (home / "ray_bootstrap_config.yaml").touch()
    temp_dir = tempfile.mkdtemp(prefix="l2l-head-")  # short: Ray's socket paths have a length limit
    port = free_port()
    env = {**os.environ, **LOCAL_ENV, "HOME": str(home)}
    head = subprocess.Popen(
        [
            "ray",
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp_dir}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.5)
    else:
        head.kill()
        pytest.fail("ray head did not come up within 90 s")
    yield f"127.0.0.1:{port}"
    os.killpg(head.pid, signal.SIGTERM)
    try:
        head.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(head.pid, signal.SIGKILL)
    subprocess.run(["pkill", "-KILL", "-f", temp_dir], check=False)  # stragglers outside the group
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", temp_dir], capture_output=True, text=True).stdout.split()
    assert not left, f"ray processes left behind: {left}"


@pytest.mark.slow
@pytest.mark.ray
def test_study_on_an_existing_ray_cluster(tmp_path, clean_env, ray_head, l2l):
    common = ["task=sphere", "task.dim=5", "generations=4", "seed=2", "quiet=true"]
    l2l(*common, f"hydra.run.dir={tmp_path / 'serial'}", cwd=tmp_path, env=clean_env)
    l2l(
        *common,
        "evaluator=ray",
        f"evaluator.address={ray_head}",
        f"hydra.run.dir={tmp_path / 'cluster'}",
        cwd=tmp_path,
        env=clean_env,
    )
    l2l(
        *common,
        "evaluator=ray",
        "evaluator.address=auto",
        f"hydra.run.dir={tmp_path / 'auto'}",
        cwd=tmp_path,
        env={**clean_env, "RAY_ADDRESS": ray_head},
    )
    ref = without_timing(load_run(tmp_path / "serial"))
    pd.testing.assert_frame_equal(ref, without_timing(load_run(tmp_path / "cluster")))
    pd.testing.assert_frame_equal(ref, without_timing(load_run(tmp_path / "auto")))


@pytest.mark.slow
@pytest.mark.ray
def test_tables_bit_identical_for_serial_and_1_2_4_ray_workers(tmp_path, clean_env, l2l):
    common = [
        "task=rastrigin",
        "task.dim=8",
        "generations=6",
        "strategy.popsize=16",
        "repetitions=2",
        "seed=5",
        "quiet=true",
    ]
    l2l(*common, f"hydra.run.dir={tmp_path / 'serial'}", cwd=tmp_path, env=clean_env)
    ref = without_timing(load_run(tmp_path / "serial"))
    for workers in (1, 2, 4):
        run = tmp_path / f"ray{workers}"
        l2l(
            *common,
            "evaluator=ray",
            f"evaluator.num_cpus={workers}",
            f"hydra.run.dir={run}",
            cwd=tmp_path,
            env=clean_env,
        )
        pd.testing.assert_frame_equal(ref, without_timing(load_run(run)))


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["basic", "joblib", "submitit_local"])
def test_sweep_launchers(tmp_path, clean_env, launcher, l2l):
    sweep = tmp_path / "sweep"
    l2l(
        "-m",
        "seed=1,2",
        "task=sphere",
        "task.dim=3",
        "generations=3",
        "quiet=true",
        f"hydra/launcher={launcher}",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
        env=clean_env,
    )
    df = load_runs(sweep)
    assert sorted(df["seed"].unique()) == [1, 2] and df["run"].nunique() == 2
    assert not df[["run", "generation", "individual", "repetition"]].duplicated().any()


def test_concurrent_sweeps_do_not_clobber_each_other(tmp_path, clean_env):
    args = ["l2l", "-m", "seed=1,2", "task=sphere", "task.dim=3", "generations=3", "quiet=true"]
    procs = [
        subprocess.Popen(
            [*args, f"task.x0={x0}"],
            cwd=tmp_path,
            env=clean_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for x0 in (1.0, 2.0)
    ]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()[-2000:]
    runs = sorted(Path(p).parent for p in (tmp_path / "runs").rglob("status.json"))
    assert len(runs) == 4 and len({r.resolve() for r in runs}) == 4
    df = load_runs(tmp_path / "runs")
    assert df.groupby("task.x0")["run"].nunique().to_dict() == {1.0: 2, 2.0: 2}
    assert all(load_status(r)["finished"] for r in runs)


@pytest.mark.slow
def test_driver_killed_mid_evaluation_again_and_again_then_resumed(tmp_path, clean_env, l2l):
    """The serial driver SIGKILLs itself at seed-chosen evaluations (first attempt of each);
    resuming until finished must give exactly the tables of a run without kills."""
    common = ["task=faulty", "task.dim=4", "generations=5", "strategy.popsize=8", "seed=3", "quiet=true"]
    l2l(*common, f"hydra.run.dir={tmp_path / 'clean'}", cwd=tmp_path, env=clean_env)
    run, markers = tmp_path / "killed", tmp_path / "markers"
    kill = ["task.crash_prob=0.08", f"task.crash_dir={markers}"]
    proc = l2l(*common, *kill, f"hydra.run.dir={run}", cwd=tmp_path, env=clean_env, check=False)
    kills = 0
    while proc.returncode != 0:
        assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
        kills += 1
        assert kills < 20
        proc = l2l(f"resume={run}", cwd=tmp_path, env=clean_env, check=False)
    assert kills >= 2, "the driver was not killed often enough for the test to mean anything"
    assert len(list(markers.iterdir())) == kills
    for table in ("evaluations", "generations"):
        pd.testing.assert_frame_equal(
            without_timing(load_run(tmp_path / "clean", table)), without_timing(load_run(run, table))
        )
