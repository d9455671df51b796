"""Numba kernels of the FXV vector instructions (one 128-lane vector at a time).

Semantics: Nux user guide ``doc/guide/src/fxv.tex`` as settled in ../shared/REFERENCE.md
("Vector instruction semantics (Nux FXV)"); the independent slow reference is
``reference.py``. Register state: ``vr`` int8[32, 128]; accumulator ``acc`` int16[128]
(byte-lane view; halfword lane i = acc[2i] (high 16 bits) : acc[2i+1] (low 16 bits));
flags ``vcr`` uint8[128]. Results go to a temporary first (a destination may also be a
source) and are committed masked per byte lane by ``en`` (1 enabled / 0 kept) when
``c != 0``.

Speed (../shared/PERFORMANCE-NOTES.md, and measured here): the opcode is branched on
once, outside the lane loop, so each loop body is a few branch-free integer operations on
rows of the 2-D register file (selects by masks, clamps by Python min/max on integers;
np.minimum on scalars made every loop of its function scalar). Each kernel first checks
that its register indices are non-negative: without that proof numba's negative-index
wraparound stays inside the lane loop and it runs 10-30x slower (measured: 2-D
indexing 160-210 ns per 128 lanes, guarded 2-6 ns). Array views (``vr[r]``) are avoided
in the interpreter: each costs a reference-count pair.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import isa

_FLAG_OF_C = np.array([0, isa.FLAG_GT, isa.FLAG_LT, isa.FLAG_EQ], dtype=np.uint8)


@njit(inline="always")
def lane_on(flags, c):
    """1 where condition C holds on a byte lane with these flags (guide: 'conditional';
    C = 0 always). Computed inside each kernel's loop: a separate mask pass cost a call."""
    return (c == 0) | ((flags & _FLAG_OF_C[c]) != 0)


@njit
def enable_mask(vcr, c, en):
    """en[i] = 1 where the condition C holds on byte lane i (guide: 'conditional')."""
    bit = _FLAG_OF_C[c]
    for i in range(128):
        en[i] = np.int8((vcr[i] & bit) != 0)


@njit
def commit_bytes(vr, rt, tmp, vcr, c):
    """vr[rt] <- tmp on enabled byte lanes (all when c == 0)."""
    if rt < 0:  # lets LLVM drop the negative-index wraparound from the loops
        return
    if c == 0:
        for i in range(128):
            vr[rt, i] = tmp[i]
    else:
        for i in range(128):
            m = np.int8(-lane_on(vcr[i], c))  # 0 or -1: a branch-free select
            vr[rt, i] = (tmp[i] & m) | (vr[rt, i] & ~m)


@njit(inline="always")
def commit_acc(acc, tmp16, vcr, c):
    """acc <- tmp16 on enabled byte lanes (all when c == 0)."""
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        acc[i] = (tmp16[i] & m) | (acc[i] & ~m)


@njit(inline="always")
def halves(vr, r, h):
    """Big-endian halfword lanes of vr[r]: h[i] = bytes 2i (high) : 2i+1 (low), signed."""
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


# ------------------------------------------------------------------ byte lanes
# One small non-inlined kernel per op: LLVM vectorises a lone lane loop, but not the same
# loop inlined into the big interpreter (int8 stores may alias the array descriptors
# there), measured 20-50 ns against 100-200 ns per op. Each writes vr[rt, i] (a register or
# the accumulator) only where condition c holds on lane i; lanes are independent, so
# the destination may be a source.
#
# The ops of the fast group (vexec_run) compute into a scratch row ``tmp[0]`` first and
# then commit: a loop that writes a row it also reads (rt == ra, the usual in-place
# ``w <- w + d``) fails LLVM's run-time overlap check and runs scalar (measured 40-80 ns
# against 6-10 ns per op); the scratch row never overlaps the registers.


@njit(inline="always")
def commit_row(vr, rt, tmp, vcr, c):
    """vr[rt] <- tmp[0] on the lanes where condition c holds (all when c == 0)."""
    for i in range(128):
        m = np.int8(-lane_on(vcr[i], c))
        vr[rt, i] = (tmp[0, i] & m) | (vr[rt, i] & ~m)


