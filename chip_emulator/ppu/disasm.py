"""Disassembler: an encoded program back to readable assembly, for debugging."""

from __future__ import annotations

import numpy as np

from . import isa


def format_instruction(row, labels: dict[int, str] | None = None) -> str:
    """One instruction row [op, rt, ra, rb, c, imm] as text; bad rows are shown raw."""
    op, rt, ra, rb, c, imm = (int(x) for x in row)
    if not 0 <= op < isa.N_OPS:
        return f".word op={op} rt={rt} ra={ra} rb={rb} c={c} imm={imm}  # unknown opcode"
    name = isa.OP_NAMES[op]
    fmt = isa.OP_FORMATS[op]
    labels = labels or {}
    cond = ""
    if fmt in ("vvv", "vv", "vrrc") and c:
        cond = f".{isa.COND_NAMES[c]}" if 0 <= c < 4 else f".c{c}"
    vt, va, vb = f"v{rt}", f"v{ra}", f"v{rb}"
    st, sa, sb = f"r{rt}", f"r{ra}", f"r{rb}"
    ops = {
        "vvv": [vt, va, vb], "vv": [vt, va], "v": [va],
        "vsh": [vt, va, str(imm)], "vr": [vt, sa],
        "vrr": [vt, sa, sb], "vrrc": [vt, sa, sb],
        "rrr": [st, sa, sb], "rri": [st, sa, str(imm)],
        "ri": [st, str(imm)], "rr": [sa, sb], "rI": [sa, str(imm)],
        "mem": [st, f"{imm}({sa})"],
        "b": [labels.get(imm, str(imm))], "bc": [labels.get(imm, str(imm))], "-": [],
    }[fmt]
    if fmt == "bc":
        name = "b" + (isa.BR_NAMES[c] if 0 <= c < len(isa.BR_NAMES) else f"?{c}")
    return f"{name}{cond} {', '.join(ops)}".strip()


def disassemble(program_or_code, labels: dict[int, str] | None = None) -> str:
    """The whole program, one instruction a line: index, label, instruction."""
    code = getattr(program_or_code, "code", program_or_code)
    if labels is None:
        labels = getattr(program_or_code, "labels", {}) or {}
    code = np.asarray(code)
    lines = []
    for i, row in enumerate(code):
        if i in labels:
            lines.append(f"{labels[i]}:")
        lines.append(f"{i:5d}  {format_instruction(row, labels)}")
    return "\n".join(lines)
