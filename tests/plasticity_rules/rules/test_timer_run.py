"""The rules inside the compiled run loop: a timer runs each program on the analog core while
Poisson inputs drive the neurons; the same run with the program called from Python at the same
events (run's callback) must end with the same weights, symbols and cycles."""

import numpy as np
import pytest

from chip_emulator import ChipSpec, Inputs, Timer, event_label, init_state, make_chip, run
from chip_emulator.ppu import make_core_ppu, ppu_core_fn
from plasticity_rules.abcd import ABCDRule
from plasticity_rules.meta_plasticity import OBSERVABLES, MetaPlasticityRule
from plasticity_rules.rstdp import RSTDPRule
from plasticity_rules.stdp import STDPRule

R, N = 32, 32


def _genes(rule):
    rng = np.random.default_rng(0)
    return {s.name: 0.3 * float(rng.uniform(-1, 1)) for s in rule.gene_specs()}


CASES = [(STDPRule(R, 1), {"eta_plus": 0.9, "eta_minus": 0.6}),
         (RSTDPRule(R, 1), {"learning_rate": 0.9}),
         (ABCDRule(R, 1), {"eta": 8, "A": 1}),  # about 40 spikes per period: dw ~ 1
         (MetaPlasticityRule(R, 1, OBSERVABLES, n_hidden=4, dw_max=16), None)]


@pytest.mark.slow  # compiles the run loop with the processor once per process (12-25 s here)
@pytest.mark.parametrize("rule, genes", CASES, ids=lambda x: getattr(x, "name", ""))
def test_timer_run_equals_python_calls(rule, genes):
    genes = _genes(rule) if genes is None else genes
    program = rule.compile(genes)
    spec = ChipSpec(n_hemispheres=1, n_rows=R, n_neurons=N)
    chip = make_chip(spec, seeds=[1, 2])
    rng = np.random.default_rng(1)
    w0 = rng.integers(20, 50, (2, 1, R, N))
    inputs = Inputs(poisson_label=event_label(np.arange(R), 0)[None, :],
                    poisson_rate_hz=np.full((1, R), 40e3))
    timer = Timer(start_us=200.0, period_us=200.0, n_periods=3)
    symbols = {"reward": 90, "state": 2} if isinstance(rule, RSTDPRule) else (
        {"reward": -30} if isinstance(rule, MetaPlasticityRule) else {})
    if isinstance(rule, ABCDRule):
        symbols = {"pre_activity": np.full(256, 64)}
    results = []
    for compiled in (True, False):
        ppu = make_core_ppu(program, 2, 1, seeds=[7, 8], budget_cycles=10**6)
        for k, v in symbols.items():
            ppu.write_symbol(k, v)
        st = init_state(chip, [3, 4], weights=w0)
        if compiled:
            st, _ = run(chip, st, 600.0, inputs=inputs, timer=timer, ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx)
        else:
            def call(state, b, h, t_us, ctx=ppu.ctx):
                ppu_core_fn(ctx, state.port, b, h, t_us)
            st, _ = run(chip, st, 600.0, inputs=inputs, timer=timer, callback=call)
        ppu.check()
        results.append((st.weights.copy(), ppu.ctx.sram.copy(), [ppu.cycles(b, 0) for b in range(2)]))
    (w1, s1, c1), (w2, s2, c2) = results
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(s1, s2)
    assert all((a == b).all() and a.size == 3 for a, b in zip(c1, c2, strict=True))
    assert (w1 != w0).mean() > 0.05  # the rule learned something from the activity
