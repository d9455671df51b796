"""Layered LIF networks: forward simulation and EventProp gradients over all layers.

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.

A network is a list of ``LayerSpec`` (hyperparameters) and a ``Weights`` structure (what
learns): layer l receives the events of layer l-1 (layer 0: the input events) through
``w_in[l]`` and, if recurrent, its own spikes through ``w_rec[l]``. The backward pass runs the
layers in reverse; the derivative of the loss w.r.t. each input event time of layer l is
exactly the sum_j W[j, n] (lambda_V[j] - lambda_I[j]) term of the jump condition of the
presynaptic spike in layer l-1, so chaining per-layer adjoints is the full EventProp.

``backward`` takes the spike records as an argument: they may come from ``forward`` (ideal
model) or from elsewhere (e.g. spike times observed on the chip, with the currents at the
spikes recomputed by ``with_model_currents``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from plasticity_rules.eventprop.adjoint import adjoint_layer
from plasticity_rules.eventprop.model import LIFParams
from plasticity_rules.eventprop.simulate import currents_at_spikes, simulate_layer

__all__ = [
    "LayerSpec",
    "Weights",
    "Events",
    "LayerRecord",
    "make_events",
    "init_weights",
    "forward",
    "backward",
    "with_model_currents",
    "first_spikes",
]


@dataclass(frozen=True)
class LayerSpec:
    """One layer: size, recurrence, spiking or not (max-voltage readout), buffer size."""

    n_neurons: int
    recurrent: bool = False
    spiking: bool = True
    max_spikes_per_neuron: int = 8
    capacity: int = 0  # events per sample; 0 = n_neurons * max_spikes_per_neuron

    def __post_init__(self) -> None:
        if self.n_neurons < 1 or self.max_spikes_per_neuron < 1 or self.capacity < 0:
            raise ValueError(f"LayerSpec needs n_neurons >= 1, max_spikes >= 1: {self!r}")

    @property
    def buffer_size(self) -> int:
        return self.capacity or self.n_neurons * self.max_spikes_per_neuron


@dataclass
class Weights:
    """What learns: w_in[l] of shape (n_l, n_{l-1}), w_rec[l] of shape (n_l, n_l) or None."""

    w_in: list[np.ndarray]
    w_rec: list[np.ndarray | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.w_rec:
            self.w_rec = [None] * len(self.w_in)

    def arrays(self) -> list[np.ndarray]:
        """All weight arrays, in a fixed order (for optimisers)."""
        return [w for pair in zip(self.w_in, self.w_rec, strict=True) for w in pair if w is not None]

    def copy(self) -> Weights:
        return Weights([w.copy() for w in self.w_in],
                       [None if w is None else w.copy() for w in self.w_rec])


@dataclass
class Events:
    """A batch of fixed-size event buffers, sorted by time; idx -1 / time inf are padding."""

    idx: np.ndarray  # (B, K) int32
    time: np.ndarray  # (B, K) float64
    current: np.ndarray | None = None  # (B, K) I_n(t_k^-) for spikes of a simulated layer

    @property
    def counts(self) -> np.ndarray:
        return (self.idx >= 0).sum(axis=1)


@dataclass
class LayerRecord:
    events: Events
    dropped: np.ndarray  # (B,) spikes that overflowed the buffer
    vmax: np.ndarray  # (B, N) max voltage (non-spiking layers)
    tvmax: np.ndarray  # (B, N) its time


def make_events(idx: np.ndarray, time: np.ndarray) -> Events:
    """Events from per-sample (idx, time) arrays: sorts by time and sets the sentinels."""
    idx = np.asarray(idx, dtype=np.int32)
    time = np.asarray(time, dtype=np.float64)
    if idx.shape != time.shape or idx.ndim != 2:
        raise ValueError(f"idx and time must be (B, K) of equal shape, got {idx.shape}, {time.shape}")
    valid = (idx >= 0) & np.isfinite(time)
    time = np.where(valid, time, np.inf)
    order = np.argsort(time, axis=1, kind="stable")
    time = np.take_along_axis(time, order, axis=1)
    idx = np.take_along_axis(np.where(valid, idx, -1), order, axis=1).astype(np.int32)
    return Events(np.ascontiguousarray(idx), np.ascontiguousarray(time))


def init_weights(sizes: list[int], specs: list[LayerSpec], mean: list[float], std: list[float],
                 rng: np.random.Generator) -> Weights:
    """Gaussian weights: w_in[l] ~ N(mean[l], std[l]); recurrent ones ~ N(0, std[l]/sqrt(n))."""
    w_in, w_rec = [], []
    for layer, spec in enumerate(specs):
        w_in.append(rng.normal(mean[layer], std[layer], size=(spec.n_neurons, sizes[layer])))
        if spec.recurrent:
            w = rng.normal(0.0, std[layer] / np.sqrt(spec.n_neurons), (spec.n_neurons,) * 2)
            np.fill_diagonal(w, 0.0)
            w_rec.append(w)
        else:
            w_rec.append(None)
    return Weights(w_in, w_rec)


_NO_REC = np.zeros((0, 0))


def _rec(w: np.ndarray | None) -> tuple[np.ndarray, bool]:
    return (_NO_REC, False) if w is None else (np.ascontiguousarray(w, dtype=np.float64), True)


def forward(params: LIFParams, specs: list[LayerSpec], weights: Weights,
            inputs: Events) -> list[LayerRecord]:
    """Simulate all layers exactly (event-based); returns one record per layer."""
    p = params.as_array()
    records = []
    ev = inputs
    for spec, w_in, w_rec in zip(specs, weights.w_in, weights.w_rec, strict=True):
        n_batch = ev.idx.shape[0]
        k = spec.buffer_size if spec.spiking else 1
        out_idx = np.empty((n_batch, k), dtype=np.int32)
        out_time = np.empty((n_batch, k))
        out_cur = np.empty((n_batch, k))
        dropped = np.empty(n_batch, dtype=np.int64)
        vmax = np.empty((n_batch, spec.n_neurons))
        tvmax = np.empty((n_batch, spec.n_neurons))
        wr, has_rec = _rec(w_rec)
        simulate_layer(ev.idx, ev.time, np.ascontiguousarray(w_in, dtype=np.float64), wr,
                       has_rec, spec.spiking, spec.max_spikes_per_neuron, p,
                       out_idx, out_time, out_cur, dropped, vmax, tvmax)
        ev = Events(out_idx, out_time, out_cur)
        records.append(LayerRecord(ev, dropped, vmax, tvmax))
    return records


def with_model_currents(params: LIFParams, weights: Weights, inputs: Events,
                        layer_events: list[Events]) -> list[Events]:
    """Attach the ideal model's I_n(t_k^-) to spike times observed elsewhere (e.g. the chip)."""
    p = params.as_array()
    out = []
    ev_in = inputs
    for ev, w_in, w_rec in zip(layer_events, weights.w_in, weights.w_rec, strict=True):
        cur = np.empty(ev.idx.shape)
        wr, has_rec = _rec(w_rec)
        currents_at_spikes(ev_in.idx, ev_in.time, ev.idx, ev.time,
                           np.ascontiguousarray(w_in, dtype=np.float64), wr, has_rec, p, cur)
        ev = Events(ev.idx, ev.time, cur)
        out.append(ev)
        ev_in = ev
    return out