@njit
def k_addbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # (a + b) mod 2^8
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        tmp[0, i] = np.int8(vr[ra, i] + vr[rb, i])
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_subbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # (a - b) mod 2^8
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        tmp[0, i] = np.int8(vr[ra, i] - vr[rb, i])
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_addbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # clamp(a + b, -128, 127)
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        x = np.int16(vr[ra, i]) + np.int16(vr[rb, i])
        tmp[0, i] = np.int8(min(max(x, -128), 127))
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_subbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # clamp(a - b, -128, 127): 0 - (-128) = 127
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        x = np.int16(vr[ra, i]) - np.int16(vr[rb, i])
        tmp[0, i] = np.int8(min(max(x, -128), 127))
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_mulbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # low 8 bits of a*b
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        tmp[0, i] = np.int8(np.int16(vr[ra, i]) * np.int16(vr[rb, i]))
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_mulbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    # floor(2ab / 2^8) = floor(ab / 2^7) (arithmetic shift: toward -inf);
    # only -128 * -128 (ab = 2^14) saturates, to 127. |ab| <= 2^14 fits int16: kept in
    # int16 explicitly (numba widens to int64 otherwise; 28 -> 12 ns per op)
    for i in range(128):
        x = np.int16(np.int16(np.int16(vr[ra, i]) * np.int16(vr[rb, i])) >> 7)
        tmp[0, i] = np.int8(min(x, np.int16(127)))
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_mabm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # upper 8 bits of (ACC + ab) mod 2^16
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):  # via the scratch row: the destination is often a source
        s = np.int16(acc[i] + np.int16(vr[ra, i]) * np.int16(vr[rb, i]))
        tmp[0, i] = np.int8(s >> 8)
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_mabfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # upper 8 bits of sat16(ACC + fract(ab))
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):  # via the scratch row: the destination is often a source
        p = min(np.int32(vr[ra, i]) * np.int32(vr[rb, i]) * 2, 32767)  # 2*(-128)^2 saturates
        s = min(max(np.int32(acc[i]) + p, -32768), 32767)
        tmp[0, i] = np.int8(s >> 8)
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_addacbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # upper 8 bits of (ACC + a) mod 2^16
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):  # via the scratch row: the destination is often a source
        s = np.int16(acc[i] + np.int16(vr[ra, i]))
        tmp[0, i] = np.int8(s >> 8)
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_addacbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # upper 8 bits of sat16(ACC + a)
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):  # via the scratch row: the destination is often a source
        s = min(max(np.int32(acc[i]) + np.int32(vr[ra, i]), -32768), 32767)
        tmp[0, i] = np.int8(s >> 8)
    commit_row(vr, rt, tmp, vcr, c)


@njit
def k_matacbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # ACC <- (ACC + ab) mod 2^16
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        acc[i] = (np.int16(acc[i] + np.int16(vr[ra, i]) * np.int16(vr[rb, i])) & m) | (acc[i] & ~m)


@njit
def k_matacbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # ACC <- sat16(ACC + fract(ab))
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        p = min(np.int32(vr[ra, i]) * np.int32(vr[rb, i]) * 2, 32767)
        s = np.int16(min(max(np.int32(acc[i]) + p, -32768), 32767))
        acc[i] = (s & m) | (acc[i] & ~m)


@njit
def k_multacbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # ACC <- ab (fits 16 bits)
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        acc[i] = (np.int16(np.int16(vr[ra, i]) * np.int16(vr[rb, i])) & m) | (acc[i] & ~m)


