"""Every rule's program does the same on the analog core's port (ppu_core_fn, as the run loop
calls it) as on the array backend, given the same readings, weights, rates and symbols."""

import numpy as np
import pytest

from chip_emulator import ChipSpec, init_state, make_chip, ppu_port
from chip_emulator.ppu import (
    isa,
    make_array_io,
    make_core_ppu,
    new_state,
    ppu_core_fn,
    run_once,
    write_symbol,
)
from chip_emulator.ppu.array_io import RATES
from plasticity_rules.abcd import ABCDRule
from plasticity_rules.meta_plasticity import OBSERVABLES, MetaPlasticityRule
from plasticity_rules.rstdp import RSTDPRule
from plasticity_rules.stdp import STDPRule

R, N = 32, 32


def _mlp(rule, seed):
    rng = np.random.default_rng(seed)
    return {s.name: float(rng.uniform(-1, 1)) for s in rule.gene_specs()}


CASES = [
    (STDPRule(R, 1), {"eta_plus": 0.7, "threshold": 1}, {}),
    (RSTDPRule(R, 1), {"learning_rate": 0.5}, {"reward": 100, "state": 3}),
    (ABCDRule(R, 1), {"eta": 3, "B": 0.3, "C": -0.5, "D": 0.1}, {"pre_activity": np.arange(256) % 128}),
    (ABCDRule(R, 1, "causal"), {"eta": 3, "D": -0.2}, {"pre_activity": np.arange(256) % 128}),
    (MetaPlasticityRule(R, 1, OBSERVABLES, n_hidden=6), None, {"reward": -40, "invocations": 30}),
]


@pytest.mark.parametrize("rule, genes, symbols", CASES, ids=lambda x: getattr(x, "name", ""))
def test_core_port_agrees_with_array_backend(rule, genes, symbols):
    genes = _mlp(rule, 1) if genes is None else genes
    program = rule.compile(genes)
    spec = ChipSpec(n_hemispheres=1, n_rows=R, n_neurons=N)
    chip = make_chip(spec, seeds=[5])  # calibrated: per-synapse baselines spread
    rng = np.random.default_rng(2)
    w0 = rng.integers(0, 64, (1, 1, R, N))
    st = init_state(chip, [6], weights=w0)
    st.port[ppu_port.P_CAUSAL][:] = rng.uniform(0, 150, st.port[ppu_port.P_CAUSAL].shape)
    st.port[ppu_port.P_ACAUSAL][:] = rng.uniform(0, 150, st.port[ppu_port.P_ACAUSAL].shape)
    st.port[ppu_port.P_RATE][:] = rng.integers(0, 256, st.port[ppu_port.P_RATE].shape)
    causal, acausal = np.zeros((R, N), np.uint8), np.zeros((R, N), np.uint8)
    for r in range(R):
        ppu_port.get_causal(st.port, 0, 0, r, 0, causal[r])
        ppu_port.get_acausal(st.port, 0, 0, r, 0, acausal[r])
    io = make_array_io(R, N)
    io.rows[isa.IO_WEIGHTS] = st.weights[0, 0]
    io.rows[isa.IO_CAUSAL] = causal
    io.rows[isa.IO_ACAUSAL] = acausal
    io.neurons[RATES] = st.port[ppu_port.P_RATE][0, 0]
    state = new_state(program)
    ppu = make_core_ppu(program, 1, 1, seeds=[0])
    for name, value in symbols.items():
        write_symbol(state.sram, program, name, value)
        ppu.write_symbol(name, value)
    run_once(program, state, io)
    ppu_core_fn(ppu.ctx, st.port, 0, 0, 0.0)
    ppu.check()
    np.testing.assert_array_equal(st.weights[0, 0], io.rows[isa.IO_WEIGHTS])
    assert (st.weights[0, 0] != w0[0, 0]).mean() > 0.2  # the rule did something
    reads_rates = isinstance(rule, ABCDRule) or "rate" in getattr(rule, "observables", ())
    if reads_rates:  # clear-on-read on both backends
        assert (st.port[ppu_port.P_RATE] == 0).all() and (io.neurons[RATES] == 0).all()
