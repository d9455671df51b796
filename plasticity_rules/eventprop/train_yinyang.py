"""Train a 5-200-3 LIF network on Yin-Yang with EventProp (Wunderlich & Pehle 2021, Fig. 3).

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.

    python -m plasticity_rules.eventprop.train_yinyang --epochs 100 --seed 0

Setup of the paper: inputs x, y, 1-x, 1-y as spike latencies t = v * 30 ms plus a bias
spike; tau_mem 20 ms, tau_syn 5 ms; time-to-first-spike cross-entropy (tau0 0.5 ms,
tau1 6.4 ms, alpha 3e-3); Adam, batch 32, learning rate 5e-3 decayed x0.95 per epoch.
Every draw descends from ``--seed`` (weights, batch order); the data use their own seeds.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from plasticity_rules.datasets.yinyang import encode_yinyang, yinyang_splits
from plasticity_rules.eventprop import cli
from plasticity_rules.eventprop.losses import predict_ttfs, repair_silent, ttfs_cross_entropy
from plasticity_rules.eventprop.model import LIFParams
from plasticity_rules.eventprop.network import (
    LayerSpec,
    Weights,
    backward,
    forward,
    init_weights,
    make_events,
)
from plasticity_rules.eventprop.optim import adam_init, adam_step

__all__ = ["TrainConfig", "train", "evaluate", "main"]


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of the Yin-Yang run (defaults: the paper's setup where it gives one)."""

    epochs: int = 100
    seed: int = 0
    batch_size: int = 32
    lr: float = 5e-3
    lr_decay: float = 0.95  # per epoch
    n_hidden: int = 200
    tau_mem_ms: float = 20.0
    tau_syn_ms: float = 5.0
    threshold: float = 1.0
    t_max_ms: float = 30.0  # input latency scale
    t_bias_ms: float = 0.0
    t_end_ms: float = 60.0
    tau0_ms: float = 0.5
    tau1_ms: float = 6.4
    alpha: float = 3e-3
    w_hidden_mean: float = 2.0
    w_hidden_std: float = 1.0
    w_out_mean: float = 0.3
    w_out_std: float = 0.3
    repair_bump: float = 0.01  # silent-neuron repair: added to input weights per batch
    max_spikes_hidden: int = 8
    hidden_capacity: int = 800  # hidden spikes stored per sample (overflow is counted)
    n_train: int = 5000
    n_val: int = 1000
    n_test: int = 1000
    data_generator: str = "reference"  # "reference" (the published sets) or "pcg64"

    def lif(self) -> LIFParams:
        return LIFParams(self.tau_mem_ms, self.tau_syn_ms, self.threshold, self.t_end_ms)

    def specs(self) -> list[LayerSpec]:
        return [LayerSpec(self.n_hidden, max_spikes_per_neuron=self.max_spikes_hidden,
                          capacity=self.hidden_capacity),
                LayerSpec(3, max_spikes_per_neuron=1)]


def evaluate(cfg: TrainConfig, weights: Weights, x: np.ndarray, y: np.ndarray,
             chunk: int = 500) -> tuple[float, float]:
    """(accuracy, mean loss) of the ideal model on features x, labels y."""
    params, specs = cfg.lif(), cfg.specs()
    correct, loss_sum = 0, 0.0
    for s in range(0, len(y), chunk):
        inp = make_events(*encode_yinyang(x[s:s + chunk], cfg.t_max_ms, cfg.t_bias_ms))
        recs = forward(params, specs, weights, inp)
        loss, _, t_first = ttfs_cross_entropy(recs[-1].events, 3, y[s:s + chunk], cfg.tau0_ms,
                                              cfg.tau1_ms, cfg.alpha, cfg.t_end_ms)
        correct += int((predict_ttfs(t_first) == y[s:s + chunk]).sum())
        loss_sum += loss * len(y[s:s + chunk])
    return correct / len(y), loss_sum / len(y)


