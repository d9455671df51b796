"""The on-processor SARSA(lambda) rule: one step against its integer closed form, bounds, errors."""

from __future__ import annotations

import numpy as np
import pytest

from plasticity_rules.mdp_rule import MDPRule


def _expected_dq(c, r, q, qn):
    """The program's arithmetic for one step with a fresh trace (e = 127)."""
    d = c["r_scale"] * r + ((c["gamma"] * qn) >> 7) - q
    k = int(np.clip((c["eta"] * d) >> 7, -128, 127))
    dq = (127 + 2 * 127 * k) // 256  # accumulator preset 127, fxvmabfs
    return int(np.clip(q + dq, c["q_min"], c["q_max"])) - q


@pytest.mark.parametrize("genes", [{}, {"gamma": 0.9, "eta": 0.8, "q_max": 0.7},
                                   {"gamma": 0.0, "eta": 0.05}])
def test_one_step_matches_closed_form(genes):
    rule = MDPRule()
    c = rule.constants(genes)
    df = rule.portrait(genes, reward=[0, 1], q=[0.0, 0.25, 0.5, 0.75], q_next=[0.0, 0.4, 0.8])
    assert len(df) == 24
    for row in df.itertuples():
        q, qn = int(round(row.q * 128)), int(round(row.q_next * 128))
        assert row.dw == _expected_dq(c, row.reward, q, qn), row


def test_td_error_sign():
    df = MDPRule().portrait({}, reward=[1], q=[0.0], q_next=[0.0])
    assert df.dw.iloc[0] > 0  # an unexpected reward raises Q
    df = MDPRule().portrait({}, reward=[0], q=[0.8], q_next=[0.0])
    assert df.dw.iloc[0] < 0  # a disappointment lowers it


def test_program_fits_and_genes_change_it():
    rule = MDPRule()
    p = rule.compile({})
    assert p.size_bytes <= 16 * 1024
    assert not np.array_equal(rule.compile({"eta": 0.9}).code, p.code)  # constants are immediates


def test_bad_bounds():
    with pytest.raises(ValueError, match="q_min"):
        MDPRule().compile({"q_min": 0.5, "q_max": 0.5 - 0.1})
    with pytest.raises(ValueError, match="reward"):
        MDPRule().portrait({}, reward=[2])