@njit
def k_multacbfs(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # ACC <- fract(ab) = 2ab, -128*-128 -> 32767
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        s = np.int16(min(np.int32(vr[ra, i]) * np.int32(vr[rb, i]) * 2, 32767))
        acc[i] = (s & m) | (acc[i] & ~m)


@njit
def k_mtacb(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # ACC <- sign_extend(a)
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        acc[i] = (np.int16(vr[ra, i]) & m) | (acc[i] & ~m)


@njit
def k_mtacbf(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # ACC <- a * 2^8 (into the upper half)
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        acc[i] = (np.int16(np.int16(vr[ra, i]) << 8) & m) | (acc[i] & ~m)


@njit
def k_addactacbm(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # ACC <- (ACC + a) mod 2^16
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        acc[i] = (np.int16(acc[i] + np.int16(vr[ra, i])) & m) | (acc[i] & ~m)


@njit
def k_addactacbf(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # ACC <- sat16(ACC + a)
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        s = np.int16(min(max(np.int32(acc[i]) + np.int32(vr[ra, i]), -32768), 32767))
        acc[i] = (s & m) | (acc[i] & ~m)


@njit
def k_addtacb(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # ACC <- sign_extend(a) + sign_extend(b)
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int16(-lane_on(vcr[i], c))
        acc[i] = (np.int16(np.int16(vr[ra, i]) + np.int16(vr[rb, i])) & m) | (acc[i] & ~m)


# ------------------------------------------------------------------ halfword lanes
@njit(inline="always")
def half_lane(op, a, b, m):
    """One halfword lane (int64 in, int64 out): n-bit result for register ops, 32-bit
    result for accumulator ops (both wrapped by the caller's packing)."""
    if op == isa.ADDHM:
        return a + b
    if op == isa.SUBHM:
        return a - b
    if op == isa.ADDHFS:
        return min(max(a + b, -32768), 32767)
    if op == isa.SUBHFS:
        return min(max(a - b, -32768), 32767)
    if op == isa.MULHM:
        return a * b
    if op == isa.MULHFS:  # floor(ab / 2^15); -32768^2 saturates to 32767
        return min((a * b) >> 15, 32767)
    p = min(2 * a * b, 2147483647)  # fract(ab), 32 bit, saturating
    if op == isa.MAHM:  # upper 16 bits of (ACC + ab) mod 2^32
        return np.int64(np.int32(m + a * b)) >> 16
    if op == isa.MAHFS:
        return min(max(m + p, -2147483648), 2147483647) >> 16
    if op == isa.MATACHM:
        return m + a * b
    if op == isa.MATACHFS:
        return min(max(m + p, -2147483648), 2147483647)
    if op == isa.MULTACHM:
        return a * b
    if op == isa.MULTACHFS:
        return p
    if op == isa.MTACH:
        return a
    if op == isa.MTACHF:
        return a << 16
    if op == isa.ADDACTACHM:
        return m + a
    if op == isa.ADDACTACHF:
        return min(max(m + a, -2147483648), 2147483647)
    if op == isa.ADDACHM:
        return np.int64(np.int32(m + a)) >> 16
    if op == isa.ADDACHFS:
        return min(max(m + a, -2147483648), 2147483647) >> 16
    return a + b  # ADDTACH


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
def k_halfword(vr, acc, vcr, rt, ra, rb, c, op, scalar):
    """All halfword arithmetic / accumulator ops: less frequent, one generic kernel with
    the lane function branching per lane (scalar code, about 0.3 us per op)."""
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    ha = np.empty(64, np.int64)
    hb = np.empty(64, np.int64)
    hm = np.empty(64, np.int64)
    tmp = np.empty(128, np.int8)
    tmp16 = np.empty(128, np.int16)
    halves(vr, ra, ha)
    halves(vr, rb, hb)
    acc_words(acc, hm)
    for i in range(64):
        hm[i] = half_lane(op, ha[i], hb[i], hm[i])
    if writes_acc(op):
        words_to_acc16(hm, tmp16)
        commit_acc(acc, tmp16, vcr, c)
    else:
        halves_to_bytes(hm, tmp)
        for i in range(128):
            m = np.int8(-lane_on(vcr[i], c))
            vr[rt, i] = (tmp[i] & m) | (vr[rt, i] & ~m)


@njit
def k_cmpb(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # flags per byte lane: gt, lt, eq against zero
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        x = vr[ra, i]
        vcr[i] = (np.uint8(x > 0) * isa.FLAG_GT) | (np.uint8(x < 0) * isa.FLAG_LT) | (
            np.uint8(x == 0) * isa.FLAG_EQ)


@njit
def k_cmph(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # per halfword, set on both of its bytes
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(64):
        x = (np.int32(vr[ra, 2 * i]) << 8) | (np.int32(vr[ra, 2 * i + 1]) & 0xFF)
        f = (np.uint8(x > 0) * isa.FLAG_GT) | (np.uint8(x < 0) * isa.FLAG_LT) | (
            np.uint8(x == 0) * isa.FLAG_EQ)
        vcr[2 * i] = f
        vcr[2 * i + 1] = f


@njit
def k_sel(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):  # per byte lane: b where c holds, else a
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(128):
        m = np.int8(-lane_on(vcr[i], c))
        tmp[0, i] = (vr[rb, i] & m) | (vr[ra, i] & ~m)
    for i in range(128):
        vr[rt, i] = tmp[0, i]


@njit
def k_shb(vr, acc, vcr, rt, ra, rb, c, imm, scalar, tmp):
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    if imm < 16:  # left, zero fill; bits shifted out are lost: x * 2^imm mod 2^8 (an
        # int16 multiply vectorises, a variable shift did not: 25 -> 10 ns per op)
        f = np.int16(1 << imm) if imm < 8 else np.int16(0)
        for i in range(128):
            tmp[0, i] = np.int8(np.int16(np.int16(vr[ra, i]) * f))
    else:  # 16..31 encode -16..-1: logical right by 32 - imm
        s = 32 - imm
        for i in range(128):
            tmp[0, i] = np.int8((np.int16(vr[ra, i]) & 0xFF) >> s)
    for i in range(128):
        vr[rt, i] = tmp[0, i]


@njit
def k_shh(vr, acc, vcr, rt, ra, rb, c, imm, scalar):
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    for i in range(64):
        h = ((np.int32(vr[ra, 2 * i]) & 0xFF) << 8) | (np.int32(vr[ra, 2 * i + 1]) & 0xFF)  # 0..65535
        r = (h << imm) if imm < 16 else (h >> (32 - imm))
        vr[rt, 2 * i] = np.int8((r >> 8) & 0xFF)
        vr[rt, 2 * i + 1] = np.int8(r & 0xFF)


@njit
def k_splatb(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # low byte of RA
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    v = np.int8(scalar & 0xFF)
    for i in range(128):
        vr[rt, i] = v


@njit
def k_splath(vr, acc, vcr, rt, ra, rb, c, imm, scalar):  # low halfword of RA, big-endian
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    hi = np.int8((scalar >> 8) & 0xFF)
    lo = np.int8(scalar & 0xFF)
    for i in range(64):
        vr[rt, 2 * i] = hi
        vr[rt, 2 * i + 1] = lo


@njit
def k_pack(vr, acc, vcr, rt, ra, rb, c, off, scalar):
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    # per 128-bit slice: the upper (off 0) or lower (off 1) bytes of a's 8 halfwords,
    # then of b's 8 halfwords
    tmp = np.empty(128, np.int8)
    for s in range(8):
        for j in range(8):
            tmp[16 * s + j] = vr[ra, 16 * s + 2 * j + off]
            tmp[16 * s + 8 + j] = vr[rb, 16 * s + 2 * j + off]
    for i in range(128):
        vr[rt, i] = tmp[i]


@njit
def k_unpack(vr, acc, vcr, rt, ra, rb, c, off, scalar):
    if rt < 0 or ra < 0 or rb < 0:  # non-negative: no index wraparound in the loops
        return
    # per slice: halfword j <- (a byte off+j, b byte off+j); off 0 left, 8 right
    tmp = np.empty(128, np.int8)
    for s in range(8):
        for j in range(8):
            tmp[16 * s + 2 * j] = vr[ra, 16 * s + off + j]
            tmp[16 * s + 2 * j + 1] = vr[rb, 16 * s + off + j]
    for i in range(128):
        vr[rt, i] = tmp[i]
