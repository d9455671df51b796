"""Losses for EventProp and their explicit derivatives w.r.t. spike times and voltages.

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.

Each loss returns its value (mean over the batch) and the derivatives ``backward`` needs:
dL/dt_k per spike-buffer entry (a loss of spike times, the l_p of the paper) or voltage
kicks dL/dV_n(t*) (a loss of voltages, the l_V of the paper).

* Time-to-first-spike cross-entropy with the paper's regulariser (Yin-Yang)::

      L = -log( exp(-t_y/tau0) / sum_k exp(-t_k/tau0) ) + alpha (exp(t_y/tau1) - 1)
      dL/dt_k = (delta_ky - softmax(-t/tau0)_k) / tau0 + delta_ky alpha/tau1 exp(t_y/tau1)

  t_k is the first spike of output k. A silent output enters the loss as a constant
  t_k = t_silent (no gradient: EventProp has none for spike creation; see ``repair_silent``).
* Max-voltage cross-entropy for a non-spiking readout (latency MNIST in the paper)::

      L = -log softmax(V_max)_y,  dL/dV_max,k = softmax_k - delta_ky,

  applied as a delta voltage loss at the time of each maximum (dV_max/dp = dV/dp(t*)).
* Spike-count regulariser: a surrogate that is a smooth function of spike times for fixed
  counts, L = rho / t_end * sum_n (N_n - nu)_+ sum_{k in n} (t_end - t_k), so each spike of an
  over-active neuron is pushed later by dL/dt_k = -rho (N_n - nu)_+ / t_end. (Spike counts
  themselves are piecewise constant: their exact gradient is zero almost everywhere.)
"""

from __future__ import annotations

import numpy as np

from plasticity_rules.eventprop.network import Events, LayerRecord, Weights, first_spikes

__all__ = [
    "ttfs_cross_entropy",
    "max_voltage_cross_entropy",
    "spike_count_regulariser",
    "repair_silent",
    "predict_ttfs",
]


def ttfs_cross_entropy(events: Events, n_out: int, labels: np.ndarray, tau0: float,
                       tau1: float, alpha: float, t_silent: float):
    """(loss, dl_dt[B, K], t_first[B, n_out]) of the time-to-first-spike cross-entropy."""
    t_first, pos = first_spikes(events, n_out)
    n_batch = t_first.shape[0]
    rows = np.arange(n_batch)
    t = np.where(np.isfinite(t_first), t_first, t_silent)
    z = -t / tau0
    z_max = z.max(axis=1, keepdims=True)
    ez = np.exp(z - z_max)
    soft = ez / ez.sum(axis=1, keepdims=True)
    t_y = t[rows, labels]
    log_norm = z_max[:, 0] + np.log(ez.sum(axis=1))
    loss = (t_y / tau0 + log_norm) + alpha * (np.exp(t_y / tau1) - 1.0)
    grad = -soft / tau0
    grad[rows, labels] += 1.0 / tau0 + alpha / tau1 * np.exp(t_y / tau1)
    grad[~np.isfinite(t_first)] = 0.0  # silent: no spike time to move
    grad /= n_batch
    dl_dt = np.zeros(events.idx.shape)
    has = pos >= 0
    b_idx, n_idx = np.nonzero(has)
    dl_dt[b_idx, pos[b_idx, n_idx]] = grad[b_idx, n_idx]
    return float(loss.mean()), dl_dt, t_first


def predict_ttfs(t_first: np.ndarray) -> np.ndarray:
    """Class = earliest output spike; -1 if no output spiked."""
    pred = np.argmin(t_first, axis=1)
    pred[~np.isfinite(t_first).any(axis=1)] = -1
    return pred


def max_voltage_cross_entropy(record: LayerRecord, labels: np.ndarray):
    """(loss, kicks) for a non-spiking readout; kicks = (idx, time, dL/dV) sorted by time."""
    vmax, tvmax = record.vmax, record.tvmax
    n_batch, n_out = vmax.shape
    rows = np.arange(n_batch)
    z = vmax - vmax.max(axis=1, keepdims=True)
    ez = np.exp(z)
    soft = ez / ez.sum(axis=1, keepdims=True)
    loss = -np.log(soft[rows, labels])
    g = soft.copy()
    g[rows, labels] -= 1.0
    g /= n_batch
    order = np.argsort(tvmax, axis=1, kind="stable")
    idx = order.astype(np.int32)
    time = np.take_along_axis(tvmax, order, axis=1)
    val = np.take_along_axis(g, order, axis=1)
    return float(loss.mean()), (idx, np.ascontiguousarray(time), np.ascontiguousarray(val))


def spike_count_regulariser(events: Events, n_neurons: int, nu: float, rho: float,
                            t_end: float):
    """(loss, dl_dt[B, K]) of the spike-count surrogate regulariser (see module docstring)."""
    n_batch = events.idx.shape[0]
    valid = events.idx >= 0
    counts = np.zeros((n_batch, n_neurons))
    b_idx, e_idx = np.nonzero(valid)
    np.add.at(counts, (b_idx, events.idx[b_idx, e_idx]), 1.0)
    excess = np.maximum(counts - nu, 0.0)
    per_event = np.zeros(events.idx.shape)
    per_event[b_idx, e_idx] = excess[b_idx, events.idx[b_idx, e_idx]]
    t = np.where(valid, events.time, t_end)
    loss = rho / t_end * (per_event * (t_end - t)).sum() / n_batch
    dl_dt = -rho / t_end * per_event / n_batch
    return float(loss), dl_dt


def repair_silent(weights: Weights, records: list[LayerRecord], labels: np.ndarray,
                  bump: float) -> Weights:
    """Silent-neuron repair: add ``bump`` to all input weights of neurons that stay silent.

    A hidden neuron is repaired if it spiked in no sample of the batch; an output neuron if
    it stayed silent in at least one sample of its own class (its loss term then has no
    gradient). Returns new weights; the given ones are not modified.
    """
    new = weights.copy()
    last = len(records) - 1
    for layer, rec in enumerate(records):
        n = new.w_in[layer].shape[0]
        ev = rec.events
        counts = np.zeros((ev.idx.shape[0], n))
        b_idx, e_idx = np.nonzero(ev.idx >= 0)
        np.add.at(counts, (b_idx, ev.idx[b_idx, e_idx]), 1.0)
        if layer < last:
            silent = counts.sum(axis=0) == 0
        else:
            rows = np.arange(len(labels))
            silent = np.zeros(n, dtype=bool)
            lab_silent = counts[rows, labels] == 0
            silent[np.unique(labels[lab_silent])] = True
        new.w_in[layer][silent, :] += bump
    return new
