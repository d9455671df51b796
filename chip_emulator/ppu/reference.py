"""Slow, readable NumPy/Python reference of the FXV vector instructions, for tests only.

Written apart from the numba interpreter (``interpreter.py``) and on purpose in a different
style (Python integers, one lane at a time, the formulas of the Nux user guide
``doc/guide/src/fxv.tex`` as settled in ../shared/REFERENCE.md), so that the two can be
checked against each other instruction by instruction.

Machine state used here: ``vr`` int8[32, 128] vector registers, ``acc`` int16[128] the
accumulator in its byte-lane view (halfword lane i is acc[2i] (high 16 bits) : acc[2i+1]
(low 16 bits)), ``vcr`` uint8[128] per-byte-lane flags (1 gt, 2 lt, 4 eq).

Conventions settled here (documented in docs/ppu.md):
* halfword i of a vector is bytes 2i (high) and 2i+1 (low) (REFERENCE.md);
* conditional writes are masked per byte lane, also for halfword results (the condition
  register keeps flags per byte; a halfword compare sets both bytes alike);
* results written from the accumulator to a register are its upper n bits (REFERENCE.md
  "writes either the destination register (its upper n bits) or the accumulator").
"""

from __future__ import annotations

import numpy as np

from . import isa


def wrap(x: int, n: int) -> int:
    """x modulo 2^n, read back as a signed n-bit number."""
    m = 1 << n
    x %= m
    return x - m if x >= m // 2 else x


def sat(x: int, n: int) -> int:
    """x clamped to [-2^(n-1), 2^(n-1) - 1] (guide: add_sat)."""
    return max(-(1 << (n - 1)), min((1 << (n - 1)) - 1, x))


def fract_product(a: int, b: int, n: int) -> int:
    """Guide mult_sat_fract: the 2n-bit product shifted left by one; -1 * -1 saturates."""
    if a == -(1 << (n - 1)) and b == -(1 << (n - 1)):
        return (1 << (2 * n - 1)) - 1
    return 2 * a * b


def upper(x: int, n: int) -> int:
    """Upper n bits of a signed 2n-bit number: floor(x / 2^n)."""
    return x >> n  # Python >> on int is floor division: truncation toward -inf


# ------------------------------------------------------------ lane views
def lanes(vec: np.ndarray, n: int) -> list[int]:
    """Signed lanes of a 128-byte vector as bytes (n=8) or big-endian halfwords (n=16)."""
    b = [int(x) for x in vec.astype(np.int64)]
    if n == 8:
        return b
    return [wrap((b[2 * i] << 8) | (b[2 * i + 1] & 0xFF), 16) for i in range(64)]


def from_lanes(vals: list[int], n: int) -> np.ndarray:
    out = np.zeros(128, np.int8)
    if n == 8:
        for i, v in enumerate(vals):
            out[i] = wrap(v, 8)
    else:
        for i, v in enumerate(vals):
            out[2 * i] = wrap(v >> 8, 8)
            out[2 * i + 1] = wrap(v & 0xFF, 8)
    return out


def acc_lanes(acc: np.ndarray, n: int) -> list[int]:
    a = [int(x) for x in acc.astype(np.int64)]
    if n == 8:
        return a
    return [wrap((a[2 * i] << 16) | (a[2 * i + 1] & 0xFFFF), 32) for i in range(64)]


def acc_from_lanes(vals: list[int], n: int) -> np.ndarray:
    out = np.zeros(128, np.int16)
    if n == 8:
        for i, v in enumerate(vals):
            out[i] = wrap(v, 16)
    else:
        for i, v in enumerate(vals):
            out[2 * i] = wrap(v >> 16, 16)
            out[2 * i + 1] = wrap(v & 0xFFFF, 16)
    return out


def enabled_bytes(vcr: np.ndarray, c: int) -> list[bool]:
    """Guide 'conditional': C=0 always, 1 gt, 2 lt, 3 eq; per byte lane."""
    if c == 0:
        return [True] * 128
    bit = {1: isa.FLAG_GT, 2: isa.FLAG_LT, 3: isa.FLAG_EQ}[c]
    return [bool(int(f) & bit) for f in vcr]


def masked(old: np.ndarray, new: np.ndarray, en: list[bool]) -> np.ndarray:
    """Per byte lane: new where enabled, else old (works for int8 and int16 arrays)."""
    out = old.copy()
    for i, e in enumerate(en):
        if e:
            out[i] = new[i]
    return out


# ------------------------------------------------------------ the instructions
_WIDTH = {}
for _name in isa.OP_NAMES:
    if _name.startswith("fxv"):
        core = _name.removesuffix("fs").removesuffix("m").removesuffix("f")
        _WIDTH[_name] = 16 if core.endswith("h") else 8


