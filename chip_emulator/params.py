"""Chip size and parameters in hardware units, with the calibrated defaults and ranges.

Sources: ../shared/REFERENCE.md ("calibrated ranges", "Correlation sensors", "mismatch");
Schemmel et al. 2020/2022 and Billaudelle et al. 2020 for the BrainScaleS-2 neuron
(AdEx circuit, CADC). Values marked "estimate" are not in REFERENCE.md: they are this
emulator's choices, documented in docs/emulator.md.

Every field carries its unit in its name: ``_us`` hardware microseconds, ``_lsb`` CADC
LSB (about 4.5 mV), ``_rel`` a relative (dimensionless) spread, ``_hz`` hardware Hz.
A value outside its range is refused with a ValueError naming the parameter, the
value and the allowed range.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass


def _check_ranges(obj, ranges: dict[str, tuple[float, float]]) -> None:
    for name, (lo, hi) in ranges.items():
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise ValueError(f"{type(obj).__name__}.{name} must be a number, got {value!r}")
        if not lo <= value <= hi:
            raise ValueError(
                f"{type(obj).__name__}.{name} = {value} is outside its allowed range "
                f"[{lo}, {hi}]"
            )


@dataclass(frozen=True)
class ChipSpec:
    """Size and switches of one chip. The full BrainScaleS-2 chip is the default; a
    Pong array is ``ChipSpec(n_hemispheres=1, n_rows=32, n_neurons=32)``, a bandit
    agent ``ChipSpec(n_hemispheres=1, n_rows=4, n_neurons=3)``.

    Rows come in driver pairs: row ``r`` belongs to driver ``r // 2``. An event label
    (14 bit) is ``driver << 7 | row_select << 6 | address``; it reaches row
    ``2 * driver + row_select`` and there the synapses whose 6-bit label equals
    ``address``.
    """

    n_hemispheres: int = 2
    n_rows: int = 256  # synapse rows per hemisphere
    n_neurons: int = 256  # neurons (= synapse columns) per hemisphere
    dt_us: float = 0.1
    adaptation: bool = False  # AdEx adaptation current w (a, b, tau_w)
    exponential: bool = False  # AdEx exponential term
    correlation: bool = True  # correlation sensors (off: faster, stores stay empty)

    def __post_init__(self):
        _check_ranges(self, SPEC_RANGES)
        for name in ("n_hemispheres", "n_rows", "n_neurons"):
            if int(getattr(self, name)) != getattr(self, name):
                raise ValueError(f"ChipSpec.{name} must be an integer")
        if self.n_rows % 2:
            raise ValueError(f"ChipSpec.n_rows = {self.n_rows}: must be even (2 rows per driver)")

    @property
    def n_drivers(self) -> int:
        return self.n_rows // 2


SPEC_RANGES = {
    "n_hemispheres": (1, 2),
    "n_rows": (2, 256),
    "n_neurons": (1, 256),
    "dt_us": (0.01, 1.0),
}


@dataclass(frozen=True)
class NeuronParams:
    """Nominal (target) neuron parameters, the same for every neuron of a chip.

    Model (hardware units; V, E, I in CADC LSB, currents expressed as the membrane
    shift they would hold in steady state):

        tau_mem dV/dt = -(V - v_leak) + I_exc - I_inh + i_offset
                        [+ delta_t exp((V - v_exp) / delta_t)]  [- w]
        tau_syn_exc dI_exc/dt = -I_exc,   tau_syn_inh dI_inh/dt = -I_inh
        tau_w dw/dt = a (V - v_leak) - w                        (adaptation on)
        V >= v_thresh: spike; V <- v_reset for tau_ref; w <- w + b
        a pre event through a synapse of weight q: I_x <- I_x + q * synapse_gain_lsb
    """

    tau_mem_us: float = 10.0
    tau_syn_exc_us: float = 10.0
    tau_syn_inh_us: float = 10.0
    tau_ref_us: float = 2.0
    v_leak_lsb: float = 80.0
    v_reset_lsb: float = 70.0
    v_thresh_lsb: float = 125.0
    i_offset_lsb: float = 0.0  # estimate range
    synapse_gain_lsb: float = 0.5  # current jump per weight unit; estimate range
    a_adapt: float = 0.0  # estimate range
    b_adapt_lsb: float = 0.0  # estimate range
    tau_w_us: float = 30.0  # estimate range
    delta_t_lsb: float = 5.0  # estimate range
    v_exp_lsb: float = 115.0  # estimate range

    def __post_init__(self):
        _check_ranges(self, NEURON_RANGES)


NEURON_RANGES = {
    "tau_mem_us": (0.5, 60.0),
    "tau_syn_exc_us": (0.3, 30.0),
    "tau_syn_inh_us": (0.3, 30.0),
    "tau_ref_us": (0.04, 32.0),
    "v_leak_lsb": (50.0, 160.0),
    "v_reset_lsb": (50.0, 160.0),
    "v_thresh_lsb": (50.0, 220.0),
    "i_offset_lsb": (0.0, 150.0),
    "synapse_gain_lsb": (0.02, 2.0),
    "a_adapt": (0.0, 10.0),
    "b_adapt_lsb": (0.0, 50.0),
    "tau_w_us": (1.0, 200.0),
    "delta_t_lsb": (0.5, 30.0),
    "v_exp_lsb": (50.0, 220.0),
}


@dataclass(frozen=True)
class CorrelationParams:
    """Nominal correlation-sensor parameters (REFERENCE.md "Correlation sensors").

    Nearest-neighbour pairing per synapse: at a post spike the causal store grows by
    eta_causal exp(-(t_post - t_pre_last) / tau_causal); at a pre spike (an event whose
    address matched the synapse's label) the anti-causal store grows by
    eta_acausal exp(-(t_pre - t_post_last) / tau_acausal).
    """

    tau_causal_us: float = 5.0
    tau_acausal_us: float = 5.0
    eta_causal_lsb: float = 0.5
    eta_acausal_lsb: float = 0.5
    baseline_lsb: float = 135.0  # mean reading after reset; estimate within >= 120

    def __post_init__(self):
        _check_ranges(self, CORRELATION_RANGES)


CORRELATION_RANGES = {
    "tau_causal_us": (2.0, 30.0),
    "tau_acausal_us": (2.0, 30.0),
    "eta_causal_lsb": (0.2, 2.0),
    "eta_acausal_lsb": (0.2, 2.0),
    "baseline_lsb": (120.0, 220.0),
}


@dataclass(frozen=True)
class MismatchParams:
    """Spread of the fixed pattern (standard deviations) before and after calibration,
    and the trial-to-trial membrane noise. All estimates except the calibrated
    potential spread (about 3 LSB) and the noise bound (below about 7 LSB) of
    REFERENCE.md. ``_rel`` spreads are relative to the nominal value.
    """

    potential_raw_lsb: float = 12.0  # leak, reset, threshold
    potential_cal_lsb: float = 3.0
    tau_raw_rel: float = 0.20  # tau_mem, tau_syn, tau_ref
    tau_cal_rel: float = 0.03
    neuron_gain_raw_rel: float = 0.20  # per-neuron synaptic input strength
    neuron_gain_cal_rel: float = 0.03
    synapse_gain_rel: float = 0.05  # per synapse; no per-synapse calibration exists
    corr_tau_raw_rel: float = 0.20  # per synapse; 2-bit calibration
    corr_eta_raw_rel: float = 0.30  # per synapse; 2-bit calibration
    corr_baseline_lsb: float = 5.0  # per synapse spread of the reset reading
    noise_lsb: float = 2.0  # stationary std of membrane noise, trial to trial

    def __post_init__(self):
        _check_ranges(self, MISMATCH_RANGES)


MISMATCH_RANGES = {
    "potential_raw_lsb": (0.0, 40.0),
    "potential_cal_lsb": (0.0, 10.0),
    "tau_raw_rel": (0.0, 0.5),
    "tau_cal_rel": (0.0, 0.2),
    "neuron_gain_raw_rel": (0.0, 0.5),
    "neuron_gain_cal_rel": (0.0, 0.2),
    "synapse_gain_rel": (0.0, 0.3),
    "corr_tau_raw_rel": (0.0, 0.4),
    "corr_eta_raw_rel": (0.0, 0.5),
    "corr_baseline_lsb": (0.0, 20.0),
    "noise_lsb": (0.0, 7.0),
}


DEFAULT_NEURON = NeuronParams()
DEFAULT_CORRELATION = CorrelationParams()
DEFAULT_MISMATCH = MismatchParams()


def replace(obj, **changes):
    """``dataclasses.replace`` re-validating the ranges (frozen dataclasses)."""
    return dataclasses.replace(obj, **changes)
