"""The bandit agent on the emulated chip (Bohnstingl et al. 2019, "Neuromorphic hardware learns to
learn", Front. Neurosci. 13:483; ../shared/REFERENCE.md "Bandits").

One chip hemisphere runs up to `max_bandits(arms)` agents side by side (the 40 bandits of an
evaluation share ONE chip instance, as one chip would run them; more bandits spread over more
instances). Per agent: a state input (a regular spike source, shared by all agents of the chip)
drives `arms` action neurons through plastic excitatory 6-bit synapses (row 0) and through one
inhibitory synapse each (row 1, stimulus inhibition); each action neuron's spikes are routed back
to an inhibitory row (2 + arm) whose synapses carry the bandit index as label, so they reach only
the other action neurons of the same bandit (action inhibition). The environment and the rule run
on the processor at one timer event per pull (plasticity_rules/bandit_rule.py): one `run` call
per episode batch, no host round trip per pull.

Timing: a pull lasts `pull_us` (default 10 us hardware time) at dt = `dt_us` (default 0.2 us).
The pull must be longer than the processor's program (about 1,000-2,000 cycles at 250 MHz =
4-8 us; the budget check uses the period) and long enough for a few spikes per neuron: with
tau_mem = tau_syn = 2 us, tau_ref = 1 us and a 1 MHz input a strongly driven neuron fires about
every 1.5 us. dt = 0.2 us resolves tau_syn = 2 us with 10 steps and refractoriness with 5;
the model integrates the subthreshold dynamics exactly at any step (docs/emulator.md), so the
coarser step only quantises spike times, and halves the cost per pull. Longer pulls (20, 40 us)
did not make the choice more reliable (measured: P(choose the stronger arm) at a weight difference
of 4 stays 0.76-0.81): the spread comes from the chip instance's fixed pattern, not from counting.
Synapse gain 1.0 LSB per weight unit (chip default 0.5): at 0.5 a neuron needs weight > 45 to fire
at all (steady current 0.5 q x 1 MHz x tau_syn 2 us vs 45 LSB from leak to threshold), and the
default rule's regret was about 10 instead of 3.6 (seed 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_emulator import (
    BackgroundSource,
    ChipSpec,
    Inputs,
    NeuronParams,
    Record,
    Timer,
    event_label,
    init_state,
    make_chip,
    make_wiring,
    run,
)
from chip_emulator.ppu import isa, make_core_ppu, ppu_core_fn
from chip_emulator.ppu.program import Program
from plasticity_rules.bandit_rule import (
    ROW_ACT_INH,
    ROW_STIM,
    ROW_STIM_INH,
    labels,
    max_bandits,
    n_rows,
    read_pulls,
    write_probabilities,
)


@dataclass(frozen=True)
class AgentParams:
    """The chip side of the agent (hyperparameters, not evolved)."""

    pull_us: float = 10.0
    dt_us: float = 0.2
    input_rate_hz: float = 1.0e6  # hardware rate of the state input
    tau_mem_us: float = 2.0
    tau_syn_us: float = 2.0
    tau_ref_us: float = 1.0
    synapse_gain_lsb: float = 1.0  # weight > 22 reaches threshold at 1 MHz input (docstring)
    mode: str = "calibrated"  # chip_emulator make_chip mode: mismatch (calibrated) and noise on

    def neuron(self) -> NeuronParams:
        return NeuronParams(tau_mem_us=self.tau_mem_us, tau_syn_exc_us=self.tau_syn_us,
                            tau_syn_inh_us=self.tau_syn_us, tau_ref_us=self.tau_ref_us,
                            synapse_gain_lsb=self.synapse_gain_lsb)

    def budget_cycles(self) -> int:
        return int(round(self.pull_us * isa.CLOCK_HZ / 1e6))


def chunks(arms: int, bandits: int) -> tuple[int, int]:
    """(chip instances, bandits per instance) for `bandits` bandits of `arms` arms."""
    cap = max_bandits(arms)
    n = -(-bandits // cap)
    return n, -(-bandits // n)


@dataclass
class EpisodeResult:
    pulls: np.ndarray  # (bandits, arms) pulls per arm
    cycles: np.ndarray  # cycles of every pull invocation, all instances (initialisation excluded)
    overruns: int
    state: object = None
    recording: object = None
    ppu: object = None


def _network(arms: int, nb: int, params: AgentParams):
    spec = ChipSpec(n_hemispheres=1, n_rows=n_rows(arms), n_neurons=arms * nb, dt_us=params.dt_us,
                    correlation=False)
    sign = np.ones(n_rows(arms))
    sign[ROW_STIM_INH:ROW_ACT_INH + arms] = -1
    col = np.arange(arms * nb)
    out = event_label(ROW_ACT_INH + col // nb, col % nb)
    wiring = make_wiring(spec, row_sign=sign, out_label=out[None, :])
    src = [BackgroundSource(0, int(event_label(r, 0)), params.input_rate_hz, poisson=False, phase_us=0.0)
           for r in (ROW_STIM, ROW_STIM_INH)]  # the same spike train into both rows
    return spec, wiring, Inputs(background=tuple(src))


def run_episodes(program: Program, probabilities: np.ndarray, chip_seeds, run_seeds, ppu_seeds,
                 params: AgentParams = AgentParams(), pulls: int = 100, nb: int | None = None,
                 record: Record | None = None, segments: bool = False, on_pull=None) -> EpisodeResult:
    """One episode per bandit: all bandits in one `run` call (timer: init at 0, then one per pull).

    probabilities (bandits, arms); chip_seeds / run_seeds / ppu_seeds: one per chip instance.
    `segments=True` runs pull by pull and calls `on_pull(t, ppu, state)` after each (replays).
    """
    n_bandits, arms = probabilities.shape
    B = len(chip_seeds)
    nb = nb if nb is not None else -(-n_bandits // B)
    spec, wiring, inputs = _network(arms, nb, params)
    chip = make_chip(spec, seeds=list(chip_seeds), neuron=params.neuron(), mode=params.mode)
    state = init_state(chip, run_seeds=list(run_seeds), weights=0, labels=labels(arms, nb)[None, None])
    ppu = make_core_ppu(program, B, 1, seeds=list(ppu_seeds), budget_cycles=params.budget_cycles(),
                        on_overrun="flag", max_events=pulls + 1)
    pad = np.zeros((B * nb, arms))
    pad[:n_bandits] = probabilities
    for bi in range(B):
        write_probabilities(ppu.ctx.sram[bi, 0], program, pad[bi * nb:(bi + 1) * nb])
    timer = Timer(0.0, params.pull_us, pulls + 1)
    rec = record if record is not None else Record(max_spikes=0)
    recording = None
    if not segments:
        state, recording = run(chip, state, pulls * params.pull_us, wiring, inputs, timer=timer,
                               ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx, record=rec, inplace=True)
    else:
        state, _ = run(chip, state, 0.0, wiring, inputs, timer=timer, ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx,
                       record=Record(max_spikes=0), inplace=True)
        for t in range(pulls):
            state, recording = run(chip, state, params.pull_us, wiring, inputs, timer=timer,
                                   ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx, record=rec, inplace=True)
            on_pull(t, ppu, state, recording)
    ppu.check()
    counts = np.concatenate([read_pulls(ppu.ctx.sram[bi, 0], program, arms, nb) for bi in range(B)])
    n_ev = ppu.ctx.n_events[:, 0]
    cycles = np.concatenate([ppu.ctx.cycles[bi, 0, 1:n_ev[bi]] for bi in range(B)])
    return EpisodeResult(counts[:n_bandits], cycles, int(ppu.ctx.overruns.sum()), state, recording, ppu)
