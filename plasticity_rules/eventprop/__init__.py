"""EventProp: exact event-based gradients for current-based LIF networks.

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.
See docs/eventprop.md.
"""

from plasticity_rules.eventprop.losses import (
    max_voltage_cross_entropy,
    predict_ttfs,
    repair_silent,
    spike_count_regulariser,
    ttfs_cross_entropy,
)
from plasticity_rules.eventprop.model import LIFParams
from plasticity_rules.eventprop.network import (
    Events,
    LayerRecord,
    LayerSpec,
    Weights,
    backward,
    first_spikes,
    forward,
    init_weights,
    make_events,
    with_model_currents,
)
from plasticity_rules.eventprop.optim import AdamState, adam_init, adam_step

__all__ = [
    "LIFParams",
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
    "ttfs_cross_entropy",
    "max_voltage_cross_entropy",
    "spike_count_regulariser",
    "repair_silent",
    "predict_ttfs",
    "AdamState",
    "adam_init",
    "adam_step",
]
