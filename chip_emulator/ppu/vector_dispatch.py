"""Dispatch of the vector instructions to their kernels (``vector_ops.py``).

Semantics and sources: see ``vector_ops.py`` (Nux FXV, ../shared/REFERENCE.md). This
module only groups the opcodes and routes them; the grouping is a measured speed
decision (docs/ppu.md "Speed").
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import isa
from .nrt import NRT_ON
from .vector_ops import (
    k_addacbfs,
    k_addacbm,
    k_addactacbf,
    k_addactacbm,
    k_addbfs,
    k_addbm,
    k_addtacb,
    k_cmpb,
    k_cmph,
    k_halfword,
    k_mabfs,
    k_mabm,
    k_matacbfs,
    k_matacbm,
    k_mtacb,
    k_mtacbf,
    k_mulbfs,
    k_mulbm,
    k_multacbfs,
    k_multacbm,
    k_pack,
    k_sel,
    k_shb,
    k_shh,
    k_splatb,
    k_splath,
    k_subbfs,
    k_subbm,
    k_unpack,
)

# ------------------------------------------------------------------ dispatch
# Three dispatch functions, grouped by measurement (docs/ppu.md "Speed"): within one
# function LLVM vectorises the byte kernels (about 10 ns per op) only as long as no
# accumulator kernel and no kernel with scratch allocation sits beside them; those run
# at 30-60 ns (accumulator) and 0.1-0.3 us (halfword, pack) in their own functions.
# The fast group runs as whole straight-line runs (vexec_run): one call per run.
G_FAST, G_ACC, G_SLOW = 1, 2, 3
VGROUP = np.zeros(isa.N_OPS, dtype=np.int64)
for _op in (isa.ADDBM, isa.ADDBFS, isa.SUBBM, isa.SUBBFS, isa.MULBM, isa.MULBFS, isa.CMPB,
            isa.CMPH, isa.SEL, isa.SHB, isa.SPLATB, isa.SPLATH):
    VGROUP[_op] = G_FAST
for _op in (isa.ADDACBM, isa.ADDACBFS, isa.MATACBM, isa.MULTACBM, isa.MTACB, isa.MTACBF,
            isa.ADDACTACBM, isa.ADDACTACBF, isa.ADDTACB, isa.MABM, isa.MABFS, isa.MATACBFS,
            isa.MULTACBFS):
    VGROUP[_op] = G_ACC
for _op in range(isa.ADDBM, isa.UPCKBR + 1):
    if VGROUP[_op] == 0:
        VGROUP[_op] = G_SLOW


@njit
def vexec_acc(op, vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):
    """The byte ops that read or write the accumulator (group G_ACC); ``tmp`` int8[1, 128]
    is the scratch row of those that write a register (see vector_ops)."""
    if op == isa.MATACBM:
        k_matacbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
    elif op == isa.MULTACBM:
        k_multacbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
    elif op == isa.MABM:
        k_mabm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
    elif op == isa.MABFS:
        k_mabfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
    elif op == isa.MATACBFS:
        k_matacbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
    elif op == isa.MULTACBFS:
        k_multacbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
    elif op == isa.ADDACBM:
        k_addacbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
    elif op == isa.ADDACBFS:
        k_addacbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
    elif op == isa.MTACB:
        k_mtacb(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
    elif op == isa.MTACBF:
        k_mtacbf(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
    elif op == isa.ADDACTACBM:
        k_addactacbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
    elif op == isa.ADDACTACBF:
        k_addactacbf(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
    else:  # ADDTACB
        k_addtacb(vr, acc, vcr, rt, ra, rb, c, imm, scalar)


@njit(**NRT_ON)  # its kernels allocate scratch: keep NRT when called from execute
def vexec_slow(op, vr, acc, vcr, rt, ra, rb, c, imm, scalar):
    """Halfword shift, pack / unpack and all halfword arithmetic (group G_SLOW)."""
    if op == isa.SHH:
        k_shh(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
    elif op == isa.PCKBU:
        k_pack(vr, acc, vcr, rt, ra, rb, c, 0, scalar)
    elif op == isa.PCKBL:
        k_pack(vr, acc, vcr, rt, ra, rb, c, 1, scalar)
    elif op == isa.UPCKBL:
        k_unpack(vr, acc, vcr, rt, ra, rb, c, 0, scalar)
    elif op == isa.UPCKBR:
        k_unpack(vr, acc, vcr, rt, ra, rb, c, 8, scalar)
    else:
        k_halfword(vr, acc, vcr, rt, ra, rb, c, op, scalar)


@njit
def vexec_run(code, pc, vr, acc, vcr, gpr, tmp):
    """Execute the run of consecutive G_FAST instructions starting at ``pc`` (at least
    one); return (next pc, cycles, instructions). One call for a whole run of vector
    ops instead of one per op: the call from the interpreter is the main cost of an op.
    A run contains no branch, so it always ends (at the first other instruction).
    ``tmp`` int8[1, 128]: the scratch row of the byte kernels (see vector_ops)."""
    n = code.shape[0]
    cycles = 0
    count = 0
    while pc < n:
        op = code[pc, 0]
        if VGROUP[op] != G_FAST:
            break
        rt = code[pc, 1]
        ra = code[pc, 2]
        rb = code[pc, 3]
        c = 0 if (op == isa.CMPB or op == isa.CMPH) else code[pc, 4]
        imm = np.int64(code[pc, 5])
        scalar = np.int64(gpr[ra]) if ra >= 0 else np.int64(0)
        if op == isa.ADDBM:
            k_addbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
        elif op == isa.SUBBFS:
            k_subbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
        elif op == isa.ADDBFS:
            k_addbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
        elif op == isa.CMPB:
            k_cmpb(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
        elif op == isa.SEL:
            k_sel(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
        elif op == isa.SHB:
            k_shb(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
        elif op == isa.MULBFS:
            k_mulbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
        elif op == isa.SUBBM:
            k_subbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
        elif op == isa.MULBM:
            k_mulbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp)
        elif op == isa.SPLATB:
            k_splatb(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
        elif op == isa.SPLATH:
            k_splath(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
        else:  # CMPH
            k_cmph(vr, acc, vcr, rt, ra, rb, c, imm, scalar)
        cycles += isa.OP_CYCLES[op]
        count += 1
        pc += 1
    return pc, cycles, count
