"""Chip in the loop: EventProp gradients from spike times observed on the emulated chip.

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.
Pehle, C. et al. (2023). Event-based backpropagation for analog neuromorphic hardware
(arXiv:2302.07141): the gradient is estimated from observed spike times alone.

The forward pass of a n_in - n_hidden - n_out LIF network runs on the emulated chip
(``chip_emulator``: fixed-pattern mismatch and trial-to-trial noise, 6-bit weights, a
sign per synapse row, hardware time constants, spike times on the time grid). The host
keeps float "shadow" weights; what the chip holds is their projection

    q = clip(round(max(sign_row * w, 0) / scale), 0, 63),   scale = gain / (thresh - leak)

so the model weight of a synapse is sign_row * q * scale (threshold 1, leak 0 in model
units). The backward pass (``network.backward``) sees only the observed spike times, the
input times as delivered and the nominal model with the chip-held weights; the currents
at the spikes are recomputed from the model (``network.with_model_currents``). Gradients
update the shadow weights (Adam), which are written back quantised.

Mapping onto one hemisphere (rows x columns):

* input channel i: ``input_copies`` pairs of rows, one excitatory and one inhibitory row
  each, all fed every input spike (a signed input weight: only the excitatory or only the
  inhibitory synapses are nonzero; copies extend the range beyond 63 LSB), columns
  0..n_hidden-1;
* hidden neuron n: its spikes are routed on chip to row 2 n_in input_copies + n, whose
  sign is set per
  row: all its weights onto the outputs share that sign (the sign-per-row constraint).
  The row sign is re-chosen at each write-back as the sign of the sum of its shadow
  weights; weights of the other sign are held at 0 on the chip.
* output neurons: columns n_hidden..n_hidden+n_out-1, not routed.

Biological milliseconds map to hardware microseconds through ``chip_emulator.units``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from chip_emulator.chip import make_chip
from chip_emulator.network import Inputs, event_label, make_wiring
from chip_emulator.params import ChipSpec, NeuronParams
from chip_emulator.run import Record, run
from chip_emulator.state import init_state
from chip_emulator.units import bio_ms_to_hw_us, hw_us_to_bio_ms
from plasticity_rules.datasets.yinyang import encode_yinyang, yinyang_splits
from plasticity_rules.eventprop import cli
from plasticity_rules.eventprop.losses import predict_ttfs, ttfs_cross_entropy
from plasticity_rules.eventprop.model import LIFParams
from plasticity_rules.eventprop.network import (
    Events,
    LayerSpec,
    Weights,
    backward,
    init_weights,
    make_events,
    with_model_currents,
)
from plasticity_rules.eventprop.optim import adam_init, adam_step

__all__ = ["ChipLoopConfig", "ChipNetwork", "chip_weights", "chip_forward", "train_chip",
           "main"]

Q_MAX = 63


@dataclass(frozen=True)
class ChipLoopConfig:
    """Chip and training settings of the in-the-loop Yin-Yang run."""

    epochs: int = 20
    seed: int = 0
    chip_seed: int = 1234  # the fixed pattern of the emulated chip instance
    mode: str = "calibrated"  # "calibrated" | "raw" | "ideal" (chip_emulator.make_chip)
    batch_size: int = 32
    lr: float = 5e-3
    lr_decay: float = 0.95
    n_hidden: int = 200
    tau_mem_us: float = 20.0
    tau_syn_us: float = 5.0
    v_leak_lsb: float = 60.0  # leak = reset; a wide leak-threshold gap keeps the
    v_thresh_lsb: float = 150.0  # calibrated mismatch (~3 LSB) and noise (2 LSB) small
    synapse_gain_lsb: float = 2.0
    input_copies: int = 4  # row pairs per input channel (input weights up to 4 x 63 LSB)
    tau_ref_us: float = 0.04
    dt_us: float = 0.05
    t_max_ms: float = 30.0
    t_end_ms: float = 60.0
    tau0_ms: float = 0.5
    tau1_ms: float = 6.4
    alpha: float = 3e-3
    grazing_eps: float = 0.05
    w_hidden_mean: float = 2.0
    w_hidden_std: float = 1.0
    w_out_mean: float = 0.3
    w_out_std: float = 0.3
    repair_bump: float = 0.01
    fixed_signs: bool = True  # keep each hidden row's sign from initialisation
    n_train: int = 5000
    n_val: int = 1000
    n_test: int = 1000
    eval_chunk: int = 100
    data_generator: str = "reference"  # "reference" (the published sets) or "pcg64"

    @property
    def scale(self) -> float:
        """Model weight (threshold 1) of one weight LSB."""
        return self.synapse_gain_lsb / (self.v_thresh_lsb - self.v_leak_lsb)

    def lif(self) -> LIFParams:
        return LIFParams(hw_us_to_bio_ms(self.tau_mem_us), hw_us_to_bio_ms(self.tau_syn_us),
                         1.0, self.t_end_ms, self.grazing_eps)


@dataclass(frozen=True)
class ChipNetwork:
    """The chip side of the mapping: spec, neuron parameters, wiring."""

    spec: ChipSpec
    neuron: NeuronParams
    n_in: int
    n_hidden: int
    n_out: int
    copies: int

    @property
    def first_hidden_row(self) -> int:
        return 2 * self.n_in * self.copies

    def input_rows(self, i: np.ndarray, copy: int, inhibitory: bool) -> np.ndarray:
        return 2 * (i * self.copies + copy) + int(inhibitory)

    @staticmethod
    def build(cfg: ChipLoopConfig, n_in: int = 5, n_out: int = 3) -> ChipNetwork:
        n_rows = 2 * n_in * cfg.input_copies + cfg.n_hidden
        spec = ChipSpec(n_hemispheres=1, n_rows=n_rows + n_rows % 2,
                        n_neurons=cfg.n_hidden + n_out, dt_us=cfg.dt_us, correlation=False)
        neuron = NeuronParams(tau_mem_us=cfg.tau_mem_us, tau_syn_exc_us=cfg.tau_syn_us,
                              tau_syn_inh_us=cfg.tau_syn_us, tau_ref_us=cfg.tau_ref_us,
                              v_leak_lsb=cfg.v_leak_lsb, v_reset_lsb=cfg.v_leak_lsb,
                              v_thresh_lsb=cfg.v_thresh_lsb,
                              synapse_gain_lsb=cfg.synapse_gain_lsb)
        return ChipNetwork(spec, neuron, n_in, cfg.n_hidden, n_out, cfg.input_copies)

    def wiring(self, hidden_sign: np.ndarray):
        h0 = self.first_hidden_row
        sign = np.ones(self.spec.n_rows)
        sign[1:h0:2] = -1.0
        sign[h0:h0 + self.n_hidden] = hidden_sign
        out_label = np.full(self.spec.n_neurons, -1)
        out_label[:self.n_hidden] = event_label(h0 + np.arange(self.n_hidden), 0)
        return make_wiring(self.spec, sign[None, :], out_label[None, :])


def chip_weights(net: ChipNetwork, shadow: Weights, scale: float,
                 row_sign: np.ndarray | None = None):
    """Quantise shadow weights for the chip: (uint8 (R, N) array, row signs, model Weights).

    The returned model weights are exactly what the chip holds (nominally). ``row_sign``
    fixes the sign of each hidden neuron's row; by default it follows the shadow weights."""
    w_h, w_o = shadow.w_in
    k = net.copies
    q = np.zeros((net.spec.n_rows, net.spec.n_neurons), np.int64)
    q_exc = np.clip(np.rint(np.maximum(w_h, 0) / scale), 0, Q_MAX * k)  # summed over copies
    q_inh = np.clip(np.rint(np.maximum(-w_h, 0) / scale), 0, Q_MAX * k)
    i = np.arange(net.n_in)
    for c in range(k):  # split the total as evenly as possible over the copies
        q[net.input_rows(i, c, False), :net.n_hidden] = ((q_exc + c) // k).T
        q[net.input_rows(i, c, True), :net.n_hidden] = ((q_inh + c) // k).T
    if row_sign is None:  # per hidden neuron (row): the sign of its summed shadow weights
        sign = np.where(w_o.sum(axis=0) >= 0, 1.0, -1.0)
    else:
        sign = np.asarray(row_sign, dtype=float)
    q_out = np.clip(np.rint(np.maximum(w_o * sign[None, :], 0) / scale), 0, Q_MAX)
    rows = net.first_hidden_row + np.arange(net.n_hidden)
    q[rows, net.n_hidden:net.n_hidden + net.n_out] = q_out.T
    eff = Weights([(q_exc - q_inh) * scale, q_out * sign[None, :] * scale])
    return q.astype(np.uint8), sign, eff


def chip_forward(net: ChipNetwork, chip, q: np.ndarray, sign: np.ndarray, inputs: Events,
                 run_seeds: np.ndarray, t_end_ms: float) -> tuple[Events, list[Events]]:
    """Run a batch of samples on the chip; returns (inputs as delivered, [hidden, output]).

    Each sample is one instance of the same chip (same fixed pattern), with its own
    trial-to-trial noise seed. Spike times come back in biological ms on the time grid."""
    n_batch = inputs.idx.shape[0]
    dt = net.spec.dt_us
    valid = inputs.idx >= 0
    b_idx, e_idx = np.nonzero(valid)
    src = inputs.idx[b_idx, e_idx]
    t_us = np.array([bio_ms_to_hw_us(t) for t in inputs.time[b_idx, e_idx]])
    n_rows = 2 * net.copies
    inst = np.tile(b_idx, n_rows)
    labels = np.concatenate([event_label(net.input_rows(src, c, inh), 0)
                             for c in range(net.copies) for inh in (False, True)])
    ev = (inst, np.zeros_like(inst), np.tile(t_us, n_rows), labels)
    state = init_state(chip, run_seeds, weights=q[None, None])
    _, recording = run(chip, state, bio_ms_to_hw_us(t_end_ms), wiring=net.wiring(sign),
                       inputs=Inputs(events=ev), record=Record(max_spikes=4096), inplace=True)
    # inputs as the chip delivered them: at the start of their time step
    steps = np.floor(t_us / dt + 1e-9)
    delivered = inputs.time.copy()
    delivered[b_idx, e_idx] = [hw_us_to_bio_ms(s * dt) for s in steps]
    ins = make_events(inputs.idx, delivered)
    k_h = net.n_hidden * 16
    h_idx = np.full((n_batch, k_h), -1, np.int32)
    h_t = np.full((n_batch, k_h), np.inf)
    o_idx = np.full((n_batch, net.n_out), -1, np.int32)
    o_t = np.full((n_batch, net.n_out), np.inf)
    for b in range(n_batch):
        t, n = recording.spikes(b, 0)
        t = np.array([hw_us_to_bio_ms(x) for x in t]) if len(t) else np.zeros(0)
        hid = n < net.n_hidden
        m = min(int(hid.sum()), k_h)
        h_idx[b, :m] = n[hid][:m]
        h_t[b, :m] = t[hid][:m]
        for j in range(net.n_out):  # only an output's first spike enters the loss
            tj = t[n == net.n_hidden + j]
            if tj.size:
                o_idx[b, j] = j
                o_t[b, j] = tj[0]
    return ins, [make_events(h_idx, h_t), make_events(o_idx, o_t)]


def _repair(shadow: Weights, hidden: Events, output: Events, labels: np.ndarray, bump: float,
            n_hidden: int) -> Weights:
    new = shadow.copy()
    fired = np.zeros(n_hidden, bool)
    fired[hidden.idx[hidden.idx >= 0]] = True
    new.w_in[0][~fired, :] += bump
    rows = np.arange(len(labels))
    has = np.zeros((len(labels), new.w_in[1].shape[0]), bool)
    b_idx, e_idx = np.nonzero(output.idx >= 0)
    has[b_idx, output.idx[b_idx, e_idx]] = True
    silent = np.unique(labels[~has[rows, labels]])
    new.w_in[1][silent, :] += bump
    return new


def _project(shadow: Weights, row_sign: np.ndarray) -> Weights:
    """Output weights of the wrong sign for their (fixed) row set to 0."""
    w_o = shadow.w_in[1]
    return Weights([shadow.w_in[0], np.where(w_o * row_sign[None, :] >= 0, w_o, 0.0)])


def _evaluate(cfg, net, chip_eval, shadow, x, y, seed0, row_sign=None):
    q, sign, _ = chip_weights(net, shadow, cfg.scale, row_sign)
    correct = 0
    for s in range(0, len(y), cfg.eval_chunk):
        xs = x[s:s + cfg.eval_chunk]
        inp = make_events(*encode_yinyang(xs, cfg.t_max_ms))
        seeds = seed0 + s + np.arange(cfg.eval_chunk)
        if len(xs) < cfg.eval_chunk:  # pad the batch to the chip's instance count
            pad = cfg.eval_chunk - len(xs)
            inp = Events(np.pad(inp.idx, ((0, pad), (0, 0)), constant_values=-1),
                         np.pad(inp.time, ((0, pad), (0, 0)), constant_values=np.inf))
        _, (_, out) = chip_forward(net, chip_eval, q, sign, inp, seeds, cfg.t_end_ms)
        t_first = np.full((cfg.eval_chunk, 3), np.inf)
        b_idx, e_idx = np.nonzero(out.idx >= 0)
        t_first[b_idx, out.idx[b_idx, e_idx]] = out.time[b_idx, e_idx]
        correct += int((predict_ttfs(t_first)[:len(xs)] == y[s:s + len(xs)]).sum())
    return correct / len(y)


def train_chip(cfg: ChipLoopConfig, log=print) -> dict:
    """Yin-Yang with the forward pass on the emulated chip and EventProp on observed spikes."""
    data = yinyang_splits(cfg.n_train, cfg.n_val, cfg.n_test, generator=cfg.data_generator)
    init_rng, order_rng = (np.random.default_rng(s)
                           for s in np.random.SeedSequence(cfg.seed).spawn(2))
    net = ChipNetwork.build(cfg)
    chip = make_chip(net.spec, seeds=(cfg.chip_seed,) * cfg.batch_size, neuron=net.neuron,
                     mode=cfg.mode)
    chip_eval = make_chip(net.spec, seeds=(cfg.chip_seed,) * cfg.eval_chunk,
                          neuron=net.neuron, mode=cfg.mode)
    params = cfg.lif()
    specs = [LayerSpec(cfg.n_hidden), LayerSpec(3, max_spikes_per_neuron=1)]
    shadow = init_weights([5, cfg.n_hidden, 3], specs, [cfg.w_hidden_mean, cfg.w_out_mean],
                          [cfg.w_hidden_std, cfg.w_out_std], init_rng)
    row_sign = None
    if cfg.fixed_signs:  # each hidden row keeps the sign of its initial summed weights
        row_sign = np.where(shadow.w_in[1].sum(axis=0) >= 0, 1.0, -1.0)
        shadow = _project(shadow, row_sign)
    opt = adam_init(shadow.w_in)
    idx_all, t_all = encode_yinyang(data.x_train, cfg.t_max_ms)
    run_seed = 10_000_000 * (cfg.seed + 1)  # trial-to-trial noise: a fresh seed per run
    history = []
    best_val, best_epoch, best_w = -1.0, 0, shadow
    t0 = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        lr = cfg.lr * cfg.lr_decay ** (epoch - 1)
        order = order_rng.permutation(cfg.n_train)
        n_batches = cfg.n_train // cfg.batch_size  # the chip batch is fixed: drop the rest
        correct, loss_sum, t_ep = 0, 0.0, time.perf_counter()
        for k in range(n_batches):
            sel = order[k * cfg.batch_size:(k + 1) * cfg.batch_size]
            labels = data.y_train[sel]
            q, sign, eff = chip_weights(net, shadow, cfg.scale, row_sign)
            seeds = run_seed + np.arange(cfg.batch_size)
            run_seed += cfg.batch_size
            ins, (hid, out) = chip_forward(net, chip, q, sign,
                                           make_events(idx_all[sel], t_all[sel]), seeds,
                                           cfg.t_end_ms)
            loss, dl_dt, t_first = ttfs_cross_entropy(out, 3, labels, cfg.tau0_ms,
                                                      cfg.tau1_ms, cfg.alpha, cfg.t_end_ms)
            observed = with_model_currents(params, eff, ins, [hid, out])
            grads, _ = backward(params, eff, ins, observed, [None, dl_dt])
            new_w, opt = adam_step(shadow.w_in, grads.w_in, opt, lr)
            shadow = Weights(new_w)
            if cfg.repair_bump > 0:
                shadow = _repair(shadow, hid, out, labels, cfg.repair_bump, cfg.n_hidden)
            if row_sign is not None:
                shadow = _project(shadow, row_sign)
            correct += int((predict_ttfs(t_first) == labels).sum())
            loss_sum += loss
        val_acc = _evaluate(cfg, net, chip_eval, shadow, data.x_val, data.y_val, 7_000_000,
                            row_sign)
        row = dict(epoch=epoch, lr=lr, train_acc=correct / (n_batches * cfg.batch_size),
                   train_loss=loss_sum / n_batches, val_acc=val_acc,
                   epoch_s=time.perf_counter() - t_ep)
        history.append(row)
        if val_acc > best_val:
            best_val, best_epoch, best_w = val_acc, epoch, shadow.copy()
        log(cli.format_row(row))
    test_acc = _evaluate(cfg, net, chip_eval, shadow, data.x_test, data.y_test, 8_000_000,
                         row_sign)
    # early stopping on the validation set: the test accuracy of the best-validation weights
    test_best = _evaluate(cfg, net, chip_eval, best_w, data.x_test, data.y_test, 8_000_000,
                          row_sign)
    wall = time.perf_counter() - t0
    log(f"final chip test_acc {test_acc:.4f}; best val {best_val:.4f} at epoch {best_epoch}:"
        f" test_acc {test_best:.4f}; wall_s {wall:.1f}")
    return dict(config=asdict(cfg), history=history, test_acc=test_acc, wall_s=wall,
                best_val_acc=best_val, best_epoch=best_epoch, test_acc_best_val=test_best,
                weights=shadow)


def main(argv: list[str] | None = None) -> dict:
    """python -m plasticity_rules.eventprop.chip_loop --epochs 30 --seed 0 [--out f.json]"""
    return cli.main(ChipLoopConfig, train_chip, "Yin-Yang, chip in the loop (EventProp)", argv)


if __name__ == "__main__":
    main()
