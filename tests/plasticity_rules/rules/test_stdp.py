"""STDP rule: the processor's example program with genes; its portrait over dt on the analog core
against the exponential window it implements; the array portrait against a NumPy model."""

import numpy as np
import pytest

from chip_emulator.ppu.examples.stdp import stdp_program
from plasticity_rules.rule_cost import program_cost
from plasticity_rules.stdp import STDPRule, stdp_reference

DT = np.array([-25, -15, -10, -6, -4, -2.5, -1.2, -0.5, 0.5, 1.2, 2.5, 4, 6, 10, 15, 25.0])


def test_compile_reuses_the_example_program():
    p = STDPRule().compile({"eta_plus": 0.25, "eta_minus": 0.75, "threshold": 3})
    q = stdp_program(256, 2, eta_plus=32, eta_minus=96, threshold=3)
    np.testing.assert_array_equal(p.code, q.code)
    np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("genes, match", [
    ({"eta_plus": 1.5}, "eta_plus"), ({"eta_minus": -0.1}, "eta_minus"),
    ({"threshold": float("nan")}, "threshold"), ({"eta": 0.1}, "unknown gene"),
    ({"eta_plus": "x"}, "eta_plus"),
])
def test_bad_genes_refused_naming_the_gene(genes, match):
    with pytest.raises(ValueError, match=match):
        STDPRule().compile(genes)


@pytest.mark.parametrize("eta_plus, eta_minus", [(0.5, 0.5), (0.25, 0.4)])
def test_window_portrait_matches_exponential_stdp_window(eta_plus, eta_minus):
    # n pairings of amplitude eta_c exp(-|lag| / tau) each, the readings halved, times eta:
    # dw = +-eta * (n eta_c / 2) exp(-|lag| / tau), within the quantisation (< 2 units);
    # etas <= 0.5 keep dw inside the weight range from the start at 32
    n, eta_c, tau = 60, 2.0, 5.0
    rule, genes = STDPRule(32, 1), {"eta_plus": eta_plus, "eta_minus": eta_minus}
    df = rule.window(genes, DT, n_pairs=n, eta_lsb=eta_c, tau_us=tau)
    assert (np.abs(df.lag_us - df.dt_us) <= 0.05 + 1e-9).all()  # the pairs landed on the grid
    eta = np.where(df.lag_us > 0, round(eta_plus * 128), -round(eta_minus * 128)) / 128
    expected = eta * n * eta_c / 2 * np.exp(-np.abs(df.lag_us) / tau)
    assert np.abs(df.dw - expected).max() < 2.0, df.assign(expected=expected)
    assert (np.sign(df.dw[df.dw != 0]) == np.sign(df.dt_us[df.dw != 0])).all()
    # the window's time constant, fitted from the sensor amplitudes the program saw
    big = df[np.maximum(df.causal, df.acausal) >= 10]
    slope = np.polyfit(np.abs(big.lag_us), np.log(np.maximum(big.causal, big.acausal)), 1)[0]
    assert abs(-1 / slope - tau) < 0.3
    portrait = rule.portrait(genes, dt_us=DT)  # the contract's table: the axis and dw
    assert list(portrait.columns) == ["dt_us", "dw"]
    np.testing.assert_array_equal(portrait.dw, df.dw)


def test_window_portrait_with_mismatch_loosely_exponential():
    n, eta_c, tau = 60, 2.0, 5.0
    df = STDPRule(32, 1).window({}, DT, n_pairs=n, eta_lsb=eta_c, tau_us=tau, mode="calibrated", seed=3)
    expected = np.sign(df.lag_us) * 0.5 * n * eta_c / 2 * np.exp(-np.abs(df.lag_us) / tau)
    # calibrated sensors spread ~10 % in eta and ~6 % in tau; baselines measured per synapse
    assert np.abs(df.dw - expected).max() < 0.3 * np.abs(expected).max()
    assert np.corrcoef(df.dw, expected)[0, 1] > 0.97


def test_array_portrait_matches_numpy_model():
    rule = STDPRule(256, 2)
    genes = {"eta_plus": 0.6, "eta_minus": 0.4, "threshold": 2}
    amps = np.arange(0, 201, 8)
    df = rule.portrait(genes, causal=amps, acausal=amps, weight=np.array([0, 20, 63]))
    assert list(df.columns) == ["causal", "acausal", "weight", "dw"] and len(df) == amps.size**2 * 3
    new = stdp_reference(df.causal, df.acausal, df.weight, 77, 51, threshold=2)
    np.testing.assert_array_equal(df.dw, new - df.weight)
    assert df.dw.max() > 20 and df.dw.min() < -20


@pytest.mark.parametrize("rows, cols", [(256, 256), (32, 32)])
def test_size_and_cycles(rows, cols):
    rule = STDPRule(rows, 1 if cols <= 128 else 2)
    cost = program_cost(rule.compile({}), rows, cols)
    assert cost["ppu_bytes"] <= 16 * 1024 and cost["ppu_cycles"] > 0
    small = program_cost(STDPRule(32, 1).compile({}), 32, 32)["ppu_cycles"]
    assert small <= cost["ppu_cycles"]


def test_bad_portrait_axes_refused():
    with pytest.raises(ValueError, match="axes"):
        STDPRule(32, 1).portrait({}, reward=np.zeros(2))
    with pytest.raises(ValueError, match="amplitudes"):
        STDPRule(32, 1).portrait({}, causal=np.array([300]))


def test_bad_window_arguments_refused():
    with pytest.raises(ValueError, match="exceeds"):
        STDPRule(32, 1).window({}, DT, n_pairs=100, eta_lsb=2.0)
    with pytest.raises(ValueError, match="finite"):
        STDPRule(32, 1).window({}, np.array([np.nan]))
    with pytest.raises(ValueError, match="does not combine"):
        STDPRule(32, 1).portrait({}, dt_us=DT, causal=np.array([0]))