def train(cfg: TrainConfig, log=print) -> dict:
    """Run the training; returns the history, final accuracies and the trained weights."""
    data = yinyang_splits(cfg.n_train, cfg.n_val, cfg.n_test, generator=cfg.data_generator)
    init_rng, order_rng = (np.random.default_rng(s)
                           for s in np.random.SeedSequence(cfg.seed).spawn(2))
    params, specs = cfg.lif(), cfg.specs()
    weights = init_weights([5, cfg.n_hidden, 3], specs, [cfg.w_hidden_mean, cfg.w_out_mean],
                           [cfg.w_hidden_std, cfg.w_out_std], init_rng)
    opt = adam_init(weights.w_in)
    idx_all, t_all = encode_yinyang(data.x_train, cfg.t_max_ms, cfg.t_bias_ms)
    history = []
    t_start = time.perf_counter()
    val_acc, val_loss = evaluate(cfg, weights, data.x_val, data.y_val)
    log(f"epoch 0 val_acc {val_acc:.4f} val_loss {val_loss:.4f}")
    for epoch in range(1, cfg.epochs + 1):
        lr = cfg.lr * cfg.lr_decay ** (epoch - 1)
        order = order_rng.permutation(cfg.n_train)
        t_ep = time.perf_counter()
        train_correct, train_loss, n_spk, dropped, no_out = 0, 0.0, 0, 0, 0
        for s in range(0, cfg.n_train, cfg.batch_size):
            sel = order[s:s + cfg.batch_size]
            inp = make_events(idx_all[sel], t_all[sel])
            labels = data.y_train[sel]
            recs = forward(params, specs, weights, inp)
            loss, dl_dt, t_first = ttfs_cross_entropy(recs[-1].events, 3, labels, cfg.tau0_ms,
                                                      cfg.tau1_ms, cfg.alpha, cfg.t_end_ms)
            grads, _ = backward(params, weights, inp, [r.events for r in recs], [None, dl_dt])
            new_w, opt = adam_step(weights.w_in, grads.w_in, opt, lr)
            weights = Weights(new_w)
            if cfg.repair_bump > 0:
                weights = repair_silent(weights, recs, labels, cfg.repair_bump)
            train_correct += int((predict_ttfs(t_first) == labels).sum())
            train_loss += loss * len(sel)
            n_spk += int(recs[0].events.counts.sum())
            dropped += int(recs[0].dropped.sum())
            no_out += int((~np.isfinite(t_first)).all(axis=1).sum())
        ep_time = time.perf_counter() - t_ep
        val_acc, val_loss = evaluate(cfg, weights, data.x_val, data.y_val)
        # test accuracy is logged for learning curves only; nothing is selected on it
        test_acc_ep, _ = evaluate(cfg, weights, data.x_test, data.y_test)
        row = dict(epoch=epoch, lr=lr, train_acc=train_correct / cfg.n_train,
                   train_loss=train_loss / cfg.n_train, val_acc=val_acc, val_loss=val_loss,
                   test_acc=test_acc_ep,
                   hidden_spikes_per_sample=n_spk / cfg.n_train, dropped=dropped,
                   no_output_frac=no_out / cfg.n_train,
                   epoch_s=ep_time)
        history.append(row)
        log(cli.format_row(row))
    test_acc, test_loss = evaluate(cfg, weights, data.x_test, data.y_test)
    wall = time.perf_counter() - t_start
    log(f"final test_acc {test_acc:.4f} test_loss {test_loss:.4f} wall_s {wall:.1f}")
    return dict(config=asdict(cfg), history=history, test_acc=test_acc, test_loss=test_loss,
                val_acc=val_acc, wall_s=wall, weights=weights)


def main(argv: list[str] | None = None) -> dict:
    return cli.main(TrainConfig, train, __doc__.split("\n\n")[0], argv)


if __name__ == "__main__":
    main()
