"""Yin-Yang hyperparameter genes: mapping, validation and a tiny fitness evaluation."""

from dataclasses import replace

import pytest

from plasticity_rules.eventprop.hyper import YINYANG_GENES, config_from_genes, yinyang_fitness
from plasticity_rules.eventprop.train_yinyang import TrainConfig


def test_defaults_reproduce_the_paper_configuration():
    cfg = config_from_genes({}, epochs=100, seed=0)
    base = TrainConfig()
    assert cfg == replace(base, epochs=100, seed=0)
    assert {g.name for g in YINYANG_GENES} >= {"lr", "lr_decay", "weight_scale", "alpha",
                                               "tau_ratio"}


def test_genes_map_to_the_configuration_and_bad_genes_are_refused():
    cfg = config_from_genes({"tau_ratio": 2.0, "weight_scale": 2.0, "lr": 1e-3}, 5, 1)
    assert cfg.tau_syn_ms == pytest.approx(10.0) and cfg.lr == 1e-3
    assert cfg.w_hidden_mean == pytest.approx(2 * TrainConfig().w_hidden_mean)
    with pytest.raises(ValueError, match="outside"):
        config_from_genes({"lr": 1.0}, 5, 1)
    with pytest.raises(ValueError, match="unknown genes"):
        config_from_genes({"learning_rate": 1e-3}, 5, 1)


def test_fitness_is_the_validation_accuracy_of_a_short_run():
    base = TrainConfig(n_train=300, n_val=150, n_test=60)
    score, metrics = yinyang_fitness({}, epochs=1, seed=0, base=base)
    assert 0.0 <= score <= 1.0 and score == metrics["val_acc"]
    assert score > 0.45  # one epoch on 300 samples already beats chance (1/3) clearly
    with pytest.raises(ValueError, match="backend"):
        yinyang_fitness({}, epochs=1, seed=0, backend="gpu", base=base)
