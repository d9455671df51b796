"""Portrait machinery: default axes of every rule, the table's form (axes and dw only), the grid
laid across several invocations when it outnumbers the synapses."""

import numpy as np
import pytest

from plasticity_rules.abcd import ABCDRule
from plasticity_rules.meta_plasticity import MetaPlasticityRule
from plasticity_rules.portrait import grid
from plasticity_rules.rstdp import RSTDPRule
from plasticity_rules.stdp import STDPRule, stdp_reference

RULES = [STDPRule(8, 1), RSTDPRule(8, 1), ABCDRule(32, 1), ABCDRule(32, 1, "causal"),
         MetaPlasticityRule(8, 1), MetaPlasticityRule(8, 1, ("rate", "step"), n_hidden=2, dw_max=64)]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_default_portrait_is_axes_and_dw(rule):
    rng = np.random.default_rng(3)
    # within the bounds; network parameters small enough that the MLP does not saturate
    scale = 0.3 if isinstance(rule, MetaPlasticityRule) else 1.0
    genes = {s.name: scale * float(rng.uniform(max(s.lower, -1), s.upper)) for s in rule.gene_specs()}
    df = rule.portrait(genes)
    assert df.columns[-1] == "dw" and len(df.columns) >= 2 and len(df) > 1
    axes = list(df.columns[:-1])
    assert not df.duplicated(axes).any()  # one row per grid point
    assert df.dw.dtype.kind == "i" and df.dw.abs().max() <= 63
    assert df.dw.nunique() > 1  # these genes do change weights, differently across the grid


def test_grid_order_and_errors():
    g = grid({"a": np.array([1, 2]), "b": np.array([10, 20, 30])})
    assert g.a.tolist() == [1, 1, 1, 2, 2, 2] and g.b.tolist() == [10, 20, 30] * 2
    with pytest.raises(ValueError, match="axis 'b' is empty"):
        grid({"a": np.array([1]), "b": np.array([])})


def test_grid_larger_than_the_array_runs_in_chunks():
    rule = STDPRule(2, 1)  # 256 synapses for 441 points: two invocations
    amps = np.arange(0, 201, 10)
    genes = {"eta_plus": 0.8, "eta_minus": 0.3}
    df = rule.portrait(genes, causal=amps, acausal=amps)
    assert len(df) == 441
    new = stdp_reference(df.causal, df.acausal, 32, 102, 38)
    np.testing.assert_array_equal(df.dw, new - 32)