def backward(params: LIFParams, weights: Weights, inputs: Events, layer_events: list[Events],
             dl_dt: list[np.ndarray | None], kicks: tuple[np.ndarray, ...] | None = None,
             ) -> tuple[Weights, np.ndarray]:
    """EventProp gradients of a loss given its explicit derivatives.

    ``layer_events[l]``: the spikes of layer l with ``current`` set. ``dl_dt[l]`` (B, K_l)
    or None: the loss's explicit derivative w.r.t. each spike time of layer l (e.g. a
    time-to-first-spike loss on the last layer, a spike-count regulariser on hidden ones).
    ``kicks``: (idx, time, value) arrays (B, K) of voltage-loss derivatives dL/dV_n(t) for the
    last layer (max-voltage readout). Returns the weight gradients (same structure as
    ``weights``) and dL/d(input event time), shape (B, K_input).
    """
    p = params.as_array()
    n_layers = len(weights.w_in)
    g_in: list[np.ndarray] = [None] * n_layers  # type: ignore[list-item]
    g_rec: list[np.ndarray | None] = [None] * n_layers
    carry = None  # dL/dt of the current layer's spikes coming from the layer above
    n_batch = inputs.idx.shape[0]
    empty = (np.full((n_batch, 1), -1, np.int32), np.full((n_batch, 1), np.inf),
             np.zeros((n_batch, 1)))
    for layer in range(n_layers - 1, -1, -1):
        ev = layer_events[layer]
        ev_in = inputs if layer == 0 else layer_events[layer - 1]
        d_out = np.zeros(ev.idx.shape)
        if dl_dt[layer] is not None:
            d_out += dl_dt[layer]
        if carry is not None:
            d_out += carry
        k_idx, k_time, k_val = kicks if (kicks is not None and layer == n_layers - 1) else empty
        w_in = np.ascontiguousarray(weights.w_in[layer], dtype=np.float64)
        wr, has_rec = _rec(weights.w_rec[layer])
        gi = np.zeros_like(w_in)
        gr = np.zeros_like(wr)
        d_in = np.empty(ev_in.idx.shape)
        cur = ev.current if ev.current is not None else np.zeros(ev.idx.shape)
        adjoint_layer(ev_in.idx, ev_in.time, ev.idx, ev.time, cur, d_out,
                      np.ascontiguousarray(k_idx, dtype=np.int32), np.ascontiguousarray(k_time),
                      np.ascontiguousarray(k_val), w_in, wr, has_rec, p, gi, gr, d_in)
        g_in[layer] = gi
        g_rec[layer] = gr if has_rec else None
        carry = d_in
    return Weights(g_in, g_rec), carry


def first_spikes(events: Events, n_neurons: int) -> tuple[np.ndarray, np.ndarray]:
    """First spike time of each neuron (inf if silent) and its position in the buffer (-1)."""
    n_batch, k = events.idx.shape
    t_first = np.full((n_batch, n_neurons), np.inf)
    pos = np.full((n_batch, n_neurons), -1, dtype=np.int64)
    # events are sorted by time: scanning backwards leaves the earliest spike in place
    for e in range(k - 1, -1, -1):
        idx = events.idx[:, e]
        rows = np.nonzero(idx >= 0)[0]
        t_first[rows, idx[rows]] = events.time[rows, e]
        pos[rows, idx[rows]] = e
    return t_first, pos
