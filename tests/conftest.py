"""Shared fixtures. Ray takes seconds to start here: one instance serves the whole session."""

from __future__ import annotations

import os
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


@pytest.fixture
def clean_env():
    """Environment for subprocess runs of the CLI: no inherited Hydra/Ray surprises."""
    env = dict(os.environ)
    env.pop("HYDRA_FULL_ERROR", None)
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    return env
