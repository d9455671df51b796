"""Fault injection (issue 7): the run completes, no evaluation result is lost or duplicated,
and every fault lands exactly where its seed says it should."""

import logging

import numpy as np
import pandas as pd
import pytest

from l2l.config import study_from_dict
from l2l.results import checkpoint, load_run, load_status, without_timing
from l2l.run import run_study


@pytest.fixture
def spec(study_config):
    def make(task=None, evaluator=None, **top):
        faulty = {"name": "faulty", "function": "sphere", "dim": 3, **(task or {})}
        return study_from_dict(
            study_config(
                task=faulty,
                strategy={"popsize": 8},
                evaluator=evaluator,
                **{"seed": 11, "generations": 3, **top},
            )
        )

    return make


def outcome(seed, probs):
    """What the faulty task does for an evaluation seed: raise, nan, hang, crash or ok."""
    u = np.random.default_rng(int(seed)).random()
    edges = np.cumsum(probs)
    for name, edge in zip(("raise", "nan", "hang", "crash"), edges, strict=True):
        if u < edge:
            return name
    return "ok"


def assert_each_evaluation_once(ev, generations, popsize, reps=1):
    keys = ev[["generation", "individual", "repetition"]]
    assert not keys.duplicated().any()
    assert len(ev) == generations * popsize * reps


def test_raise_and_nan_are_recorded_where_the_seed_says_serial(spec, tmp_path):
    probs = (0.2, 0.2, 0.0, 0.0)
    run_study(spec(task={"raise_prob": 0.2, "nan_prob": 0.2}), tmp_path)
    ev = load_run(tmp_path)
    assert_each_evaluation_once(ev, 3, 8)
    expected = ev["eval_seed"].map(lambda s: outcome(s, probs))
    assert (expected != "ok").sum() >= 3  # the test exercises faults at all
    assert ev.loc[expected == "raise", "error"].str.startswith("RuntimeError: injected fault").all()
    assert ev.loc[expected == "nan", "error"].str.contains("non-finite").all()
    assert ev.loc[expected == "ok", "error"].isna().all()


@pytest.mark.ray
def test_killed_workers_are_rerun_and_tables_equal_a_fault_free_run(spec, ray_session, tmp_path):
    ray_cfg = {"name": "ray", "chunks_per_cpu": 2, "min_chunk_s": 0.0, "max_retries": 3}
    clean = tmp_path / "clean"
    run_study(spec(evaluator=ray_cfg), clean)
    crashes = tmp_path / "crash-markers"
    faulty = tmp_path / "faulty"
    run_study(spec(task={"crash_prob": 0.25, "crash_dir": str(crashes)}, evaluator=ray_cfg), faulty)
    assert len(list(crashes.iterdir())) >= 2, "no worker was killed: the test proves nothing"
    ev = load_run(faulty)
    assert_each_evaluation_once(ev, 3, 8)
    assert ev["error"].isna().all()
    pd.testing.assert_frame_equal(without_timing(load_run(clean)), without_timing(ev))


@pytest.mark.ray
def test_hanging_raising_and_nan_evaluations_on_ray(spec, ray_session, tmp_path):
    probs = (0.1, 0.1, 0.1, 0.0)
    ray_cfg = {"name": "ray", "chunks_per_cpu": 2, "min_chunk_s": 0.0, "timeout_s": 4.0}
    task = {"raise_prob": 0.1, "nan_prob": 0.1, "hang_prob": 0.1, "hang_s": 600.0}
    run_study(spec(task=task, evaluator=ray_cfg, generations=2), tmp_path)
    ev = load_run(tmp_path)
    assert_each_evaluation_once(ev, 2, 8)
    expected = ev["eval_seed"].map(lambda s: outcome(s, probs))
    assert (expected == "hang").any(), "no evaluation hung: the test proves nothing"
    assert ev.loc[expected == "hang", "error"].str.startswith("timeout after 4.0 s").all()
    assert ev.loc[expected == "raise", "error"].str.startswith("RuntimeError").all()
    assert ev.loc[expected == "nan", "error"].str.contains("non-finite").all()
    assert ev.loc[expected == "ok", "error"].isna().all()
    assert load_status(tmp_path)["finished"]


def test_corrupt_checkpoint_resumes_from_the_previous_one(spec, tmp_path, caplog):
    full, cut = tmp_path / "full", tmp_path / "cut"
    run_study(spec(generations=6), full)
    run_study(spec(generations=4), cut)
    ck = cut / checkpoint.CURRENT
    ck.write_bytes(ck.read_bytes()[:100])  # a torn write
    with caplog.at_level(logging.WARNING, logger="l2l"):
        run_study(spec(generations=6), cut, resume=True)
    assert "checksum mismatch" in caplog.text
    for table in ("evaluations", "generations"):
        pd.testing.assert_frame_equal(
            without_timing(load_run(full, table)), without_timing(load_run(cut, table))
        )
