"""Fixed-pattern mismatch of chip instances, and its calibration.

Sources: ../shared/REFERENCE.md ("mismatch": after calibration about 3 LSB std at the
CADC; trial-to-trial noise below about 7 LSB; correlation sensors with per-synapse 2-bit
time and amplitude calibration); Billaudelle et al. 2020 and the public calix library
(electronicvisions) for the idea of calibration as a per-circuit trim search.

Model. Each analog circuit deviates from its nominal value by a fixed amount drawn once
from the chip instance's seed (``FixedPattern``). ``calibrate`` trims each circuit:

- neuron potentials, time constants and input gain have fine trims (capacitive memory
  cells): the remaining deviation is the trim's quantisation error,
  ``d - step * round(d / step)`` with ``step = sigma_cal * sqrt(12)``, a uniform residual
  of standard deviation ``sigma_cal``;
- correlation time constant and amplitude have a 2-bit trim per synapse: code
  ``c in 0..3`` adds ``-(c - 1.5) * sigma_raw``; the code nearest to zero error is chosen,
  so deviations within +-2 sigma_raw shrink to a uniform residual of width sigma_raw and
  larger ones only by 1.5 sigma_raw;
- per-synapse weight gain and correlation baselines have no trim and keep their spread.

Ideal mode (``ideal_pattern``) has no deviation and no noise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from chip_emulator.params import (
    DEFAULT_CORRELATION,
    DEFAULT_MISMATCH,
    ChipSpec,
    CorrelationParams,
    MismatchParams,
)

NEURON_FIELDS = ("d_leak", "d_reset", "d_thresh", "r_tau_mem", "r_tau_exc", "r_tau_inh",
                 "r_tau_ref", "r_gain")


@dataclass(frozen=True)
class FixedPattern:
    """Deviations of a batch of chip instances. ``d_*`` in LSB, ``r_*`` relative.

    Shapes: per neuron (B, H, N); ``r_syn_gain``, ``r_eta_a``, ``r_tau_a``, ``base_a``
    (B, H, R, N) (row-major); ``r_eta_c``, ``r_tau_c``, ``base_c`` (B, H, N, R)
    (column-major, like the causal store). ``base_*`` are absolute readings in LSB.
    """

    d_leak: np.ndarray
    d_reset: np.ndarray
    d_thresh: np.ndarray
    r_tau_mem: np.ndarray
    r_tau_exc: np.ndarray
    r_tau_inh: np.ndarray
    r_tau_ref: np.ndarray
    r_gain: np.ndarray
    r_syn_gain: np.ndarray
    r_tau_c: np.ndarray
    r_tau_a: np.ndarray
    r_eta_c: np.ndarray
    r_eta_a: np.ndarray
    base_c: np.ndarray
    base_a: np.ndarray
    noise_lsb: float
    calibrated: bool
    mismatch: MismatchParams


def _seeds(seeds) -> np.ndarray:
    s = np.atleast_1d(np.asarray(seeds))
    if s.ndim != 1 or s.size == 0 or not np.issubdtype(s.dtype, np.integer) or (s < 0).any():
        raise ValueError(f"seeds must be a non-empty 1-d sequence of non-negative integers, "
                         f"got {seeds!r}")
    return s.astype(np.uint64)


def draw_fixed_pattern(spec: ChipSpec, seeds, mismatch: MismatchParams = DEFAULT_MISMATCH,
                       corr: CorrelationParams = DEFAULT_CORRELATION) -> FixedPattern:
    """The uncalibrated fixed pattern of one chip instance per seed (B = len(seeds)).

    Instance ``i`` depends on ``seeds[i]`` alone (not on its batch neighbours)."""
    seeds = _seeds(seeds)
    H, R, N = spec.n_hemispheres, spec.n_rows, spec.n_neurons
    m = mismatch
    per_inst = []
    for seed in seeds:
        # stream 0x6d69736d ("mism") keeps the fixed pattern apart from any other use
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x6D69736D]))
        n = (H, N)
        per_inst.append(dict(
            d_leak=rng.normal(0.0, m.potential_raw_lsb, n),
            d_reset=rng.normal(0.0, m.potential_raw_lsb, n),
            d_thresh=rng.normal(0.0, m.potential_raw_lsb, n),
            r_tau_mem=rng.normal(0.0, m.tau_raw_rel, n),
            r_tau_exc=rng.normal(0.0, m.tau_raw_rel, n),
            r_tau_inh=rng.normal(0.0, m.tau_raw_rel, n),
            r_tau_ref=rng.normal(0.0, m.tau_raw_rel, n),
            r_gain=rng.normal(0.0, m.neuron_gain_raw_rel, n),
            r_syn_gain=rng.normal(0.0, m.synapse_gain_rel, (H, R, N)),
            r_tau_c=rng.normal(0.0, m.corr_tau_raw_rel, (H, N, R)),
            r_tau_a=rng.normal(0.0, m.corr_tau_raw_rel, (H, R, N)),
            r_eta_c=rng.normal(0.0, m.corr_eta_raw_rel, (H, N, R)),
            r_eta_a=rng.normal(0.0, m.corr_eta_raw_rel, (H, R, N)),
            base_c=np.maximum(rng.normal(corr.baseline_lsb, m.corr_baseline_lsb, (H, N, R)),
                              120.0),
            base_a=np.maximum(rng.normal(corr.baseline_lsb, m.corr_baseline_lsb, (H, R, N)),
                              120.0),
        ))
    arrays = {k: np.stack([d[k] for d in per_inst]) for k in per_inst[0]}
    return FixedPattern(**arrays, noise_lsb=m.noise_lsb, calibrated=False, mismatch=m)


def ideal_pattern(spec: ChipSpec, batch: int,
                  corr: CorrelationParams = DEFAULT_CORRELATION) -> FixedPattern:
    """No mismatch and no noise: every circuit at its nominal value."""
    H, R, N = spec.n_hemispheres, spec.n_rows, spec.n_neurons
    z = np.zeros((batch, H, N))
    zs = np.zeros((batch, H, R, N))
    zt = np.zeros((batch, H, N, R))
    return FixedPattern(
        d_leak=z, d_reset=z, d_thresh=z, r_tau_mem=z, r_tau_exc=z, r_tau_inh=z, r_tau_ref=z,
        r_gain=z, r_syn_gain=zs, r_tau_c=zt, r_tau_a=zs, r_eta_c=zt, r_eta_a=zs,
        base_c=zt + corr.baseline_lsb, base_a=zs + corr.baseline_lsb,
        noise_lsb=0.0, calibrated=True, mismatch=MismatchParams(noise_lsb=0.0))


def _fine_trim(d: np.ndarray, sigma_cal: float) -> np.ndarray:
    if sigma_cal <= 0.0:
        return np.zeros_like(d)
    step = sigma_cal * np.sqrt(12.0)
    return d - step * np.round(d / step)


def _two_bit_trim(d: np.ndarray, sigma_raw: float) -> np.ndarray:
    if sigma_raw <= 0.0:
        return d.copy()
    step = sigma_raw
    code = np.clip(np.round(d / step + 1.5), 0, 3)
    return d - (code - 1.5) * step


def calibrate(pattern: FixedPattern) -> FixedPattern:
    """Trim every circuit towards its nominal value (see the module docstring).

    Deterministic: the same raw pattern always calibrates to the same result."""
    if pattern.calibrated:
        return pattern
    m = pattern.mismatch
    return replace(
        pattern,
        d_leak=_fine_trim(pattern.d_leak, m.potential_cal_lsb),
        d_reset=_fine_trim(pattern.d_reset, m.potential_cal_lsb),
        d_thresh=_fine_trim(pattern.d_thresh, m.potential_cal_lsb),
        r_tau_mem=_fine_trim(pattern.r_tau_mem, m.tau_cal_rel),
        r_tau_exc=_fine_trim(pattern.r_tau_exc, m.tau_cal_rel),
        r_tau_inh=_fine_trim(pattern.r_tau_inh, m.tau_cal_rel),
        r_tau_ref=_fine_trim(pattern.r_tau_ref, m.tau_cal_rel),
        r_gain=_fine_trim(pattern.r_gain, m.neuron_gain_cal_rel),
        r_tau_c=_two_bit_trim(pattern.r_tau_c, m.corr_tau_raw_rel),
        r_tau_a=_two_bit_trim(pattern.r_tau_a, m.corr_tau_raw_rel),
        r_eta_c=_two_bit_trim(pattern.r_eta_c, m.corr_eta_raw_rel),
        r_eta_a=_two_bit_trim(pattern.r_eta_a, m.corr_eta_raw_rel),
        calibrated=True,
    )
