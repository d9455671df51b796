"""Shared fixtures. Ray takes seconds to start here: one instance serves the whole session."""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def ray_session():
    """A private local Ray instance (loopback only), shared by every test that needs Ray."""
    import ray

    from l2l.evaluation.ray_sandbox import start_local_ray

    started = False
    if not ray.is_initialized():
        start_local_ray(num_cpus=2)
        started = True
    yield ray
    if started:
        ray.shutdown()


@pytest.fixture(scope="session")
def l2l():
    """Run the `l2l` command: l2l(*args, cwd=, env=, check=True) -> CompletedProcess."""

    def run(*args, cwd, env, check=True, timeout=600):
        proc = subprocess.run(
            ["l2l", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
        if check:
            assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
        return proc

    return run


@pytest.fixture
def clean_env():
    """Environment for subprocess runs of the CLI: no inherited Hydra/Ray surprises."""
    env = dict(os.environ)
    env.pop("HYDRA_FULL_ERROR", None)
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    return env


# The smallest complete study config: CMA-ES on the 3-D sphere, serial, quiet. Tests change
# what they need through the `study_config` factory instead of copying this dict.
BASE_STUDY = {
    "seed": 1,
    "generations": 5,
    "max_evaluations": None,
    "repetitions": 1,
    "target": None,
    "quiet": True,
    "resume": None,
    "strategy": {"name": "cma", "sigma0": 0.2, "popsize": 6},
    "task": {"name": "sphere", "dim": 3},
    "evaluator": {"name": "serial"},
}


def make_study_config(task=None, strategy=None, evaluator=None, **top) -> dict:
    """BASE_STUDY with changes; a section given with a 'name' replaces that section."""
    cfg = copy.deepcopy(BASE_STUDY)
    for key, section in (("task", task), ("strategy", strategy), ("evaluator", evaluator)):
        if section is not None:
            cfg[key] = dict(section) if "name" in section else {**cfg[key], **section}
    cfg.update(top)
    return cfg


@pytest.fixture(scope="session")
def study_config():
    return make_study_config