def execute(op: str, state: dict, rt=0, ra=0, rb=0, c=0, imm=0, gpr_ra=0) -> dict:
    """Apply one vector instruction to a copy of ``state`` (keys vr, acc, vcr); return it.

    ``gpr_ra`` is the scalar value for the splats.
    """
    vr = state["vr"].copy()
    acc = state["acc"].copy()
    vcr = state["vcr"].copy()
    n = _WIDTH[op]
    en = enabled_bytes(vcr, c)
    a = lanes(vr[ra], n)
    b = lanes(vr[rb], n)
    m = acc_lanes(acc, n)
    k = len(a)

    def to_reg(vals):
        vr[rt] = masked(vr[rt], from_lanes(vals, n), en)

    def to_acc(vals):
        nonlocal acc
        acc = masked(acc, acc_from_lanes(vals, n), en)

    kind = op[3:]
    if kind in ("addbm", "addhm"):
        to_reg([wrap(a[i] + b[i], n) for i in range(k)])
    elif kind in ("addbfs", "addhfs"):
        to_reg([sat(a[i] + b[i], n) for i in range(k)])
    elif kind in ("subbm", "subhm"):
        to_reg([wrap(a[i] - b[i], n) for i in range(k)])
    elif kind in ("subbfs", "subhfs"):
        to_reg([sat(a[i] - b[i], n) for i in range(k)])
    elif kind in ("mulbm", "mulhm"):
        to_reg([wrap(a[i] * b[i], n) for i in range(k)])
    elif kind in ("mulbfs", "mulhfs"):
        to_reg([upper(fract_product(a[i], b[i], n), n) for i in range(k)])
    elif kind in ("mabm", "mahm"):
        to_reg([upper(wrap(m[i] + a[i] * b[i], 2 * n), n) for i in range(k)])
    elif kind in ("mabfs", "mahfs"):
        to_reg([upper(sat(m[i] + fract_product(a[i], b[i], n), 2 * n), n) for i in range(k)])
    elif kind in ("matacbm", "matachm"):
        to_acc([wrap(m[i] + a[i] * b[i], 2 * n) for i in range(k)])
    elif kind in ("matacbfs", "matachfs"):
        to_acc([sat(m[i] + fract_product(a[i], b[i], n), 2 * n) for i in range(k)])
    elif kind in ("multacbm", "multachm"):
        to_acc([wrap(a[i] * b[i], 2 * n) for i in range(k)])
    elif kind in ("multacbfs", "multachfs"):
        to_acc([fract_product(a[i], b[i], n) for i in range(k)])
    elif kind in ("mtacb", "mtach"):
        to_acc(a)
    elif kind in ("mtacbf", "mtachf"):
        to_acc([a[i] << n for i in range(k)])
    elif kind in ("addactacbm", "addactachm"):
        to_acc([wrap(m[i] + a[i], 2 * n) for i in range(k)])
    elif kind in ("addactacbf", "addactachf"):
        to_acc([sat(m[i] + a[i], 2 * n) for i in range(k)])
    elif kind in ("addacbm", "addachm"):
        to_reg([upper(wrap(m[i] + a[i], 2 * n), n) for i in range(k)])
    elif kind in ("addacbfs", "addachfs"):
        to_reg([upper(sat(m[i] + a[i], 2 * n), n) for i in range(k)])
    elif kind in ("addtacb", "addtach"):
        to_acc([a[i] + b[i] for i in range(k)])
    elif kind in ("cmpb", "cmph"):
        # compare with zero; a halfword compare sets both of its bytes
        for i in range(k):
            f = (isa.FLAG_GT if a[i] > 0 else 0) | (isa.FLAG_LT if a[i] < 0 else 0) | (
                isa.FLAG_EQ if a[i] == 0 else 0)
            if n == 8:
                vcr[i] = f
            else:
                vcr[2 * i] = f
                vcr[2 * i + 1] = f
    elif kind == "sel":
        ab, bb = lanes(vr[ra], 8), lanes(vr[rb], 8)
        vr[rt] = from_lanes([bb[i] if en[i] else ab[i] for i in range(128)], 8)
    elif kind in ("shb", "shh"):
        if imm < 16:
            vals = [wrap(a[i] << imm, n) for i in range(k)]  # bits shifted out are lost
        else:
            s = 32 - imm  # 16..31 encode -16..-1: logical right shift
            vals = [wrap((a[i] % (1 << n)) >> s, n) for i in range(k)]
        vr[rt] = from_lanes(vals, n)
    elif kind in ("splatb", "splath"):
        vr[rt] = from_lanes([wrap(gpr_ra, n)] * k, n)
    elif kind in ("pckbu", "pckbl"):
        ha, hb = lanes(vr[ra], 16), lanes(vr[rb], 16)
        out = []
        for s in range(8):  # 8 slices of 128 bits = 8 halfwords each
            for src in (ha, hb):
                for j in range(8):
                    h = src[8 * s + j]
                    out.append(h >> 8 if kind == "pckbu" else h & 0xFF)
        vr[rt] = from_lanes(out, 8)
    elif kind in ("upckbl", "upckbr"):
        ba, bb = lanes(vr[ra], 8), lanes(vr[rb], 8)
        off = 0 if kind == "upckbl" else 8
        out = []
        for s in range(8):
            for j in range(8):
                hi, lo = ba[16 * s + off + j], bb[16 * s + off + j]
                out.append(wrap((hi << 8) | (lo & 0xFF), 16))
        vr[rt] = from_lanes(out, 16)
    else:
        raise KeyError(f"no reference semantics for {op}")
    return {"vr": vr, "acc": acc, "vcr": vcr}


VECTOR_ALU_OPS = tuple(
    name for name in isa.OP_NAMES
    if name.startswith("fxv") and name not in ("fxvlax", "fxvstax", "fxvinx", "fxvoutx"))
