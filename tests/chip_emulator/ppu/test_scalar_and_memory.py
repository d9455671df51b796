"""Scalar side: arithmetic wraps at 32 bits, compares and branches, SRAM big-endian."""

import numpy as np

from chip_emulator.ppu import isa
from chip_emulator.ppu.array_io import RATES
from chip_emulator.ppu.testing import Machine

I = isa.OP_INDEX


def test_scalar_arithmetic_and_logic():
    m = Machine()
    err = m.run([
        [I["li"], 1, 0, 0, 0, -5],
        [I["lis"], 2, 0, 0, 0, 0x7FFF],  # 0x7fff0000
        [I["ori"], 2, 2, 0, 0, 0xFFFF],  # 0x7fffffff
        [I["addi"], 3, 2, 0, 0, 1],  # wraps to -2^31
        [I["sub"], 4, 1, 2, 0, 0],
        [I["mullw"], 5, 1, 1, 0, 0],
        [I["srawi"], 6, 1, 0, 0, 1],  # -5 >> 1 = -3 (arithmetic)
        [I["srwi"], 7, 1, 0, 0, 28],  # 0xfffffffb >> 28 = 15
        [I["slwi"], 8, 1, 0, 0, 31],  # low bit 1 -> sign bit
        [I["andi"], 9, 1, 0, 0, 0xF0],
        [I["xor"], 10, 1, 1, 0, 0],
    ])
    assert err == 0
    g = m.gpr
    assert g[2] == 0x7FFFFFFF and g[3] == -(2**31) and g[4] == -5 - 0x7FFFFFFF + 2**32
    assert g[5] == 25 and g[6] == -3 and g[7] == 15 and g[8] == -(2**31)
    assert g[9] == 0xF0 and g[10] == 0


def test_counted_loop_and_branch_cycles():
    m = Machine()
    # r1 = 10; do { r2 += 3; r1 -= 1 } while r1 > 0
    err = m.run([
        [I["li"], 1, 0, 0, 0, 10],
        [I["addi"], 2, 2, 0, 0, 3],
        [I["addi"], 1, 1, 0, 0, -1],
        [I["cmpi"], 0, 1, 0, 0, 0],
        [I["bc"], 0, 0, 0, isa.BR_GT, 1],
    ])
    assert err == 0 and m.gpr[2] == 30
    # li 1 + 10 x (addi, addi, cmpi: 3) + 9 taken branches x 3 + 1 not taken + halt 1
    assert m.status[0] == 1 + 30 + 27 + 1 + 1


def test_sram_words_are_big_endian_and_vector_load_store():
    m = Machine()
    err = m.run([
        [I["lis"], 1, 0, 0, 0, 0x0102],
        [I["ori"], 1, 1, 0, 0, 0x0304],
        [I["li"], 2, 0, 0, 0, 2048],
        [I["stw"], 1, 2, 0, 0, 0],
        [I["lbz"], 3, 2, 0, 0, 3],
        [I["lwz"], 4, 2, 0, 0, 0],
        [I["fxvlax"], 5, 0, 2, 0, 0],  # RA = r0 -> address RB alone
        [I["li"], 6, 0, 0, 0, 128],
        [I["fxvstax"], 5, 2, 6, 0, 0],  # 2048 + 128
    ])
    assert err == 0
    assert m.sram[2048:2052].tolist() == [1, 2, 3, 4]
    assert m.gpr[3] == 4 and m.gpr[4] == 0x01020304
    assert m.vr[5, :4].tolist() == [1, 2, 3, 4]
    assert m.sram[2176:2180].tolist() == [1, 2, 3, 4]
    assert m.status[0] == 1 + 1 + 1 + 2 + 2 + 2 + 49 + 1 + 47 + 1  # measured vector costs


