"""chip_emulator: an emulator of a BrainScaleS-2-like analog neuromorphic chip.

Neurons (LIF / AdEx), synapse arrays with 6-bit weights and labels, drivers and event
routing, correlation sensors, rate counters, CADC readout, fixed-pattern mismatch and
noise, batched and compiled with numba. The plasticity processor lives in ``ppu/`` and
reaches the chip only through ``ppu_port``. See docs/emulator.md.

    spec = ChipSpec()                                   # the full chip
    chip = make_chip(spec, seeds=[0, 1])                # 2 calibrated instances
    state = init_state(chip, run_seeds=[10, 11], weights=w, labels=0)
    state, rec = run(chip, state, 1000.0, wiring, inputs)   # 1 ms hardware time
"""

from chip_emulator.chip import Chip, chip_from_pattern, make_chip
from chip_emulator.mismatch import FixedPattern, calibrate, draw_fixed_pattern, ideal_pattern
from chip_emulator.network import (
    BackgroundSource,
    Inputs,
    Wiring,
    event_label,
    make_wiring,
)
from chip_emulator.params import ChipSpec, CorrelationParams, MismatchParams, NeuronParams
from chip_emulator.run import Record, Recording, Timer, run
from chip_emulator.state import ChipState, init_state, set_labels, set_weights

__all__ = [
    "BackgroundSource", "Chip", "ChipSpec", "ChipState", "CorrelationParams", "FixedPattern",
    "Inputs", "MismatchParams", "NeuronParams", "Record", "Recording", "Timer", "Wiring",
    "calibrate", "chip_from_pattern", "draw_fixed_pattern", "event_label", "ideal_pattern",
    "init_state", "make_chip", "make_wiring", "run", "set_labels", "set_weights",
]
