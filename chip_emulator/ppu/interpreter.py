"""The PPU interpreter: one invocation of an encoded program, with cycle accounting.

Semantics of the scalar side follow the Power ISA subset listed in ``isa.py``; the vector
side follows the Nux FXV unit (``vector_ops.py``, ``vector_dispatch.py``; sources there). Cycle costs are
``isa.OP_CYCLES`` plus the I/O costs of ``isa.IO_CYCLES`` (measured timings from
../shared/REFERENCE.md: synapse-row vector load/store 20, CADC row read 410, SRAM vector
load 49 / store 47, at 250 MHz).

``run_program`` is a free ``@njit(cache=True)`` function over arrays. It writes only into
its state arguments (``sram``, ``vr``, ``acc``, ``vcr``, ``gpr``, ``status``) and, through
the I/O seam (``io_seam.py``), into the chip behind ``io``. It never raises: errors come
back as a code in ``status[S_ERROR]`` and the instruction index in ``status[S_PC]``
(``runtime.py`` turns them into exceptions).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import isa
from .io_seam import io_load, io_store
from .nrt import NRT_OFF
from .vector_dispatch import G_ACC, G_FAST, VGROUP, vexec_acc, vexec_run, vexec_slow
from .vector_ops import commit_bytes, enable_mask

# status vector (int64[STATUS_LEN])
S_CYCLES, S_ERROR, S_PC, S_COUNT, S_FLAGS, S_DETAIL = range(6)
STATUS_LEN = 8

# operand kinds per opcode for the static check: which fields are registers, C range,
# IMM range (lo, hi); IMM_TARGET marks branch targets.
IMM_TARGET = 1 << 40


def _field_table():
    rows = []
    for name, fmt in zip(isa.OP_NAMES, isa.OP_FORMATS, strict=True):
        c_hi, lo, hi = 0, 0, 0
        if fmt in ("vvv", "vv", "vrrc"):
            c_hi = 3
        if fmt == "vsh":
            hi = 31
        if fmt in ("rri", "ri", "rI", "mem"):
            lo, hi = -32768, 32767
        if name in ("andi", "ori"):
            lo, hi = 0, 65535
        if name in ("slwi", "srwi", "srawi"):
            lo, hi = 0, 31
        if fmt in ("b", "bc"):
            lo, hi = 0, IMM_TARGET
        if fmt == "bc":
            c_hi = 5
        if name in ("fxvpckbu", "fxvpckbl", "fxvupckbl", "fxvupckbr"):
            c_hi = 0  # the size field C: only size 0 is modelled
        rows.append((c_hi, lo, hi))
    return np.array(rows, dtype=np.int64)


FIELD_LIMITS = _field_table()


@njit(cache=True)
def check_code(code):
    """Static check of an encoded program. Returns (error code, instruction index)."""
    if code.ndim != 2 or code.shape[1] != isa.N_FIELDS:
        return isa.E_SHAPE, 0
    n = code.shape[0]
    if n * isa.INSTR_BYTES > isa.SRAM_BYTES:
        return isa.E_OVERSIZE, n - 1
    for i in range(n):
        op = code[i, isa.F_OP]
        if op < 0 or op >= isa.N_OPS:
            return isa.E_UNKNOWN_OPCODE, i
        for f in range(isa.F_RT, isa.F_RB + 1):
            r = code[i, f]
            if r < 0 or r >= isa.N_GPR:
                return isa.E_BAD_REGISTER, i
        c = code[i, isa.F_C]
        if c < 0 or c > FIELD_LIMITS[op, 0]:
            return isa.E_BAD_FIELD, i
        imm = np.int64(code[i, isa.F_IMM])
        hi = FIELD_LIMITS[op, 2]
        if hi == IMM_TARGET:
            if imm < 0 or imm >= n:
                return isa.E_BAD_BRANCH, i
        elif imm < FIELD_LIMITS[op, 1] or imm > hi:
            return isa.E_BAD_FIELD, i
    return isa.E_OK, 0


@njit(inline="always")
def _ea(gpr, ra, rb):
    """Effective address RA + RB, RB alone when RA is register 0 (fxvlax/fxvinx)."""
    base = np.int64(0) if ra == 0 else np.int64(gpr[ra])
    return base + np.int64(gpr[rb])


@njit(cache=True)
def run_program(code, sram, vr, acc, vcr, gpr, status, io, data_base, max_cycles):
    """Run ``code`` from instruction 0 until ``halt``; return the error code (0 = ok).

    code int32[n, 6]; sram uint8[16384]; vr int8[32, 128]; acc int16[128];
    vcr uint8[128]; gpr int32[32]; status int64[STATUS_LEN] (out: cycles, error, pc,
    instruction count, scalar flags, error detail); io: a registered I/O backend tuple;
    data_base: first SRAM byte programs may access (code lies below); max_cycles: cap.
    The program is checked first (``check_code``) on every call.
    """
    err, idx = check_program(code, data_base)
    if err != isa.E_OK:
        status[S_ERROR] = err
        status[S_PC] = idx
        status[S_CYCLES] = 0
        status[S_COUNT] = 0
        return err
    return execute(code, sram, vr, acc, vcr, gpr, status, io, data_base, max_cycles,
                   np.zeros((1, 128), np.int8), np.ones(128, np.int8))


@njit(cache=True)
def check_program(code, data_base):
    """``check_code``, and the data region above the code. (error code, index)."""
    err, idx = check_code(code)
    if err == isa.E_OK and data_base < code.shape[0] * isa.INSTR_BYTES:
        err, idx = isa.E_OVERSIZE, 0
    return err, idx


# _nrt=False: no reference counting in the interpreter. It allocates nothing (work space
# comes in as arguments), and the count updates on its ~20 array arguments (the core
# port alone has 13) cost about 1 us per invocation (measured: NRT_incref/decref were
# the top of the profile of a one-instruction program). Callees inherit the flag, except
# those that allocate, which set _nrt=True (vector_dispatch.vexec_slow). The option is
# private numba API: nrt.py drops it, with a warning, from a numba that lacks it.
@njit(cache=True, **NRT_OFF)
def execute(code, sram, vr, acc, vcr, gpr, status, io, data_base, max_cycles, scratch, en):
    """``run_program`` for a program that has passed ``check_program`` (not checked
    again: for hooks called very often, which check once). ``scratch`` int8[1, 128] and
    ``en`` int8[128] are work space (no allocation per call: about 0.5 us each)."""
    n = code.shape[0]
    sram_hi = np.int64(sram.shape[0])
    pc = 0
    cycles = np.int64(0)
    count = np.int64(0)
    flags = status[S_FLAGS]
    cadc_row = np.int64(-1)  # row held in the CADC readout buffer (-1: none)
    detail = np.int64(0)
    err = isa.E_OK
    while True:
        if pc >= n:
            err = isa.E_FELL_OFF
            pc = n - 1  # the last instruction, which fell through
            break
        if cycles > max_cycles:
            err = isa.E_CYCLE_CAP
            break
        op = code[pc, 0]
        rt = code[pc, 1]
        ra = code[pc, 2]
        rb = code[pc, 3]
        c = code[pc, 4]
        imm = np.int64(code[pc, 5])
        cycles += isa.OP_CYCLES[op]
        count += 1
        npc = pc + 1
        if op == isa.INX or op == isa.OUTX:
            a = _ea(gpr, ra, rb)
            kind = a // isa.IO_KIND_STRIDE
            rem = a - kind * isa.IO_KIND_STRIDE
            row = rem >> 1
            half = rem & 1
            if a < 0 or kind >= isa.N_IO_KINDS:
                err = isa.E_IO_RANGE
                detail = a
                break
            if op == isa.INX:
                if not isa.IO_READABLE[kind]:
                    err = isa.E_IO_DIRECTION
                    detail = a
                    break
                if c == 0:  # straight into the register
                    e = io_load(io, kind, row, half, vr, rt)
                else:  # into scratch, then merged on the enabled lanes
                    e = io_load(io, kind, row, half, scratch, 0)
                    commit_bytes(vr, rt, scratch[0], vcr, c)
                if e != 0:
                    err = e
                    detail = a
                    break
            else:
                if not isa.IO_WRITABLE[kind]:
                    err = isa.E_IO_DIRECTION
                    detail = a
                    break
                if c != 0:
                    enable_mask(vcr, c, en)
                e = io_store(io, kind, row, half, vr, rt, en, c != 0)
                if e != 0:
                    err = e
                    detail = a
                    break
            # cost: a CADC conversion digitises a whole row into the readout buffer
            if kind == isa.IO_CAUSAL or kind == isa.IO_ACAUSAL:
                if cadc_row == row:
                    cycles += isa.IO_SYNRAM_CYCLES
                else:
                    cycles += isa.CADC_ROW_CYCLES
                    cadc_row = row
            elif kind == isa.IO_MEMBRANE:
                if cadc_row == isa.CADC_MEMBRANE_ROW:
                    cycles += isa.IO_SYNRAM_CYCLES
                else:
                    cycles += isa.CADC_ROW_CYCLES
                    cadc_row = isa.CADC_MEMBRANE_ROW
            else:
                cycles += isa.IO_CYCLES[kind]
                if kind == isa.IO_CORR_RESET and cadc_row == row:
                    cadc_row = -1  # the buffered conversion is stale after a reset
        elif op >= isa.ADDBM and op <= isa.UPCKBR:
            # C is a condition, except for compare (ignored) and pack / unpack (a size,
            # only 0 passes the static check); shift and splat ignore it
            cc = 0 if (op == isa.CMPB or op == isa.CMPH) else c
            g = VGROUP[op]
            if g == G_FAST:  # the whole run of fast vector ops in one call
                npc, run_cycles, run_count = vexec_run(code, pc, vr, acc, vcr, gpr, scratch)
                cycles += run_cycles - isa.OP_CYCLES[op]  # (this op is counted above)
                count += run_count - 1
            elif g == G_ACC:
                vexec_acc(op, vr, acc, vcr, rt, ra, rb, cc, imm, np.int64(gpr[ra]), scratch)
            else:
                vexec_slow(op, vr, acc, vcr, rt, ra, rb, cc, imm, np.int64(gpr[ra]))
        elif op == isa.ADDI:
            gpr[rt] = np.int32((np.int64(gpr[ra]) + imm) & 0xFFFFFFFF)
        elif op == isa.CMPI or op == isa.CMP:
            x = np.int64(gpr[ra])
            y = imm if op == isa.CMPI else np.int64(gpr[rb])
            flags = np.int64(x < y) | (np.int64(x > y) << 1) | (np.int64(x == y) << 2)
        elif op == isa.BC:
            lt = flags & 1
            gt = (flags >> 1) & 1
            eq = (flags >> 2) & 1
            take = ((c == isa.BR_LT) & (lt == 1)) | ((c == isa.BR_GT) & (gt == 1)) | (
                (c == isa.BR_EQ) & (eq == 1)) | ((c == isa.BR_GE) & (lt == 0)) | (
                (c == isa.BR_LE) & (gt == 0)) | ((c == isa.BR_NE) & (eq == 0))
            if take:
                npc = imm
                cycles += isa.BRANCH_TAKEN_CYCLES - 1
        elif op == isa.B:
            npc = imm
        elif op == isa.LAX or op == isa.STAX:
            a = _ea(gpr, ra, rb)
            if a < data_base or a + 128 > sram_hi:
                err = isa.E_MEM_RANGE
                detail = a
                break
            if op == isa.LAX:
                for i in range(128):
                    vr[rt, i] = np.int8(sram[a + i])
            else:
                for i in range(128):
                    sram[a + i] = np.uint8(vr[rt, i])
        elif op == isa.HALT:
            break
        elif op == isa.NOP:
            pass
        elif op >= isa.LWZ:  # LWZ, STW, LBZ, STB
            a = np.int64(gpr[ra]) + imm
            width = 4 if (op == isa.LWZ or op == isa.STW) else 1
            if a < data_base or a + width > sram_hi:
                err = isa.E_MEM_RANGE
                detail = a
                break
            if op == isa.LWZ:  # big-endian, as on the Power core
                w = (np.int64(sram[a]) << 24) | (np.int64(sram[a + 1]) << 16) | (
                    np.int64(sram[a + 2]) << 8) | np.int64(sram[a + 3])
                gpr[rt] = np.int32(w - ((w >> 31) << 32))
            elif op == isa.STW:
                w = np.int64(gpr[rt]) & 0xFFFFFFFF
                sram[a] = np.uint8(w >> 24)
                sram[a + 1] = np.uint8((w >> 16) & 0xFF)
                sram[a + 2] = np.uint8((w >> 8) & 0xFF)
                sram[a + 3] = np.uint8(w & 0xFF)
            elif op == isa.LBZ:
                gpr[rt] = np.int32(sram[a])
            else:
                sram[a] = np.uint8(np.int64(gpr[rt]) & 0xFF)
        else:
            x = np.int64(gpr[ra])
            y = np.int64(gpr[rb])
            r = np.int64(0)
            if op == isa.LI:
                r = imm
            elif op == isa.LIS:
                r = imm << 16
            elif op == isa.ADD:
                r = x + y
            elif op == isa.SUB:
                r = x - y
            elif op == isa.MULLW:
                r = x * y
            elif op == isa.AND:
                r = x & y
            elif op == isa.OR:
                r = x | y
            elif op == isa.XOR:
                r = x ^ y
            elif op == isa.ANDI:
                r = x & imm
            elif op == isa.ORI:
                r = x | imm
            elif op == isa.SLWI:
                r = x << imm
            elif op == isa.SRWI:
                r = (x & 0xFFFFFFFF) >> imm
            elif op == isa.SRAWI:
                r = x >> imm
            r = r & 0xFFFFFFFF
            gpr[rt] = np.int32(r - ((r >> 31) << 32))  # wrap to signed 32 bit
        pc = npc
    status[S_CYCLES] = cycles
    status[S_ERROR] = err
    status[S_PC] = pc
    status[S_COUNT] = count
    status[S_FLAGS] = flags
    status[S_DETAIL] = detail
    return err
