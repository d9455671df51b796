"""Unit conversions: the one place where hardware and biological time meet.

BrainScaleS-2 runs about 1000x faster than biology (Billaudelle et al. 2020,
"Versatile emulation of spiking neural networks on an accelerated neuromorphic
substrate"): 1 us of hardware time corresponds to about 1 ms of biological time.
The emulator speaks hardware units only (microseconds, CADC LSB, hardware Hz);
tasks that speak biology convert here.
"""

from __future__ import annotations

ACCELERATION = 1000.0
"""Hardware speed-up over biological time (hardware us per biological ms = 1)."""

US_PER_S = 1.0e6


def hw_us_to_bio_ms(t_us: float) -> float:
    """Hardware microseconds -> equivalent biological milliseconds."""
    return t_us * ACCELERATION / 1000.0


def bio_ms_to_hw_us(t_ms: float) -> float:
    """Biological milliseconds -> hardware microseconds."""
    return t_ms * 1000.0 / ACCELERATION


def hw_rate_hz_to_bio_hz(rate_hz: float) -> float:
    """A hardware rate (events per hardware second) -> biological rate."""
    return rate_hz / ACCELERATION


def bio_rate_hz_to_hw_hz(rate_hz: float) -> float:
    """A biological rate -> hardware rate (events per hardware second)."""
    return rate_hz * ACCELERATION


def rate_hz_to_per_us(rate_hz: float) -> float:
    """Events per second -> events per microsecond (both hardware time)."""
    return rate_hz / US_PER_S


def us_to_steps(t_us: float, dt_us: float) -> int:
    """A duration in us -> whole time steps (rounded to nearest)."""
    return int(round(t_us / dt_us))
