"""The `yinyang` task: EventProp training hyperparameters as genes, validation accuracy as fitness."""

import subprocess

import numpy as np
import pytest

from l2l.results import load_run
from l2l.tasks import YinYangTask

TINY = dict(epochs=1, n_train=200, n_val=100, n_test=100, n_hidden=20)


def test_genes_are_the_hyperparameters_with_the_papers_values_as_start():
    space = YinYangTask().search_space()
    assert space.names == (
        "lr",
        "lr_decay",
        "weight_scale",
        "alpha",
        "tau0_ms",
        "tau1_ms",
        "tau_ratio",
        "repair_bump",
    )
    start = space.decode(space.from_unit(space.initial_unit()))
    assert start["lr"] == pytest.approx(5e-3) and start["lr_decay"] == pytest.approx(0.95)
    assert start["tau0_ms"] == pytest.approx(0.5) and start["tau1_ms"] == pytest.approx(6.4)


def test_deterministic_per_seed_and_metrics_are_accuracies():
    task = YinYangTask(**TINY)
    space = task.search_space()
    genes = space.from_unit(space.initial_unit())
    a, b = task.evaluate(genes, 7), task.evaluate(genes, 7)
    assert a[0] == b[0] and a[1]["test_acc"] == b[1]["test_acc"]
    assert 0.0 <= a[0] <= 1.0 and a[0] == a[1]["val_acc"]


def test_default_budget_learns_beyond_a_shallow_classifier():
    # Kriener et al.: a shallow classifier reaches about 64 % on Yin-Yang
    task = YinYangTask()
    space = task.search_space()
    acc, metrics = task.evaluate(space.from_unit(space.initial_unit()), 1)
    assert acc > 0.66, metrics


def test_a_bad_learning_rate_scores_worse_than_the_papers():
    task = YinYangTask()
    space = task.search_space()
    good = space.from_unit(space.initial_unit())
    bad = good.copy()
    bad[0] = 1e-4  # lr at its lower bound: two epochs barely move the weights
    assert task.evaluate(bad, 1)[0] < task.evaluate(good, 1)[0]


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        (dict(backend="gpu"), "task.backend"),
        (dict(epochs=0), "task.epochs"),
        (dict(direction="minimize"), "maximize"),
    ],
)
def test_bad_params(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        YinYangTask(**kwargs)


def test_experiment_overlay_runs_end_to_end(tmp_path, clean_env):
    run = tmp_path / "yy"
    tiny = [f"task.{k}={v}" for k, v in TINY.items()]
    proc = subprocess.run(
        [
            "l2l",
            "experiment=yinyang_hyper",
            "evaluator=serial",
            "generations=2",
            "strategy.popsize=4",
            *tiny,
            "quiet=true",
            f"hydra.run.dir={run}",
        ],
        cwd=tmp_path,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    ev = load_run(run)
    assert len(ev) == 8 and {"gene.lr", "gene.tau_ratio", "metric.val_acc", "metric.test_acc"} <= set(
        ev.columns
    )
    assert np.array_equal(ev["fitness"], ev["metric.val_acc"])