def test_io_weights_round_trip_masked_to_6_bits_and_condition_masked_write():
    m = Machine(rows=4)
    m.io.rows[isa.IO_WEIGHTS, 2] = np.arange(256) % 64
    w, mask = 1, 2
    addr = isa.io_address(isa.IO_WEIGHTS, 2, 1)
    err = m.run([
        [I["li"], 3, 0, 0, 0, addr],
        [I["fxvinx"], w, 0, 3, 0, 0],
        [I["li"], 4, 0, 0, 0, 200],  # 200 -> byte 0xc8 -> stored & 0x3f = 8
        [I["fxvsplatb"], mask, 4, 0, 0, 0],
        [I["fxvcmpb"], 0, w, 0, 0, 0],  # flags from the weights read
        [I["fxvoutx"], mask, 0, 3, isa.C_EQ, 0],  # only lanes whose weight was 0
    ])
    assert err == 0
    assert m.vr[w].tolist() == (np.arange(128, 256) % 64).tolist()
    row = m.io.rows[isa.IO_WEIGHTS, 2, 128:]
    zero = (np.arange(128, 256) % 64) == 0
    assert (row[zero] == 8).all() and (row[~zero] == np.arange(128, 256)[~zero] % 64).all()
    assert (m.io.rows[isa.IO_WEIGHTS, 2, :128] == np.arange(128) % 64).all()  # other half untouched
    assert m.status[0] == 1 + 20 + 1 + 2 + 2 + 20 + 1  # weight vector load/store 20


def test_cadc_row_conversion_cost_shared_by_the_row():
    m = Machine(rows=4)
    c0 = isa.io_address(isa.IO_CAUSAL, 1, 0)
    a1 = isa.io_address(isa.IO_ACAUSAL, 1, 1)
    c2 = isa.io_address(isa.IO_CAUSAL, 2, 0)
    rs = isa.io_address(isa.IO_CORR_RESET, 2, 0)
    err = m.run([
        [I["li"], 1, 0, 0, 0, c0], [I["fxvinx"], 1, 0, 1, 0, 0],  # convert row 1: 410
        [I["li"], 1, 0, 0, 0, a1], [I["fxvinx"], 2, 0, 1, 0, 0],  # buffered: 20
        [I["li"], 1, 0, 0, 0, c2], [I["fxvinx"], 3, 0, 1, 0, 0],  # convert row 2: 410
        [I["li"], 1, 0, 0, 0, rs], [I["fxvoutx"], 3, 0, 1, 0, 0],  # reset row 2: 20
        [I["li"], 1, 0, 0, 0, c2], [I["fxvinx"], 3, 0, 1, 0, 0],  # stale: convert 410
    ])
    assert err == 0
    assert m.status[0] == 5 * 1 + 410 + 20 + 410 + 20 + 410 + 1
    assert m.io.corr_resets.tolist() == [0, 0, 1, 0]


def test_rng_rate_and_neuron_io():
    m = Machine(rows=2, seed=3)
    m.io.neurons[RATES, :] = np.arange(256) % 200
    before = m.io.rng.copy()
    err = m.run([
        [I["li"], 1, 0, 0, 0, isa.io_address(isa.IO_RNG, 0, 0)],
        [I["fxvinx"], 1, 0, 1, 0, 0],
        [I["fxvinx"], 2, 0, 1, 0, 0],
        [I["li"], 1, 0, 0, 0, isa.io_address(isa.IO_RATES_CLEAR, 0, 1)],
        [I["fxvinx"], 3, 0, 1, 0, 0],
        [I["li"], 1, 0, 0, 0, isa.io_address(isa.IO_NEURON_RESET, 0, 0)],
        [I["fxvoutx"], 3, 0, 1, 0, 0],
    ])
    assert err == 0
    assert not np.array_equal(m.vr[1], m.vr[2])  # the generators advance per read
    assert (m.io.rng[:128] != before[:128]).all() and (m.io.rng[128:] == before[128:]).all()
    assert (m.vr[3].view(np.uint8) == np.arange(128, 256) % 200).all()
    assert (m.io.neurons[RATES, 128:] == 0).all() and (m.io.neurons[RATES, :128] != 0).any()
    assert (m.io.neuron_reset[:128] == (np.arange(128, 256) % 200 != 0)).all()
