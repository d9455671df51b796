"""MetaNetwork: the emitted vector program against the bit-exact NumPy model, the zero-weight
skip, and the errors for bad shapes, activations and parameters."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip_emulator.ppu import ProgramBuilder, make_array_io, new_state, read_symbol, run_once, write_symbol
from plasticity_rules.meta_network import MetaNetwork

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)
IO = make_array_io(1, 128)


def build(net: MetaNetwork, q: np.ndarray):
    """A test harness: inputs x0.. from SRAM, the network, the output to SRAM."""
    b = ProgramBuilder()
    for i in range(net.n_inputs):
        b.symbol(f"x{i}", "int8", 128)
    b.symbol("y", "int8", 128)
    xs = [b.vreg(f"x{i}") for i in range(net.n_inputs)]
    out = b.vreg("y")
    for i, v in enumerate(xs):
        b.load_vector(v, f"x{i}")
    net.emit(b, q, xs, out)
    b.store_vector(out, "y")
    b.halt()
    return b.build()


def run(net, q, x):
    program = build(net, q)
    state = new_state(program)
    for i in range(net.n_inputs):
        write_symbol(state.sram, program, f"x{i}", x[i])
    cycles = run_once(program, state, IO)
    return read_symbol(state.sram, program, "y").astype(np.int8), program, cycles


@st.composite
def cases(draw):
    n_in = draw(st.integers(1, 5))
    n_hid = draw(st.integers(1, 9))
    act = draw(st.sampled_from(["hardtanh", "relu"]))
    net = MetaNetwork(n_in, n_hid, act)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    q = rng.integers(-128, 128, net.n_params).astype(np.int8)
    q[rng.random(net.n_params) < draw(st.sampled_from([0.0, 0.3, 0.8]))] = 0  # exercise the skip
    x = rng.integers(-128, 128, (n_in, 128)).astype(np.int8)
    x[:, :4] = -128  # the saturating corner -1 * -1
    return net, q, x


@SETTINGS
@given(cases())
def test_program_matches_reference_bit_exactly(case):
    net, q, x = case
    y, _, _ = run(net, q, x)
    np.testing.assert_array_equal(y, net.reference(q, x))


def test_reference_closed_form_small_values():
    # Without saturation the network is floor-exact integer arithmetic:
    # h = floor((b1*256 + 2*w1*x) / 256), y = floor((b2*256 + 2*w2*h) / 256)
    net = MetaNetwork(1, 1, "relu")
    q = np.array([64, 10, 32, -5], np.int8)  # w1=0.5, b1, w2=0.25, b2
    x = np.arange(-100, 28, dtype=np.int8)[None, :]
    h = np.maximum((10 * 256 + 2 * 64 * x[0].astype(int)) // 256, 0)
    y = (-5 * 256 + 2 * 32 * h) // 256
    np.testing.assert_array_equal(net.reference(q, x), y)
    np.testing.assert_array_equal(run(net, q, x)[0], y)


def test_hardtanh_saturates_and_relu_clips():
    net_t, net_r = MetaNetwork(1, 1, "hardtanh"), MetaNetwork(1, 1, "relu")
    x = np.resize(np.array([-128, -64, 0, 64, 127], np.int8), (1, 128))
    q_hi = np.array([127, 127, 127, 0], np.int8)  # a = 127*256 + 254x: x=127 clips at 32767
    q_lo = np.array([127, -128, 127, 0], np.int8)  # a = -32768 + 254x: x=-128 clips at -32768
    assert net_t.reference(q_hi, x)[4] == (2 * 127 * 127) // 256  # h = 127, y = 126
    assert net_t.reference(q_lo, x)[0] == (2 * 127 * -128) // 256  # h = -128, y = -127
    assert (net_r.reference(q_lo, x) == 0).all()  # every pre-activation negative
    for net, q in ((net_t, q_hi), (net_t, q_lo), (net_r, q_lo)):
        np.testing.assert_array_equal(run(net, q, x)[0], net.reference(q, x))


def test_zero_weights_shrink_program_and_cycles():
    net = MetaNetwork(4, 8)
    rng = np.random.default_rng(1)
    q = rng.integers(1, 128, net.n_params).astype(np.int8)
    x = rng.integers(-128, 128, (4, 128)).astype(np.int8)
    _, full, c_full = run(net, q, x)
    q2 = q.copy()
    q2[net.n_inputs * net.n_hidden + net.n_hidden:-1][:4] = 0  # output weights of 4 hidden units
    y2, half, c_half = run(net, q2, x)
    np.testing.assert_array_equal(y2, net.reference(q2, x))
    assert half.code_bytes < full.code_bytes and c_half < c_full
    y0, empty, _ = run(net, np.zeros(net.n_params, np.int8), x)
    assert (y0 == 0).all() and empty.code_bytes < half.code_bytes


def test_gene_specs_and_quantise():
    net = MetaNetwork(3, 4)
    specs = net.gene_specs("m")
    assert len(specs) == net.n_params == 4 * 5 + 1
    assert specs[0].name == "m_w1_0_0" and specs[-1].name == "m_b2"
    assert all(s.lower == -1 and s.upper == 1 for s in specs)
    p = np.linspace(-1, 1, net.n_params)
    q = net.quantise(p)
    assert q.dtype == np.int8 and q[0] == -128 and q[-1] == 127
    assert np.abs(q / 128 - p).max() <= 1 / 128


@pytest.mark.parametrize("kwargs, match", [
    ({"n_inputs": 0}, "n_inputs"),
    ({"n_inputs": 2, "n_hidden": 0}, "n_hidden"),
    ({"n_inputs": 2, "activation": "sigmoid"}, "activation"),
])
def test_bad_structure_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MetaNetwork(**kwargs)


def test_bad_params_and_shapes_refused():
    net = MetaNetwork(2, 3)
    with pytest.raises(ValueError, match="shape"):
        net.quantise(np.zeros(5))
    p = np.zeros(net.n_params)
    p[3] = 1.5
    with pytest.raises(ValueError, match="mlp_w1_1_1"):
        net.quantise(p)
    p[3] = np.nan
    with pytest.raises(ValueError, match="outside"):
        net.quantise(p)
    q = np.zeros(net.n_params, np.int8)
    with pytest.raises(ValueError, match="int8"):
        net.reference(q.astype(np.int16), np.zeros((2, 128), np.int8))
    with pytest.raises(ValueError, match="n_inputs=2"):
        net.reference(q, np.zeros((3, 128), np.int8))
    b = ProgramBuilder()
    with pytest.raises(ValueError, match="2 input"):
        net.emit(b, q, [b.vreg("a")], b.vreg("o"))
    with pytest.raises(ValueError, match="prefix"):
        net.gene_specs("bad-name")
