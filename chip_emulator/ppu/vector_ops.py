"""Numba kernels of the FXV vector instructions (one 128-lane vector at a time).

Semantics: Nux user guide ``doc/guide/src/fxv.tex`` as settled in ../shared/REFERENCE.md
("Vector instruction semantics (Nux FXV)"); the independent slow reference is
``reference.py``. Register state: ``vr`` int8[32, 128]; accumulator ``acc`` int16[128]
(byte-lane view; halfword lane i = acc[2i]:acc[2i+1]); flags ``vcr`` uint8[128].
Writes are masked per byte lane by ``en`` (1 enabled / 0 kept) when ``c != 0``.
Each kernel is free of Python objects and loops over lanes with branch-free bodies.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import isa

_FLAG_OF_C = np.array([0, isa.FLAG_GT, isa.FLAG_LT, isa.FLAG_EQ], dtype=np.uint8)


@njit(inline="always")
def enable_mask(vcr, c, en):
    """en[i] = 1 where the condition C holds on byte lane i (guide: 'conditional')."""
    bit = _FLAG_OF_C[c]
    for i in range(128):
        en[i] = np.int8((vcr[i] & bit) != 0)


@njit(inline="always")
def commit_bytes(vr, rt, tmp, en, c):
    """vr[rt] <- tmp on enabled byte lanes (all when c == 0)."""
    if c == 0:
        for i in range(128):
            vr[rt, i] = tmp[i]
    else:
        for i in range(128):
            m = np.int8(-en[i])  # 0 or -1: a branch-free select
            vr[rt, i] = (tmp[i] & m) | (vr[rt, i] & ~m)


@njit(inline="always")
def commit_acc(acc, tmp16, en, c):
    """acc <- tmp16 on enabled byte lanes (all when c == 0)."""
    if c == 0:
        for i in range(128):
            acc[i] = tmp16[i]
    else:
        for i in range(128):
            m = np.int16(-en[i])
            acc[i] = (tmp16[i] & m) | (acc[i] & ~m)


@njit(inline="always")
def halves(vr, r, h):
    """Big-endian halfword lanes of vr[r]: h[i] = bytes 2i (high) : 2i+1 (low)."""
    for i in range(64):
        h[i] = (np.int64(vr[r, 2 * i]) << 8) | (np.int64(vr[r, 2 * i + 1]) & 0xFF)


@njit(inline="always")
def halves_to_bytes(h, tmp):
    """Low 16 bits of each h[i] into bytes 2i, 2i+1 of tmp (modulo 2^16)."""
    for i in range(64):
        tmp[2 * i] = np.int8((h[i] >> 8) & 0xFF)
        tmp[2 * i + 1] = np.int8(h[i] & 0xFF)


@njit(inline="always")
def acc_words(acc, m):
    """32-bit accumulator lanes of the halfword view: m[i] = acc[2i]:acc[2i+1]."""
    for i in range(64):
        m[i] = (np.int64(acc[2 * i]) << 16) | (np.int64(acc[2 * i + 1]) & 0xFFFF)


@njit(inline="always")
def words_to_acc16(m, tmp16):
    for i in range(64):
        tmp16[2 * i] = np.int16((m[i] >> 16) & 0xFFFF)
        tmp16[2 * i + 1] = np.int16(m[i] & 0xFFFF)


# ------------------------------------------------------------------ lane functions
@njit(inline="always")
def sat(x, lo, hi):
    # add_sat of the guide: clamp to [lo, hi] (np.minimum/np.maximum vectorise)
    return np.minimum(np.maximum(x, lo), hi)


@njit(inline="always")
def fract_product(a, b, n):
    """mult_sat_fract: 2*a*b (2n bit); only -2^(n-1) * -2^(n-1) saturates to 2^(2n-1)-1."""
    p = 2 * a * b
    return p - (p == (np.int64(1) << (2 * n - 1)))


@njit(inline="always")
def lane_op(op, a, b, m, n):
    """Result of one lane of an arithmetic op (n = 8 or 16) as int64.

    For ops writing a register: the n-bit result (wrapping is done by the caller's cast);
    for ops writing the accumulator: the 2n-bit result (wrapped by the caller's cast).
    """
    lo = -(np.int64(1) << (n - 1))
    hi = (np.int64(1) << (n - 1)) - 1
    lo2 = -(np.int64(1) << (2 * n - 1))
    hi2 = (np.int64(1) << (2 * n - 1)) - 1
    if op == isa.ADDBM or op == isa.ADDHM:
        return a + b  # mod 2^n by the cast
    if op == isa.ADDBFS or op == isa.ADDHFS:
        return sat(a + b, lo, hi)
    if op == isa.SUBBM or op == isa.SUBHM:
        return a - b
    if op == isa.SUBBFS or op == isa.SUBHFS:
        return sat(a - b, lo, hi)  # so byte 0 - (-128) = 127
    if op == isa.MULBM or op == isa.MULHM:
        return a * b  # low n bits by the cast
    if op == isa.MULBFS or op == isa.MULHFS:
        return fract_product(a, b, n) >> n  # floor(a*b / 2^(n-1)), toward -inf
    if op == isa.MABM or op == isa.MAHM:
        s = (m + a * b) & ((np.int64(1) << (2 * n)) - 1)  # (ACC + a*b) mod 2^2n
        s = s - ((s >> (2 * n - 1)) << (2 * n))  # as signed 2n-bit
        return s >> n  # upper n bits
    if op == isa.MABFS or op == isa.MAHFS:
        return sat(m + fract_product(a, b, n), lo2, hi2) >> n
    if op == isa.MATACBM or op == isa.MATACHM:
        return m + a * b  # mod 2^2n by the cast
    if op == isa.MATACBFS or op == isa.MATACHFS:
        return sat(m + fract_product(a, b, n), lo2, hi2)
    if op == isa.MULTACBM or op == isa.MULTACHM:
        return a * b
    if op == isa.MULTACBFS or op == isa.MULTACHFS:
        return fract_product(a, b, n)
    if op == isa.MTACB or op == isa.MTACH:
        return a  # sign extended
    if op == isa.MTACBF or op == isa.MTACHF:
        return a << n  # into the upper half
    if op == isa.ADDACTACBM or op == isa.ADDACTACHM:
        return m + a
    if op == isa.ADDACTACBF or op == isa.ADDACTACHF:
        return sat(m + a, lo2, hi2)
    if op == isa.ADDACBM or op == isa.ADDACHM:
        s = (m + a) & ((np.int64(1) << (2 * n)) - 1)
        s = s - ((s >> (2 * n - 1)) << (2 * n))
        return s >> n
    if op == isa.ADDACBFS or op == isa.ADDACHFS:
        return sat(m + a, lo2, hi2) >> n
    # ADDTACB / ADDTACH
    return a + b


@njit(inline="always")
def writes_acc(op):
    return (op == isa.MATACBM or op == isa.MATACHM or op == isa.MATACBFS
            or op == isa.MATACHFS or op == isa.MULTACBM or op == isa.MULTACHM
            or op == isa.MULTACBFS or op == isa.MULTACHFS or op == isa.MTACB
            or op == isa.MTACH or op == isa.MTACBF or op == isa.MTACHF
            or op == isa.ADDACTACBM or op == isa.ADDACTACHM or op == isa.ADDACTACBF
            or op == isa.ADDACTACHF or op == isa.ADDTACB or op == isa.ADDTACH)


@njit(inline="always")
def is_halfword(op):
    return (op == isa.ADDHM or op == isa.ADDHFS or op == isa.SUBHM or op == isa.SUBHFS
            or op == isa.MULHM or op == isa.MULHFS or op == isa.MAHM or op == isa.MAHFS
            or op == isa.MATACHM or op == isa.MATACHFS or op == isa.MULTACHM
            or op == isa.MULTACHFS or op == isa.MTACH or op == isa.MTACHF
            or op == isa.ADDACTACHM or op == isa.ADDACTACHF or op == isa.ADDACHM
            or op == isa.ADDACHFS or op == isa.ADDTACH)


@njit
def arith(op, vr, acc, rt, ra, rb, c, en, tmp, tmp16, ha, hb, hm):
    """Execute one arithmetic / accumulator vector op (opcodes ADDBM..ADDTACH)."""
    to_acc = writes_acc(op)
    if not is_halfword(op):
        if to_acc:
            for i in range(128):
                tmp16[i] = np.int16(lane_op(op, np.int64(vr[ra, i]), np.int64(vr[rb, i]),
                                            np.int64(acc[i]), 8))
            commit_acc(acc, tmp16, en, c)
        else:
            for i in range(128):
                tmp[i] = np.int8(lane_op(op, np.int64(vr[ra, i]), np.int64(vr[rb, i]),
                                         np.int64(acc[i]), 8) & 0xFF)
            commit_bytes(vr, rt, tmp, en, c)
        return
    halves(vr, ra, ha)
    halves(vr, rb, hb)
    acc_words(acc, hm)
    if to_acc:
        for i in range(64):
            hm[i] = lane_op(op, ha[i], hb[i], hm[i], 16)
        words_to_acc16(hm, tmp16)
        commit_acc(acc, tmp16, en, c)
    else:
        for i in range(64):
            hm[i] = lane_op(op, ha[i], hb[i], hm[i], 16)
        halves_to_bytes(hm, tmp)
        commit_bytes(vr, rt, tmp, en, c)


@njit
def permute(op, vr, vcr, rt, ra, rb, c, imm, scalar, en, tmp, ha, hb):
    """Compare, select, shift, splat, pack and unpack (opcodes CMPB..UPCKBR)."""
    if op == isa.CMPB:
        for i in range(128):
            a = vr[ra, i]
            vcr[i] = (np.uint8(a > 0) * isa.FLAG_GT) | (np.uint8(a < 0) * isa.FLAG_LT) | (
                np.uint8(a == 0) * isa.FLAG_EQ)
    elif op == isa.CMPH:
        halves(vr, ra, ha)
        for i in range(64):
            a = ha[i]
            f = (np.uint8(a > 0) * isa.FLAG_GT) | (np.uint8(a < 0) * isa.FLAG_LT) | (
                np.uint8(a == 0) * isa.FLAG_EQ)
            vcr[2 * i] = f  # a halfword compare sets both of its bytes
            vcr[2 * i + 1] = f
    elif op == isa.SEL:
        # per byte lane: VRB where the condition holds, else VRA (always bytewise)
        for i in range(128):
            m = np.int8(-en[i])
            tmp[i] = (vr[rb, i] & m) | (vr[ra, i] & ~m)
        for i in range(128):
            vr[rt, i] = tmp[i]
    elif op == isa.SHB:
        if imm < 16:  # left, zero fill; bits shifted out are lost
            for i in range(128):
                tmp[i] = np.int8((np.int64(vr[ra, i]) << imm) & 0xFF)
        else:  # 16..31 encode -16..-1: logical right by 32 - imm
            s = 32 - imm
            for i in range(128):
                tmp[i] = np.int8((np.int64(vr[ra, i]) & 0xFF) >> s)
        for i in range(128):
            vr[rt, i] = tmp[i]
    elif op == isa.SHH:
        halves(vr, ra, ha)
        if imm < 16:
            for i in range(64):
                hb[i] = ha[i] << imm
        else:
            s = 32 - imm
            for i in range(64):
                hb[i] = (ha[i] & 0xFFFF) >> s
        halves_to_bytes(hb, tmp)
        for i in range(128):
            vr[rt, i] = tmp[i]
    elif op == isa.SPLATB:
        v = np.int8(scalar & 0xFF)
        for i in range(128):
            vr[rt, i] = v
    elif op == isa.SPLATH:
        hi = np.int8((scalar >> 8) & 0xFF)
        lo = np.int8(scalar & 0xFF)
        for i in range(64):
            vr[rt, 2 * i] = hi
            vr[rt, 2 * i + 1] = lo
    elif op == isa.PCKBU or op == isa.PCKBL:
        off = 0 if op == isa.PCKBU else 1  # upper byte = byte 2i, lower = byte 2i+1
        for s in range(8):
            for j in range(8):
                tmp[16 * s + j] = vr[ra, 16 * s + 2 * j + off]
                tmp[16 * s + 8 + j] = vr[rb, 16 * s + 2 * j + off]
        for i in range(128):
            vr[rt, i] = tmp[i]
    else:  # UPCKBL / UPCKBR
        off = 0 if op == isa.UPCKBL else 8
        for s in range(8):
            for j in range(8):
                tmp[16 * s + 2 * j] = vr[ra, 16 * s + off + j]
                tmp[16 * s + 2 * j + 1] = vr[rb, 16 * s + off + j]
        for i in range(128):
            vr[rt, i] = tmp[i]
