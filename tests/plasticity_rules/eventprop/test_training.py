"""A short Yin-Yang training run beats the shallow-classifier baseline (~64 %) clearly."""

from dataclasses import replace

from plasticity_rules.eventprop.train_yinyang import TrainConfig, train


def test_few_epochs_on_a_subset_beat_the_shallow_baseline():
    cfg = TrainConfig(epochs=3, seed=0, n_train=1500, n_val=300, n_test=300)
    result = train(cfg, log=lambda s: None)
    assert result["val_acc"] >= 0.75, result["history"]
    assert result["test_acc"] >= 0.75
    assert result["history"][-1]["train_loss"] < result["history"][0]["train_loss"] + 1.0


def test_training_is_deterministic_given_the_seed():
    cfg = TrainConfig(epochs=1, seed=3, n_train=200, n_val=50, n_test=50)
    a = train(cfg, log=lambda s: None)
    b = train(cfg, log=lambda s: None)
    c = train(replace(cfg, seed=4), log=lambda s: None)
    assert (a["weights"].w_in[0] == b["weights"].w_in[0]).all()
    assert not (a["weights"].w_in[0] == c["weights"].w_in[0]).all()


def test_command_line_entry_writes_history_and_weights(tmp_path):
    import json

    from plasticity_rules.eventprop.train_yinyang import main

    out = tmp_path / "run.json"
    main(["--epochs", "1", "--seed", "2", "--n-train", "96", "--n-val", "30", "--n-test", "30",
          "--out", str(out)])
    result = json.loads(out.read_text())
    assert result["config"]["seed"] == 2 and len(result["history"]) == 1
    assert 0.0 <= result["test_acc"] <= 1.0
    assert (tmp_path / "run_weights.npz").exists()
